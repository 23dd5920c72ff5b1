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

/* The length of the UTF-8 sequence at s[0..n) (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

/* The code unit of the 4 hex digits at s, or -1. */
static long
hex4(const unsigned char *s)
{
	long u = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		u = u << 4 | d;
	}
	return u;
}

static size_t
lone(long u, size_t at, char *err, size_t errlen)
{
	snprintf(err, errlen, "lone surrogate \\u%04lx in a string at byte %zu", u, at);
	return 0;
}

/* The string whose opening quote is at s[i - 1]: the offset just past its
 * closing quote, or 0 with err. */
static size_t
string_end(const unsigned char *s, size_t n, size_t i, char *err, size_t errlen)
{
	long hi = -1;		/* a high surrogate escape waiting for its low half */
	size_t hi_at = 0, k;

	for (;;) {
		size_t start = i;

		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		if (hi >= 0 && i > start)
			return lone(hi, hi_at, err, errlen);
		if (i >= n) {
			snprintf(err, errlen, "string not closed on its line");
			return 0;
		}
		if (s[i] == '"') {
			if (hi >= 0)
				return lone(hi, hi_at, err, errlen);
			return i + 1;
		}
		if (s[i] < 0x20) {
			snprintf(err, errlen, "control character U+%04X in a string at byte %zu",
			         s[i], i);
			return 0;
		}
		if (s[i] == '\\') {
			long u = i + 6 <= n && s[i + 1] == 'u' ? hex4(s + i + 2) : -1;

			if (u >= 0xdc00 && u <= 0xdfff) {
				if (hi < 0)
					return lone(u, i, err, errlen);
				hi = -1;
			} else {
				if (hi >= 0)
					return lone(hi, hi_at, err, errlen);
				if (u >= 0xd800 && u <= 0xdbff) {
					hi = u;
					hi_at = i;
				}
			}
			/* other escapes, good or bad, are json-c's to judge */
			i += u >= 0 ? 6 : 2;
			continue;
		}
		if (hi >= 0)
			return lone(hi, hi_at, err, errlen);
		if ((k = utf8_len(s + i, n - i)) == 0) {
			snprintf(err, errlen, "invalid UTF-8 in a string at byte %zu", i);
			return 0;
		}
		i += k;
	}
}

/* The number starting at s[i]: its end; a plain integer of 19 digits or
 * more (json-c holds 64 bits) is added to j->fix with ".0" after it. */
static size_t
number_end(struct ijson *j, const unsigned char *s, size_t n, size_t i, size_t *copied,
           int *fixed)
{
	size_t start = i, digits = 0;
	int plain = 1;

	if (s[i] == '-')
		i++;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-')
			plain = 0;
		else
			break;
	}
	/* a leading zero is json-c's to refuse */
	if (plain && digits >= 19 && s[start + (s[start] == '-')] != '0') {
		if (!*fixed) {
			buf_reset(&j->fix);
			*fixed = 1;
		}
		buf_add(&j->fix, s + *copied, i - *copied);
		buf_add(&j->fix, ".0", 2);
		*copied = i;
	}
	return i;
}

static void
open_one(struct ijson *j, int object)
{
	if (j->depth == IJSON_DEPTH) {
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
			if ((i = string_end(s, n, i + 1, err, errlen)) == 0)
				return -1;
			continue;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			i = number_end(j, s, n, i, &copied, &fixed);
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

/* Objects of v in text order against the members counted. */
static int
walk(const struct ijson *j, json_object *v, size_t *next)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_object:
		if (*next >= j->nobj ||
		    (size_t)json_object_object_length(v) != j->members[(*next)++])
			return -1;
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (walk(j, val, next) < 0)
				return -1;
		}
		return 0;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (walk(j, json_object_array_get_idx(v, i), next) < 0)
				return -1;
		return 0;
	default:
		return 0;
	}
}

int
ijson_check(const struct ijson *j, json_object *v, char *err, size_t errlen)
{
	size_t next = 0;

	if (j->deep || walk(j, v, &next) == 0)
		return 0;
	snprintf(err, errlen, "an object has a member name twice");
	return -1;
}
