/* The [[mock:...]] directives of a message: fault names, error statuses
 * and tool calls with their options, cut out of the text they sit in. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "mock/mock_internal.h"

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
	{ "sse-crlf", MOCK_F_SSE_CRLF },
	{ "sse-cr", MOCK_F_SSE_CR },
	{ "sse-nospace", MOCK_F_SSE_NOSPACE },
	{ "sse-comments", MOCK_F_SSE_COMMENTS },
	{ "sse-fields", MOCK_F_SSE_FIELDS },
	{ "sse-multiline", MOCK_F_SSE_MULTILINE },
	{ "sse-filter", MOCK_F_SSE_FILTER },
	{ "reasoning", MOCK_F_REASONING },
	{ "bad-utf8", MOCK_F_BAD_UTF8 },
	{ "schema-break", MOCK_F_SCHEMA_BREAK },
};

static int
at_close(const char *p, const char *end)
{
	return end - p >= 2 && p[0] == ']' && p[1] == ']';
}

const char *
mock_skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* A word: up to white space, "]]" or (when eq) '='. */
static const char *
word_end(const char *p, const char *end, int eq)
{
	while (p < end && !isspace((unsigned char)*p) && !at_close(p, end) && !(eq && *p == '='))
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
			if (!at_close(mock_skip_space(e, end), end))
				e = NULL;
		}
		json_object_put(o);
		json_tokener_free(tok);
	}
	if (e)
		return e;
	for (q = p; q < end && !at_close(q, end); q++)
		;
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	return q;
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
			d->times[__builtin_ctz(fault)] = x;
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
	} else if (t && word_is(k, klen, "turns")) {
		if (parse_num(v, vlen, 1, 1000000, &t->turns) < 0)
			goto badnum;
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
		if (!mock_status_row((int)code)->injectable) {
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
		p = mock_skip_space(p, end);
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
	size_t s = (size_t)(mock_skip_space(b->data, b->data + b->len) - b->data), e = b->len;

	while (e > s && isspace((unsigned char)b->data[e - 1]))
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

void
mock_directives_free(struct mock_directives *d)
{
	mock_tools_free(d->tools, d->ntools);
	d->ntools = 0;
	buf_free(&d->text);
}
