#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/ijson.h"

#define ARRAY UINT32_MAX	/* an open array in ijson.open */

void
ijson_reset(struct ijson *j)
{
	j->nobj = 0;
	j->depth = 0;
	j->deep = 0;
}

void
ijson_free(struct ijson *j)
{
	buf_free(&j->fix);
	free(j->members);
	j->members = NULL;
	j->nobj = j->cap = 0;
}

/* The string whose opening quote is at s[i]: the offset just past its
 * closing quote, or 0 with err. */
static size_t
string_end(const unsigned char *s, size_t n, size_t i, char *err, size_t errlen)
{
	const char *line = (const char *)s, *q;
	struct jscan_str st;
	size_t at;

	if ((q = jscan_string(line + i, line + n, JSCAN_IJSON, &st)))
		return (size_t)(q - line);
	at = (size_t)(st.at - line);
	switch (st.bad) {
	case JSCAN_LONE:
		snprintf(err, errlen, "lone surrogate \\u%04lx in a string at byte %zu", st.unit, at);
		break;
	case JSCAN_CONTROL:
		snprintf(err, errlen, "control character U+%04X in a string at byte %zu", s[at], at);
		break;
	case JSCAN_UTF8:
		snprintf(err, errlen, "invalid UTF-8 in a string at byte %zu", at);
		break;
	default:
		snprintf(err, errlen, "string not closed on its line");
	}
	return 0;
}

/* The number starting at s[i]: its end, or 0 with err when it is not in
 * JSON's form (json-c takes 1. -.5 -01 and 00.5); a plain integer of 19
 * digits or more (json-c holds 64 bits) is added to j->fix with ".0"
 * after it. */
static size_t
number_end(struct ijson *j, const unsigned char *s, size_t n, size_t i, size_t *copied,
           int *fixed, char *err, size_t errlen)
{
	const char *p = (const char *)s + i, *end = (const char *)s + n;
	const char *q = jscan_number(p, end);
	size_t len = q ? (size_t)(q - p) : 0;

	if (!q || (q < end && strchr("0123456789.eE+-", *q))) {
		snprintf(err, errlen, "a number not in JSON's form at byte %zu", i);
		return 0;
	}
	if (len - (*p == '-') >= 19 && !memchr(p, '.', len) && !memchr(p, 'e', len) &&
	    !memchr(p, 'E', len)) {
		if (!*fixed) {
			buf_reset(&j->fix);
			*fixed = 1;
		}
		buf_add(&j->fix, s + *copied, i + len - *copied);
		buf_add(&j->fix, ".0", 2);
		*copied = i + len;
	}
	return i + len;
}

static void
open_one(struct ijson *j, int object)
{
	if (j->depth == JSCAN_DEPTH) {
		j->deep = 1;	/* json-c refuses nesting this deep anyway */
		return;
	}
	if (!object) {
		j->open[j->depth++] = ARRAY;
		return;
	}
	if (j->nobj == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 64;
		j->members = erealloc(j->members, j->cap * sizeof *j->members);
	}
	j->members[j->nobj] = 0;
	j->open[j->depth++] = (uint32_t)j->nobj++;
}

int
ijson_scan(struct ijson *j, const char **sp, size_t *np, char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t n = *np, i = 0, copied = 0;
	int fixed = 0;

	while (i < n) {
		switch (s[i]) {
		case '"':
			if ((i = string_end(s, n, i, err, errlen)) == 0)
				return -1;
			continue;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if ((i = number_end(j, s, n, i, &copied, &fixed, err, errlen)) == 0)
				return -1;
			continue;
		case '{':
		case '[':
			open_one(j, s[i] == '{');
			break;
		case '}':
		case ']':
			if (j->depth > 0)
				j->depth--;
			break;
		case ':':
			if (j->depth > 0 && j->open[j->depth - 1] != ARRAY)
				j->members[j->open[j->depth - 1]]++;
			break;
		}
		i++;
	}
	if (fixed) {
		buf_add(&j->fix, s + copied, n - copied);
		*sp = j->fix.data;
		*np = j->fix.len;
	}
	return 0;
}

struct counted {
	const struct ijson *j;
	size_t next;		/* the object next in text order */
};

/* An object with fewer members than its text had. */
static int
lost_member(json_object *v, void *arg)
{
	struct counted *c = arg;

	return json_object_is_type(v, json_type_object) &&
	       (c->next >= c->j->nobj ||
	        (size_t)json_object_object_length(v) != c->j->members[c->next++]);
}

int
ijson_check(const struct ijson *j, json_object *v, char *err, size_t errlen)
{
	struct counted c = {j, 0};

	if (j->deep || !json_any(v, lost_member, &c))
		return 0;
	snprintf(err, errlen, "an object has a member name twice");
	return -1;
}
