#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "mock.h"

#define NSLOTS 65536		/* remembered request bodies, for times= */
#define MAXRULES_FILE (64 << 20)

/* How many times a request body was seen.  A slot holds one body hash; a
 * colliding body takes the slot over and starts again from zero, which a
 * mock can afford. */
struct slot {
	uint64_t hash;
	unsigned long long count;
};

struct rule {
	long line;
	char *model;
	char *role;
	int has_re;
	regex_t re;
	char *content;		/* NULL: the default answer */
	struct mock_tool *tools;
	size_t ntools;
	int status;		/* 0: 200 */
	long long delay_ms;
	char *body;		/* sent as it is */
	struct mock_header *hdrs;
	size_t nhdrs;
};

struct mock {
	struct rule *rules;
	size_t nrules;
	pthread_mutex_t lock;	/* for slots */
	struct slot *slots;
};

static const struct {
	int code;
	const char *reason;
	const char *type;
	const char *ecode;
	int injectable;
} statuses[] = {
	{ 400, "Bad Request", "invalid_request_error", NULL, 1 },
	{ 401, "Unauthorized", "authentication_error", "invalid_api_key", 1 },
	{ 403, "Forbidden", "permission_error", NULL, 1 },
	{ 404, "Not Found", "not_found_error", "model_not_found", 1 },
	{ 405, "Method Not Allowed", "invalid_request_error", NULL, 0 },
	{ 408, "Request Timeout", "timeout_error", NULL, 1 },
	{ 409, "Conflict", "conflict_error", NULL, 1 },
	{ 413, "Payload Too Large", "invalid_request_error", NULL, 0 },
	{ 429, "Too Many Requests", "rate_limit_error", "rate_limit_exceeded", 1 },
	{ 500, "Internal Server Error", "server_error", NULL, 1 },
	{ 502, "Bad Gateway", "server_error", NULL, 1 },
	{ 503, "Service Unavailable", "server_error", NULL, 1 },
	{ 504, "Gateway Timeout", "server_error", NULL, 1 },
};

static const struct {
	const char *name;
	unsigned fault;
} faultnames[] = {
	{ "slow", MOCK_F_SLOW },
	{ "drop", MOCK_F_DROP },
	{ "no-done", MOCK_F_NO_DONE },
	{ "truncate", MOCK_F_TRUNCATE },
	{ "invalid-json", MOCK_F_INVALID_JSON },
	{ "empty-choices", MOCK_F_EMPTY_CHOICES },
	{ "huge", MOCK_F_HUGE },
	{ "stream-error", MOCK_F_STREAM_ERROR },
	{ "tools-no-stream", MOCK_F_TOOLS_NO_STREAM },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
status_index(int code)
{
	size_t i;

	for (i = 0; i < NELEM(statuses); i++)
		if (statuses[i].code == code)
			return (int)i;
	return -1;
}

const char *
mock_reason(int status)
{
	int i = status_index(status);

	if (i >= 0)
		return statuses[i].reason;
	return status >= 500 ? "Server Error" : "Error";
}

const char *
mock_error_type(int status)
{
	int i = status_index(status);

	if (i >= 0)
		return statuses[i].type;
	return status >= 500 ? "server_error" : "invalid_request_error";
}

static const char *
error_code(int status)
{
	int i = status_index(status);

	return i >= 0 ? statuses[i].ecode : NULL;
}

uint64_t
mock_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	while (n--) {
		h ^= *s++;
		h *= 1099511628211ULL;
	}
	return h;
}

long long
mock_tokens(size_t bytes)
{
	return (long long)((bytes + 3) / 4);
}

size_t
mock_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* back up over continuation bytes so no character is split */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

void
mock_http_date(time_t t, char *out, size_t outlen)
{
	/* names spelled out: strftime's %a and %b follow the locale */
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
	         tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
}

void
mock_json_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	buf_add(out, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_add(out, "\\\"", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		default:
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			buf_add(out, e, 6);
		}
	}
	buf_add(out, s + run, n - run);
	buf_add(out, "\"", 1);
}

static void
json_strz(struct buf *out, const char *s)
{
	mock_json_str(out, s, strlen(s));
}

void
mock_error_json(struct buf *out, const char *msg, const char *type, const char *code)
{
	buf_adds(out, "{\"error\":{\"message\":");
	json_strz(out, msg);
	buf_adds(out, ",\"type\":");
	json_strz(out, type);
	buf_adds(out, ",\"param\":null,\"code\":");
	if (code)
		json_strz(out, code);
	else
		buf_adds(out, "null");
	buf_adds(out, "}}");
}

void
mock_models_json(const char *const *models, size_t n, struct buf *out)
{
	size_t i;

	buf_adds(out, "{\"object\":\"list\",\"data\":[");
	for (i = 0; i < n; i++) {
		buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
		json_strz(out, models[i]);
		buf_adds(out, ",\"object\":\"model\",\"created\":0,\"owned_by\":\"llm-mock\"}");
	}
	buf_adds(out, "]}");
}

void
mock_stats_json(unsigned long long requests, unsigned long long chat,
                unsigned long long faults, struct buf *out)
{
	buf_addf(out, "{\"requests\":%llu,\"chat\":%llu,\"faults\":%llu}", requests, chat, faults);
}

/* ---- directives ---- */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
at_close(const char *p, const char *end)
{
	return end - p >= 2 && p[0] == ']' && p[1] == ']';
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && is_space((unsigned char)*p))
		p++;
	return p;
}

/* A word: up to white space, "]]" or (when eq) '='. */
static const char *
word_end(const char *p, const char *end, int eq)
{
	while (p < end && !is_space((unsigned char)*p) && !at_close(p, end) && !(eq && *p == '='))
		p++;
	return p;
}

static int
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

static int
parse_num(const char *v, size_t n, long long min, long long max, long long *out)
{
	char tmp[32], *e;
	long long x;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	errno = 0;
	x = strtoll(tmp, &e, 10);
	if (errno || *e || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

/* The value of args=: a JSON value when one parses and is followed by
 * "]]", else the raw text up to "]]", so broken arguments can be sent on
 * purpose.  Returns the end of the value. */
static const char *
args_end(const char *p, const char *end)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL;
	const char *e = NULL, *q;

	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
		                       JSON_TOKENER_ALLOW_TRAILING_CHARS);
		o = json_tokener_parse_ex(tok, p, (int)(end - p));
		if (o && json_tokener_get_error(tok) == json_tokener_success) {
			e = p + json_tokener_get_parse_end(tok);
			if (!at_close(skip_space(e, end), end))
				e = NULL;
		}
		json_object_put(o);
		json_tokener_free(tok);
	}
	if (e)
		return e;
	for (q = p; q < end && !at_close(q, end); q++)
		;
	while (q > p && is_space((unsigned char)q[-1]))
		q--;
	return q;
}

static int
fault_bit(unsigned f)
{
	return __builtin_ctz(f);
}

/* Apply key=value to the directive just opened. */
static int
directive_opt(struct mock_directives *d, const char *name, size_t nlen, unsigned fault,
              struct mock_status *st, const char *k, size_t klen, const char *v, size_t vlen,
              char *err, size_t errlen)
{
	long long x;
	struct mock_tool *t = NULL;

	if (!st && !fault)
		t = &d->tools[d->ntools - 1];
	if (word_is(k, klen, "times") && !t) {
		if (parse_num(v, vlen, 1, LLONG_MAX, &x) < 0)
			goto badnum;
		if (st)
			st->times = x;
		else
			d->times[fault_bit(fault)] = x;
		return 0;
	}
	if (st) {
		long long *dst = NULL;

		if (word_is(k, klen, "retry-after"))
			dst = &st->retry_after;
		else if (word_is(k, klen, "retry-after-date"))
			dst = &st->retry_after_date;
		else if (word_is(k, klen, "retry-after-ms"))
			dst = &st->retry_after_ms;
		if (dst) {
			if (parse_num(v, vlen, 0, 1000000000LL, dst) < 0)
				goto badnum;
			return 0;
		}
		if (word_is(k, klen, "should-retry")) {
			if (word_is(v, vlen, "true"))
				st->should_retry = 1;
			else if (word_is(v, vlen, "false"))
				st->should_retry = 0;
			else {
				snprintf(err, errlen, "[[mock:%.*s]]: should-retry must be true or false, "
				         "got '%.*s'", (int)nlen, name, (int)vlen, v);
				return -1;
			}
			return 0;
		}
	} else if (fault == MOCK_F_SLOW && word_is(k, klen, "ms")) {
		if (parse_num(v, vlen, 0, MOCK_MAXMS, &d->slow_ms) < 0)
			goto badnum;
		return 0;
	} else if (fault == MOCK_F_HUGE && word_is(k, klen, "bytes")) {
		if (parse_num(v, vlen, 0, 1LL << 40, &d->huge_bytes) < 0)
			goto badnum;
		return 0;
	} else if (t && word_is(k, klen, "name")) {
		free(t->name);
		t->name = estrndup(v, vlen);
		return 0;
	} else if (t && word_is(k, klen, "args")) {
		free(t->args);
		t->args = estrndup(v, vlen);
		return 0;
	}
	snprintf(err, errlen, "[[mock:%.*s]]: unknown option '%.*s'", (int)nlen, name,
	         (int)klen, k);
	return -1;
badnum:
	snprintf(err, errlen, "[[mock:%.*s]]: bad number for %.*s: '%.*s'", (int)nlen, name,
	         (int)klen, k, (int)vlen, v);
	return -1;
}

/* Parse one directive after "[[mock:"; returns the text after its "]]". */
static const char *
directive(const char *p, const char *end, struct mock_directives *d, char *err, size_t errlen)
{
	const char *name = p, *k, *v;
	size_t nlen, i;
	unsigned fault = 0;
	struct mock_status *st = NULL;
	long long code;

	p = word_end(p, end, 0);
	nlen = (size_t)(p - name);
	if (parse_num(name, nlen, 100, 599, &code) == 0) {
		int si = status_index((int)code);

		if (si < 0 || !statuses[si].injectable) {
			snprintf(err, errlen, "unknown directive [[mock:%.*s]]", (int)nlen, name);
			return NULL;
		}
		if (d->nstatus == MOCK_MAXSTATUS) {
			snprintf(err, errlen, "more than %d status directives", MOCK_MAXSTATUS);
			return NULL;
		}
		st = &d->status[d->nstatus++];
		st->code = (int)code;
		st->retry_after = st->retry_after_date = st->retry_after_ms = -1;
		st->should_retry = -1;
	} else if (word_is(name, nlen, "tool")) {
		if (d->ntools == MOCK_MAXTOOLS) {
			snprintf(err, errlen, "more than %d tool directives", MOCK_MAXTOOLS);
			return NULL;
		}
		d->ntools++;
	} else {
		for (i = 0; i < NELEM(faultnames); i++)
			if (word_is(name, nlen, faultnames[i].name))
				fault = faultnames[i].fault;
		if (!fault) {
			snprintf(err, errlen, "unknown directive [[mock:%.*s]]", (int)nlen, name);
			return NULL;
		}
		d->faults |= fault;
	}
	for (;;) {
		p = skip_space(p, end);
		if (at_close(p, end))
			break;
		if (p >= end) {
			snprintf(err, errlen, "unterminated directive [[mock:%.*s", (int)nlen, name);
			return NULL;
		}
		k = p;
		p = word_end(p, end, 1);
		if (p >= end || *p != '=') {
			snprintf(err, errlen, "[[mock:%.*s]]: expected key=value, got '%.*s'",
			         (int)nlen, name, (int)(p - k), k);
			return NULL;
		}
		v = ++p;
		if (!st && !fault && word_is(k, (size_t)(v - 1 - k), "args"))
			p = args_end(v, end);
		else
			p = word_end(v, end, 0);
		if (directive_opt(d, name, nlen, fault, st, k, (size_t)(v - 1 - k), v,
		                  (size_t)(p - v), err, errlen) < 0)
			return NULL;
	}
	if (!st && !fault) {
		struct mock_tool *t = &d->tools[d->ntools - 1];

		if (!t->name) {
			snprintf(err, errlen, "[[mock:tool]]: name= is required");
			return NULL;
		}
		if (!t->args)
			t->args = estrdup("{}");
	}
	return p + 2;
}

static void
trim(struct buf *b)
{
	size_t s = 0, e = b->len;

	while (s < e && is_space((unsigned char)b->data[s]))
		s++;
	while (e > s && is_space((unsigned char)b->data[e - 1]))
		e--;
	memmove(b->data, b->data + s, e - s);
	b->len = e - s;
	b->data[b->len] = '\0';
}

int
mock_parse_directives(const char *text, size_t len, struct mock_directives *d,
                      char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *q;

	memset(d, 0, sizeof *d);
	d->slow_ms = MOCK_SLOW_DEFAULT;
	d->huge_bytes = MOCK_HUGE_DEFAULT;
	buf_add(&d->text, "", 0);
	while ((q = memmem(p, (size_t)(end - p), "[[mock:", 7))) {
		buf_add(&d->text, p, (size_t)(q - p));
		if (!(p = directive(q + 7, end, d, err, errlen)))
			return -1;
	}
	buf_add(&d->text, p, (size_t)(end - p));
	trim(&d->text);
	return 0;
}

static void
tools_free(struct mock_tool *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].args);
		t[i].name = t[i].args = NULL;
	}
}

void
mock_directives_free(struct mock_directives *d)
{
	tools_free(d->tools, d->ntools);
	d->ntools = 0;
	buf_free(&d->text);
}

/* ---- the mock and its rules ---- */

struct mock *
mock_new(void)
{
	struct mock *m = ecalloc(1, sizeof *m);

	pthread_mutex_init(&m->lock, NULL);
	m->slots = ecalloc(NSLOTS, sizeof *m->slots);
	return m;
}

static void
rule_free(struct rule *r)
{
	size_t i;

	free(r->model);
	free(r->role);
	if (r->has_re)
		regfree(&r->re);
	free(r->content);
	tools_free(r->tools, r->ntools);
	free(r->tools);
	free(r->body);
	for (i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
}

void
mock_free(struct mock *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nrules; i++)
		rule_free(&m->rules[i]);
	free(m->rules);
	free(m->slots);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int
rule_str(json_object *v, const char *key, char **out, char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "'%s' must be a string", key);
		return -1;
	}
	*out = estrdup(json_object_get_string(v));
	return 0;
}

static int
rule_num(json_object *v, const char *key, long long min, long long max, long long *out,
         char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max) {
		snprintf(err, errlen, "'%s' must be a whole number from %lld to %lld", key, min, max);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 0;
}

static int
rule_tools(struct rule *r, json_object *v, char *err, size_t errlen)
{
	size_t i, n;
	struct buf b = {0};

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > MOCK_MAXTOOLS) {
		snprintf(err, errlen, "'tool_calls' must be an array of at most %d objects",
		         MOCK_MAXTOOLS);
		return -1;
	}
	r->tools = ecalloc(n, sizeof *r->tools);
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(v, i);
		const char *name = json_get_str(t, "name");
		json_object *args = json_get(t, "arguments");

		if (!name) {
			snprintf(err, errlen, "'tool_calls[%zu]' must be an object with a 'name' string", i);
			buf_free(&b);
			return -1;
		}
		r->tools[i].name = estrdup(name);
		if (!args)
			r->tools[i].args = estrdup("{}");
		else if (json_object_is_type(args, json_type_string))
			r->tools[i].args = estrdup(json_object_get_string(args));
		else
			r->tools[i].args = estrdup(json_line(args, &b));
		r->ntools = i + 1;
	}
	buf_free(&b);
	return 0;
}

static int
rule_headers(struct rule *r, json_object *v, char *err, size_t errlen)
{
	size_t n = 0;

	if (!json_object_is_type(v, json_type_object) ||
	    json_object_object_length(v) > MOCK_MAXHDRS - 4) {
		snprintf(err, errlen, "'headers' must be an object of at most %d strings",
		         MOCK_MAXHDRS - 4);
		return -1;
	}
	r->hdrs = ecalloc((size_t)json_object_object_length(v), sizeof *r->hdrs);
	json_object_object_foreach(v, key, val) {
		const char *s = json_object_is_type(val, json_type_string) ?
		                json_object_get_string(val) : NULL;

		/* no line breaks: they would end the header early */
		if (!s || !*key || strpbrk(key, "\r\n: \t") || strpbrk(s, "\r\n")) {
			snprintf(err, errlen, "'headers': bad header '%s'", key);
			return -1;
		}
		r->hdrs[n].name = estrdup(key);
		r->hdrs[n].value = estrdup(s);
		r->nhdrs = ++n;
	}
	return 0;
}

static int
rule_parse(struct rule *r, json_object *o, char *err, size_t errlen)
{
	long long x;
	int rc;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a rule must be a JSON object");
		return -1;
	}
	json_object_object_foreach(o, key, v) {
		if (!strcmp(key, "model"))
			rc = rule_str(v, key, &r->model, err, errlen);
		else if (!strcmp(key, "role"))
			rc = rule_str(v, key, &r->role, err, errlen);
		else if (!strcmp(key, "content"))
			rc = rule_str(v, key, &r->content, err, errlen);
		else if (!strcmp(key, "body"))
			rc = rule_str(v, key, &r->body, err, errlen);
		else if (!strcmp(key, "match")) {
			int e;

			if (!json_object_is_type(v, json_type_string)) {
				snprintf(err, errlen, "'match' must be a string");
				return -1;
			}
			e = regcomp(&r->re, json_object_get_string(v), REG_EXTENDED | REG_NOSUB);
			if (e) {
				char msg[128];

				regerror(e, &r->re, msg, sizeof msg);
				snprintf(err, errlen, "'match': %s", msg);
				return -1;
			}
			r->has_re = 1;
			rc = 0;
		} else if (!strcmp(key, "tool_calls"))
			rc = rule_tools(r, v, err, errlen);
		else if (!strcmp(key, "headers"))
			rc = rule_headers(r, v, err, errlen);
		else if (!strcmp(key, "status")) {
			rc = rule_num(v, key, 100, 599, &x, err, errlen);
			r->status = (int)x;
		} else if (!strcmp(key, "delay_ms"))
			rc = rule_num(v, key, 0, MOCK_MAXMS, &r->delay_ms, err, errlen);
		else {
			snprintf(err, errlen, "unknown field '%s'", key);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
mock_load_rules_text(struct mock *m, const char *name, const char *text, size_t len,
                     char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nl;
	long line = 0;
	char why[ERRLEN];

	for (; p < end; p = nl + 1) {
		json_object *o;
		struct rule r = {0};
		const char *s;

		line++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		s = skip_space(p, nl);
		if (s == nl || *s == '#')
			continue;
		if (!(o = json_parse(p, (size_t)(nl - p), why, sizeof why))) {
			snprintf(err, errlen, "%s:%ld: invalid JSON: %s", name, line, why);
			return -1;
		}
		r.line = line;
		if (rule_parse(&r, o, why, sizeof why) < 0) {
			snprintf(err, errlen, "%s:%ld: %s", name, line, why);
			json_object_put(o);
			rule_free(&r);
			return -1;
		}
		json_object_put(o);
		m->rules = erealloc(m->rules, (m->nrules + 1) * sizeof *m->rules);
		m->rules[m->nrules++] = r;
	}
	return 0;
}

int
mock_load_rules(struct mock *m, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file(path, MAXRULES_FILE, &len, err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = mock_load_rules_text(m, path, text, len, err, errlen);
	free(text);
	return rc;
}

static const struct rule *
match_rule(const struct mock *m, const char *model, const char *role, const char *text)
{
	size_t i;

	for (i = 0; i < m->nrules; i++) {
		const struct rule *r = &m->rules[i];

		if (r->model && strcmp(r->model, model))
			continue;
		if (r->role && strcmp(r->role, role))
			continue;
		if (r->has_re && regexec(&r->re, text, 0, NULL, 0) != 0)
			continue;
		return r;
	}
	return NULL;
}

static unsigned long long
attempt(struct mock *m, uint64_t h)
{
	struct slot *s = &m->slots[h & (NSLOTS - 1)];
	unsigned long long n;

	pthread_mutex_lock(&m->lock);
	if (s->hash != h) {
		s->hash = h;
		s->count = 0;
	}
	n = ++s->count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- answers ---- */

static void
add_header(struct mock_answer *a, const char *name, const char *value)
{
	if (a->nhdrs == MOCK_MAXHDRS)
		return;
	a->hdrs[a->nhdrs].name = estrdup(name);
	a->hdrs[a->nhdrs].value = estrdup(value);
	a->nhdrs++;
}

static void
fail(struct mock_answer *a, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fail(struct mock_answer *a, int status, const char *type, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	a->status = status;
	a->raw = 1;
	buf_reset(&a->body);
	mock_error_json(&a->body, msg, type ? type : mock_error_type(status),
	                type ? NULL : error_code(status));
}

/* The text of a message's content: a string, or the "text" of its parts
 * joined by newlines. */
static void
content_text(json_object *c, struct buf *out)
{
	size_t i, n;
	int first = 1;

	if (json_object_is_type(c, json_type_string)) {
		buf_add(out, json_object_get_string(c), (size_t)json_object_get_string_len(c));
		return;
	}
	if (!json_object_is_type(c, json_type_array))
		return;
	n = json_object_array_length(c);
	for (i = 0; i < n; i++) {
		json_object *t = json_get(json_object_array_get_idx(c, i), "text");

		if (!json_object_is_type(t, json_type_string))
			continue;
		if (!first)
			buf_add(out, "\n", 1);
		buf_add(out, json_object_get_string(t), (size_t)json_object_get_string_len(t));
		first = 0;
	}
}

static void
inject_status(struct mock_answer *a, const struct mock_status *st)
{
	char v[64];

	fail(a, st->code, NULL, "mock: injected %d %s", st->code, mock_reason(st->code));
	if (st->retry_after >= 0) {
		snprintf(v, sizeof v, "%lld", st->retry_after);
		add_header(a, "Retry-After", v);
	}
	if (st->retry_after_date >= 0) {
		mock_http_date(time(NULL) + (time_t)st->retry_after_date, v, sizeof v);
		add_header(a, "Retry-After", v);
	}
	if (st->retry_after_ms >= 0) {
		snprintf(v, sizeof v, "%lld", st->retry_after_ms);
		add_header(a, "retry-after-ms", v);
	}
	if (st->should_retry >= 0)
		add_header(a, "x-should-retry", st->should_retry ? "true" : "false");
}

/* Drop the faults whose times= is used up at this attempt; return the
 * error status to inject, if any. */
static const struct mock_status *
active_faults(struct mock *m, struct mock_answer *a, struct mock_directives *d)
{
	unsigned long long n = 1;
	int counted = 0;
	size_t i;

	for (i = 0; i < MOCK_NFAULTS; i++)
		counted |= d->times[i] > 0;
	for (i = 0; i < d->nstatus; i++)
		counted |= d->status[i].times > 0;
	/* only requests asking for times= touch the shared table */
	if (counted)
		n = attempt(m, a->hash);
	for (i = 0; i < MOCK_NFAULTS; i++)
		if (d->times[i] > 0 && n > (unsigned long long)d->times[i])
			d->faults &= ~(1u << i);
	for (i = 0; i < d->nstatus; i++)
		if (d->status[i].times == 0 || n <= (unsigned long long)d->status[i].times)
			return &d->status[i];
	return NULL;
}

static void
rule_answer(struct mock_answer *a, const struct rule *r)
{
	size_t i;

	a->delay_ms += r->delay_ms;
	for (i = 0; i < r->nhdrs; i++)
		add_header(a, r->hdrs[i].name, r->hdrs[i].value);
	if (r->body) {
		a->status = r->status ? r->status : 200;
		a->raw = 1;
		buf_reset(&a->body);
		buf_adds(&a->body, r->body);
		a->injected = a->status >= 400;
		return;
	}
	if (r->status >= 400) {
		fail(a, r->status, NULL, "mock: injected %d %s (rule at line %ld)", r->status,
		     mock_reason(r->status), r->line);
		a->injected = 1;
		return;
	}
	if (r->status)
		a->status = r->status;
	if (r->content) {
		buf_reset(&a->content);
		buf_adds(&a->content, r->content);
		a->has_content = 1;
	}
	for (i = 0; i < r->ntools; i++) {
		a->tools[i].name = estrdup(r->tools[i].name);
		a->tools[i].args = estrdup(r->tools[i].args);
	}
	a->ntools = r->ntools;
	if (r->ntools && !r->content)
		a->has_content = 0;
}

static long long
max_tokens(json_object *req)
{
	json_object *v = json_get(req, "max_completion_tokens");

	if (!v)
		v = json_get(req, "max_tokens");
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	return json_object_get_int64(v);
}

/* finish_reason and usage; max_tokens cuts the content. */
static void
finish(struct mock_answer *a, long long max)
{
	size_t i;

	a->finish = a->ntools ? "tool_calls" : "stop";
	if (a->faults & MOCK_F_HUGE) {
		a->completion_tokens = mock_tokens((size_t)a->huge_bytes);
		return;
	}
	if (max >= 0 && a->has_content && mock_tokens(a->content.len) > max) {
		size_t cap = (size_t)max * 4 < a->content.len ? (size_t)max * 4 : a->content.len;

		a->content.len = mock_utf8_cut(a->content.data, a->content.len, cap);
		a->content.data[a->content.len] = '\0';
		a->finish = "length";
	}
	a->completion_tokens = a->has_content ? mock_tokens(a->content.len) : 0;
	for (i = 0; i < a->ntools; i++)
		a->completion_tokens += mock_tokens(strlen(a->tools[i].name)) +
		                        mock_tokens(strlen(a->tools[i].args));
}

/* Walk the messages: prompt tokens, the last user text, the last role and,
 * when the last message is a tool result, its text.  -1 on a bad message. */
static int
walk(struct mock_answer *a, json_object *msgs, struct buf *user, const char **lastrole,
     struct buf *tool)
{
	size_t i, n = json_object_array_length(msgs);
	json_object *lastuser = NULL;
	struct buf tmp = {0};

	for (i = 0; i < n; i++) {
		json_object *msg = json_object_array_get_idx(msgs, i);
		const char *role = json_get_str(msg, "role");

		if (!json_object_is_type(msg, json_type_object)) {
			fail(a, 400, NULL, "'messages[%zu]' must be an object", i);
			buf_free(&tmp);
			return -1;
		}
		buf_reset(&tmp);
		content_text(json_get(msg, "content"), &tmp);
		a->prompt_tokens += mock_tokens(tmp.len) + 4;
		if (role && !strcmp(role, "user"))
			lastuser = msg;
		*lastrole = role ? role : "";
		if (i == n - 1 && role && !strcmp(role, "tool"))
			buf_add(tool, tmp.data, tmp.len);
	}
	buf_free(&tmp);
	buf_add(user, "", 0);
	if (lastuser)
		content_text(json_get(lastuser, "content"), user);
	return 0;
}

static void
reply(struct mock *m, json_object *req, struct mock_answer *a)
{
	char err[ERRLEN];
	json_object *msgs = json_get(req, "messages"), *so;
	struct mock_directives d;
	struct buf user = {0}, tool = {0};
	const char *lastrole = "", *model = json_get_str(req, "model");
	const struct mock_status *st;
	const struct rule *r = NULL;
	size_t i;

	if (!json_object_is_type(req, json_type_object)) {
		fail(a, 400, NULL, "the request body must be a JSON object");
		return;
	}
	if (!json_object_is_type(msgs, json_type_array)) {
		fail(a, 400, NULL, "'messages' is required and must be an array");
		return;
	}
	a->stream = json_object_get_boolean(json_get(req, "stream"));
	so = json_get(req, "stream_options");
	a->include_usage = a->stream && json_object_get_boolean(json_get(so, "include_usage"));
	a->model = estrdup(model ? model : "mock");
	if (walk(a, msgs, &user, &lastrole, &tool) < 0)
		goto out;
	if (mock_parse_directives(user.data, user.len, &d, err, sizeof err) < 0) {
		mock_directives_free(&d);
		fail(a, 400, NULL, "mock: %s", err);
		goto out;
	}
	st = active_faults(m, a, &d);
	a->faults = d.faults;
	if (!a->stream)
		a->faults &= ~(unsigned)MOCK_F_STREAM_ONLY;
	a->injected = st || a->faults;
	if (a->faults & MOCK_F_SLOW)
		a->delay_ms += d.slow_ms;
	if (st) {
		inject_status(a, st);
		goto done;
	}
	if (a->faults & MOCK_F_TOOLS_NO_STREAM) {
		fail(a, 400, "invalid_request_error", "Cannot use tools with stream");
		goto done;
	}
	if (a->faults & MOCK_F_INVALID_JSON && !a->stream) {
		a->raw = 1;
		buf_adds(&a->body, "{\"id\":\"x\",\"choices\":[{\"mess");
		goto done;
	}
	a->has_content = 1;
	if (!strcmp(lastrole, "tool")) {
		buf_adds(&a->content, "tool result: ");
		buf_add(&a->content, tool.data, tool.len);
	} else if (d.ntools) {
		for (i = 0; i < d.ntools; i++)
			a->tools[i] = d.tools[i];
		a->ntools = d.ntools;
		d.ntools = 0;
		a->has_content = 0;
	} else
		buf_add(&a->content, d.text.data, d.text.len);
	/* a tool directive outranks the rules; a tool result does not */
	if (m->nrules && !a->ntools)
		r = match_rule(m, a->model, lastrole, user.data);
	if (r) {
		rule_answer(a, r);
		if (a->raw)
			goto done;
	}
	if (a->faults & MOCK_F_HUGE) {
		a->huge_bytes = d.huge_bytes;
		a->has_content = 1;
		buf_reset(&a->content);
	}
	finish(a, max_tokens(req));
done:
	mock_directives_free(&d);
out:
	buf_free(&user);
	buf_free(&tool);
}

void
mock_reply(struct mock *m, const char *body, size_t len, struct mock_answer *a)
{
	char err[ERRLEN];
	json_object *req;

	memset(a, 0, sizeof *a);
	a->status = 200;
	a->hash = mock_hash(body, len);
	snprintf(a->id, sizeof a->id, "chatcmpl-mock-%016llx", (unsigned long long)a->hash);
	if (!(req = json_parse(body, len, err, sizeof err))) {
		fail(a, 400, NULL, "invalid JSON in request body: %s", err);
		return;
	}
	reply(m, req, a);
	json_object_put(req);
}

void
mock_answer_free(struct mock_answer *a)
{
	size_t i;

	free(a->model);
	a->model = NULL;
	buf_free(&a->content);
	buf_free(&a->body);
	tools_free(a->tools, a->ntools);
	a->ntools = 0;
	for (i = 0; i < a->nhdrs; i++) {
		free(a->hdrs[i].name);
		free(a->hdrs[i].value);
	}
	a->nhdrs = 0;
}

/* ---- bytes ---- */

static void
add_usage(const struct mock_answer *a, struct buf *out)
{
	buf_addf(out, "\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,"
	         "\"total_tokens\":%lld}", a->prompt_tokens, a->completion_tokens,
	         a->prompt_tokens + a->completion_tokens);
}

static void
tool_id(const struct mock_answer *a, size_t k, struct buf *out)
{
	buf_addf(out, "\"call_%zu_%08llx\"", k, (unsigned long long)(a->hash & 0xffffffffu));
}

static void
head(const struct mock_answer *a, const char *object, struct buf *out)
{
	buf_adds(out, "{\"id\":\"");
	buf_adds(out, a->id);
	buf_addf(out, "\",\"object\":\"%s\",\"created\":0,\"model\":", object);
	json_strz(out, a->model);
}

static void
completion(const struct mock_answer *a, struct buf *out, struct buf *post)
{
	size_t i;

	head(a, "chat.completion", out);
	if (a->faults & MOCK_F_EMPTY_CHOICES) {
		buf_adds(out, ",\"choices\":[],");
		add_usage(a, out);
		buf_adds(out, "}");
		return;
	}
	buf_adds(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
	if (!a->has_content)
		buf_adds(out, "null");
	else if (post) {
		buf_adds(out, "\"");
		out = post;
		buf_adds(out, "\"");
	} else
		mock_json_str(out, a->content.data, a->content.len);
	if (a->ntools) {
		buf_adds(out, ",\"tool_calls\":[");
		for (i = 0; i < a->ntools; i++) {
			buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
			tool_id(a, i, out);
			buf_adds(out, ",\"type\":\"function\",\"function\":{\"name\":");
			json_strz(out, a->tools[i].name);
			buf_adds(out, ",\"arguments\":");
			json_strz(out, a->tools[i].args);
			buf_adds(out, "}}");
		}
		buf_adds(out, "]");
	}
	buf_addf(out, "},\"finish_reason\":\"%s\"}],", a->finish);
	add_usage(a, out);
	buf_adds(out, "}");
}

void
mock_completion(const struct mock_answer *a, struct buf *out)
{
	completion(a, out, NULL);
}

void
mock_completion_split(const struct mock_answer *a, struct buf *pre, struct buf *post)
{
	completion(a, pre, post);
}

/* Stream phases. */
enum { S_START, S_CONTENT, S_TOOL_HEAD, S_TOOL_ARGS, S_FINISH, S_CUT, S_USAGE, S_DONE, S_END };

#define CUTS (MOCK_F_DROP | MOCK_F_TRUNCATE | MOCK_F_STREAM_ERROR)

static size_t
content_len(const struct mock_answer *a)
{
	if (!a->has_content)
		return 0;
	return a->faults & MOCK_F_HUGE ? (size_t)a->huge_bytes : a->content.len;
}

/* The length of the next delta of s[off..len): huge content goes in big
 * pieces, or a stream of 64 MiB would take eight million events. */
static size_t
delta_len(int huge, const char *s, size_t off, size_t len)
{
	if (huge)
		return len - off < MOCK_HUGE_DELTA ? len - off : MOCK_HUGE_DELTA;
	return mock_utf8_cut(s + off, len - off, MOCK_DELTA);
}

static size_t
count_deltas(const struct mock_answer *a)
{
	size_t n = 0, off, len = content_len(a), i;

	for (off = 0; off < len; n++)
		off += delta_len(a->faults & MOCK_F_HUGE, a->content.data, off, len);
	for (i = 0; i < a->ntools; i++) {
		size_t alen = strlen(a->tools[i].args);

		n++;
		for (off = 0; off < alen; n++)
			off += delta_len(0, a->tools[i].args, off, alen);
	}
	return n;
}

static void
chunk_open(const struct mock_answer *a, struct buf *out)
{
	buf_adds(out, "data: ");
	head(a, "chat.completion.chunk", out);
	buf_adds(out, ",\"choices\":");
}

static void
chunk_close(struct buf *out, double ts)
{
	buf_addf(out, ",\"x_mock_ts_ms\":%.3f}\n\n", ts);
}

static void
choice_open(struct buf *out)
{
	buf_adds(out, "[{\"index\":0,\"delta\":{");
}

static void
choice_close(struct buf *out, const char *finish)
{
	if (finish)
		buf_addf(out, "},\"finish_reason\":\"%s\"}]", finish);
	else
		buf_adds(out, "},\"finish_reason\":null}]");
}

static void
content_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	int huge = a->faults & MOCK_F_HUGE;
	size_t len = content_len(a), n = delta_len(huge, a->content.data, s->off, len), k;
	char xs[1024];

	chunk_open(a, out);
	choice_open(out);
	buf_adds(out, "\"content\":");
	if (huge) {
		memset(xs, 'x', sizeof xs);
		buf_add(out, "\"", 1);
		for (k = 0; k < n; k += sizeof xs)
			buf_add(out, xs, n - k < sizeof xs ? n - k : sizeof xs);
		buf_add(out, "\"", 1);
	} else
		mock_json_str(out, a->content.data + s->off, n);
	s->off += n;
	choice_close(out, NULL);
	chunk_close(out, ts);
}

static void
tool_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	const struct mock_tool *t = &a->tools[s->tool];

	chunk_open(a, out);
	choice_open(out);
	buf_addf(out, "\"tool_calls\":[{\"index\":%zu,", s->tool);
	if (s->phase == S_TOOL_HEAD) {
		buf_adds(out, "\"id\":");
		tool_id(a, s->tool, out);
		buf_adds(out, ",\"type\":\"function\",\"function\":{\"name\":");
		json_strz(out, t->name);
		buf_adds(out, ",\"arguments\":\"\"}}]");
	} else {
		size_t alen = strlen(t->args), n = delta_len(0, t->args, s->off, alen);

		buf_adds(out, "\"function\":{\"arguments\":");
		mock_json_str(out, t->args + s->off, n);
		buf_adds(out, "}}]");
		s->off += n;
	}
	choice_close(out, NULL);
	chunk_close(out, ts);
}

static int
stream_start(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	size_t n = count_deltas(a);

	s->limit = SIZE_MAX;
	if (a->faults & (MOCK_F_DROP | MOCK_F_TRUNCATE))
		s->limit = (n + 1) / 2;
	if (a->faults & MOCK_F_STREAM_ERROR)
		s->limit = n < 2 ? n : 2;
	if (a->faults & MOCK_F_INVALID_JSON) {
		buf_adds(out, "data: {\"id\":\"x\",\"choices\":[{\"mess\n\n");
		s->phase = S_DONE;
		return MOCK_EV_DATA;
	}
	chunk_open(a, out);
	if (a->faults & MOCK_F_EMPTY_CHOICES) {
		buf_adds(out, "[]");
		s->phase = S_USAGE;
	} else {
		choice_open(out);
		buf_adds(out, "\"role\":\"assistant\",\"content\":\"\"");
		choice_close(out, NULL);
		s->phase = S_CONTENT;
	}
	chunk_close(out, ts);
	return MOCK_EV_DATA;
}

int
mock_stream_next(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	for (;;) {
		switch (s->phase) {
		case S_START:
			return stream_start(a, s, ts, out);
		case S_CONTENT:
			if (s->off >= content_len(a)) {
				s->phase = S_TOOL_HEAD;
				s->off = 0;
				continue;
			}
			if (s->sent >= s->limit) {
				s->phase = S_CUT;
				continue;
			}
			content_delta(a, s, ts, out);
			s->sent++;
			return MOCK_EV_DATA;
		case S_TOOL_HEAD:
		case S_TOOL_ARGS:
			if (s->tool >= a->ntools) {
				s->phase = S_FINISH;
				continue;
			}
			if (s->phase == S_TOOL_ARGS && s->off >= strlen(a->tools[s->tool].args)) {
				s->tool++;
				s->phase = S_TOOL_HEAD;
				continue;
			}
			if (s->sent >= s->limit) {
				s->phase = S_CUT;
				continue;
			}
			if (s->phase == S_TOOL_HEAD)
				s->off = 0;
			tool_delta(a, s, ts, out);
			s->phase = S_TOOL_ARGS;
			s->sent++;
			return MOCK_EV_DATA;
		case S_FINISH:
			if (a->faults & CUTS) {
				s->phase = S_CUT;
				continue;
			}
			chunk_open(a, out);
			choice_open(out);
			choice_close(out, a->finish);
			chunk_close(out, ts);
			s->phase = S_USAGE;
			return MOCK_EV_DATA;
		case S_CUT:
			s->phase = S_END;
			if (a->faults & MOCK_F_DROP)
				return MOCK_EV_DROP;
			if (a->faults & MOCK_F_STREAM_ERROR) {
				buf_adds(out, "data: {\"error\":{\"message\":\"mock: injected stream error\","
				         "\"type\":\"server_error\"}}\n\n");
				return MOCK_EV_DATA;
			}
			return MOCK_EV_END;
		case S_USAGE:
			s->phase = S_DONE;
			if (!a->include_usage)
				continue;
			chunk_open(a, out);
			buf_adds(out, "[],");
			add_usage(a, out);
			chunk_close(out, ts);
			return MOCK_EV_DATA;
		case S_DONE:
			s->phase = S_END;
			if (a->faults & MOCK_F_NO_DONE)
				continue;
			buf_adds(out, "data: [DONE]\n\n");
			return MOCK_EV_DATA;
		default:
			return MOCK_EV_END;
		}
	}
}
