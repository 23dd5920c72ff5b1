/* json.c: JSON text read into json-c trees (json_parse and its kin, one
 * tokener a thread) and the few helpers json.h adds to json-c. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "json/jfield.h"
#include "json/jscan.h"
#include "json/json.h"

/* One tokener per thread (llm-mock parses in many), freed when the
 * thread ends. */
static pthread_key_t tok_key;
static pthread_once_t tok_once = PTHREAD_ONCE_INIT;

static void
free_tokener(void *tok)
{
	json_tokener_free(tok);
}

static void
make_key(void)
{
	if (pthread_key_create(&tok_key, free_tokener) != 0)
		eprintf("pthread_key_create failed");
}

int
json_any(json_object *o, int (*fn)(json_object *v, void *arg), void *arg)
{
	size_t i, n;

	if (fn(o, arg))
		return 1;
	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (json_any(json_object_array_get_idx(o, i), fn, arg))
				return 1;
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (json_any(v, fn, arg))
				return 1;
		}
	}
	return 0;
}

/* A NaN, Infinity or -Infinity that json-c read as a literal: a value
 * the writer could not spell (1e999 keeps its own text, which it can). */
static int
nonfinite_literal(json_object *o, void *arg)
{
	(void)arg;
	return json_unspellable(o);
}

/* Whether s[0..len) holds word: memchr for its first letter, which
 * is rare in JSON text, costs a tenth of memmem. */
static int
spells(const char *s, size_t len, const char *word, size_t wlen)
{
	const char *p = s, *end = s + len;

	while ((p = memchr(p, word[0], (size_t)(end - p)))) {
		if ((size_t)(end - p) >= wlen && memcmp(p, word, wlen) == 0)
			return 1;
		p++;
	}
	return 0;
}

int
json_parse_any(const char *s, size_t len, json_object **out, char *err, size_t errlen)
{
	/* the usual text without json-c's tokener; the rest, and every
	 * error, with it */
	if (len <= (size_t)INT32_MAX && json_build(s, len, out))
		return 0;
	return json_parse_c(s, len, out, err, errlen);
}

enum json_tokener_error
json_feed(json_tokener *tok, const char *s, size_t n, const char *after, json_object **obj,
          size_t *end)
{
	enum json_tokener_error je;

	*obj = json_tokener_parse_ex(tok, s, (int)n);
	je = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	if (je == json_tokener_continue) {
		*obj = json_tokener_parse_ex(tok, after, 1);
		je = json_tokener_get_error(tok);
		*end = n;
	}
	return je;
}

json_tokener *
json_tokener_renew(json_tokener *old)
{
	json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);

	if (old)
		json_tokener_free(old);
	if (tok)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	return tok;
}

static int
parse_c(const char *s, size_t len, json_object **out, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error je;
	size_t end;

	*out = NULL;
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "document too large");
		return -1;
	}
	/* one tokener, reset for each document: making one costs as much
	 * as parsing a small record */
	pthread_once(&tok_once, make_key);
	if (!(tok = pthread_getspecific(tok_key))) {
		if (!(tok = json_tokener_renew(NULL))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		pthread_setspecific(tok_key, tok);
	}
	json_tokener_reset(tok);
	je = json_feed(tok, s, len, " ", &obj, &end);
	if (je != json_tokener_success) {
		if (je == json_tokener_continue)
			je = json_tokener_error_parse_eof;
		snprintf(err, errlen, "%s at byte %zu", json_tokener_error_desc(je),
		         json_tokener_get_parse_end(tok));
		json_object_put(obj);
		/* a new one next time: this one may keep a half escape */
		json_tokener_free(tok);
		pthread_setspecific(tok_key, NULL);
		return -1;
	}
	/* white space as every reader takes it: a NUL is text after the value */
	end = (size_t)(jscan_ws(s + end, s + len) - s);
	if (end < len) {
		snprintf(err, errlen, "unexpected text after the JSON value at byte %zu", end);
		json_object_put(obj);
		return -1;
	}
	/* json-c takes NaN and Infinity even when strict; they are not JSON
	 * (RFC 8259, section 6) and would be written back out as they came.
	 * Only a text that spells one is walked. */
	if ((spells(s, len, "NaN", 3) || spells(s, len, "Infinity", 8)) &&
	    json_any(obj, nonfinite_literal, NULL)) {
		snprintf(err, errlen, "NaN and Infinity are not JSON numbers");
		json_object_put(obj);
		return -1;
	}
	/* what else json-c takes beyond the grammar is in its numbers: a
	 * text it took is walked strictly (only here, off the fast path) */
	if (!jfield_valid(s, len)) {
		snprintf(err, errlen, "a number not in JSON's form (such as 1. or -.5 or 01)");
		json_object_put(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

int
json_parse_c(const char *s, size_t len, json_object **out, char *err, size_t errlen)
{
	struct buf raw = {0};
	int rc;

	/* escaped surrogate pairs as the characters they are: json-c
	 * decodes some wrongly (jscan_raw_pairs) */
	if (len <= (size_t)INT32_MAX && memmem(s, len, "\\u", 2) && jscan_raw_pairs(s, len, &raw)) {
		rc = parse_c(raw.data, raw.len, out, err, errlen);
		buf_free(&raw);
		return rc;
	}
	return parse_c(s, len, out, err, errlen);
}

json_object *
json_parse(const char *s, size_t len, char *err, size_t errlen)
{
	json_object *obj;

	if (json_parse_any(s, len, &obj, err, errlen) < 0)
		return NULL;
	if (!obj)
		snprintf(err, errlen, "null");
	return obj;
}

json_object *
json_get(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

const char *
json_get_str(json_object *obj, const char *key)
{
	json_object *v = json_get(obj, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

void
json_set(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add(obj, key, val);
}

json_object *
json_double_text(double v, const char *text)
{
	return json_object_new_double_s(v, text);
}

json_object *
json_ref(json_object *obj)
{
	return obj ? json_object_get(obj) : NULL;
}

