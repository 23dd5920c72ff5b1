/* The mock itself: the rules of a --rules file (loading, matching) and
 * the table of attempts that times= counts against. */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "mock/mock_internal.h"

#define NSLOTS 65536		/* remembered request bodies, for times= */
#define WAYS 8			/* slots a body hash may take */
#define MAXRULES_FILE (64 << 20)

/* How many times a request body was seen.  A body hash may take any of
 * the WAYS slots of its set; a new one takes the slot seen least recently
 * over.  With one slot per hash, two bodies retried in turn (a client's
 * retries of both) would take it from each other forever and never get
 * past their times=. */
struct slot {
	uint64_t hash;
	unsigned long long count;
	unsigned long long used;	/* tick of the last attempt; 0: free */
};

struct mock {
	struct rule *rules;
	size_t nrules;
	pthread_mutex_t lock;	/* for slots and tick */
	struct slot *slots;
	unsigned long long tick;
	int no_json_schema;	/* refuse response_format json_schema */
};

struct mock *
mock_new(void)
{
	struct mock *m = ecalloc(1, sizeof *m);

	pthread_mutex_init(&m->lock, NULL);
	m->slots = ecalloc(NSLOTS, sizeof *m->slots);
	return m;
}

void
mock_set_no_json_schema(struct mock *m, int on)
{
	m->no_json_schema = on;
}

int
mock_no_json_schema(const struct mock *m)
{
	return m->no_json_schema;
}

size_t
mock_header_bytes(const struct mock *m)
{
	size_t i, j, n, most = 0;

	for (i = 0; i < m->nrules; i++) {
		for (n = 0, j = 0; j < m->rules[i].nhdrs; j++)
			n += strlen(m->rules[i].hdrs[j].name) + strlen(m->rules[i].hdrs[j].value) + 4;
		if (n > most)
			most = n;
	}
	return most;
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
	mock_tools_free(r->tools, r->ntools);
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
		s = mock_skip_space(p, nl);
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

const struct rule *
mock_match_rule(const struct mock *m, const char *model, const char *role, const char *text)
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

unsigned long long
mock_attempt(struct mock *m, uint64_t h)
{
	struct slot *set = &m->slots[(h & (NSLOTS / WAYS - 1)) * WAYS], *s = set;
	unsigned long long n;
	int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < WAYS; i++) {
		if (set[i].used && set[i].hash == h) {
			s = &set[i];
			break;
		}
		if (set[i].used < s->used)
			s = &set[i];
	}
	if (!s->used || s->hash != h) {
		s->hash = h;
		s->count = 0;
	}
	s->used = ++m->tick;
	n = ++s->count;
	pthread_mutex_unlock(&m->lock);
	return n;
}
