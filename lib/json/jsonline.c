/* json_line: a json-c tree written on one line, byte for byte what
 * json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE) writes, at a fraction of its cost.
 *
 * Every record every program writes goes through here.  json-c builds the
 * text in a printbuf a byte or an escape at a time and keeps a copy of it
 * in each object; this writes straight into the caller's buf and copies
 * each run of plain string bytes at once (json_quote, whose escapes are
 * RFC 8785's and json-c's alike).  Doubles are left to json-c, so
 * their spelling (and a double's own text, json_double_text) stays its,
 * but for one: a NaN or infinity made by a program (not read as 1e999) is
 * written null, where json-c writes NaN or Infinity, which are not JSON.
 * tests/unit/test_jsonline.c holds the two writers to the same bytes.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "json/json.h"

/* Which bytes json-c writes as an escape: the controls, '"' and '\\'. */
static const unsigned char escaped[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* s[0..n) as a JSON string.  Room for a piece's worst case (every byte a
 * six-byte escape) is made before it, so the loop only stores; pieces of
 * 4 KB keep that room small for a long string. */
void
json_quote(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char *o;

	buf_add(b, "\"", 1);
	while (p < end) {
		const unsigned char *stop = end - p > 4096 ? p + 4096 : end;

		buf_grow(b, 6 * (size_t)(stop - p) + 1);
		o = b->data + b->len;
		while (p < stop) {
			const unsigned char *run = p;

			while (p < stop && !escaped[*p])
				p++;
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
			if (p == stop)
				break;
			*o++ = '\\';
			switch (*p) {
			case '\b': *o++ = 'b'; break;
			case '\n': *o++ = 'n'; break;
			case '\r': *o++ = 'r'; break;
			case '\t': *o++ = 't'; break;
			case '\f': *o++ = 'f'; break;
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			default:
				memcpy(o, "u00", 3);
				o[3] = hex[*p >> 4];
				o[4] = hex[*p & 15];
				o += 5;
			}
			p++;
		}
		*o = '\0';
		b->len = (size_t)(o - b->data);
	}
	buf_add(b, "\"", 1);
}

/* Digits by hand: snprintf cost more than the rest of a record. */
static void
put_u64(struct buf *b, uint64_t u, int neg)
{
	char t[21], *p = t + sizeof t;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (neg)
		*--p = '-';
	buf_add(b, p, (size_t)(t + sizeof t - p));
}

static void
put_int(struct buf *b, json_object *o)
{
	int64_t v = json_object_get_int64(o);

	/* json-c keeps integers past INT64_MAX as unsigned; get_int64 clamps */
	if (v == INT64_MAX)
		put_u64(b, json_object_get_uint64(o), 0);
	else if (v < 0)
		put_u64(b, (uint64_t)0 - (uint64_t)v, 1);
	else
		put_u64(b, (uint64_t)v, 0);
}

/* Whether s starts as a JSON number does. */
static int
number_text(const char *s)
{
	if (*s == '-')
		s++;
	return *s >= '0' && *s <= '9';
}

static void
put_value(struct buf *b, json_object *o)
{
	size_t i, n;
	int first = 1;

	switch (json_object_get_type(o)) {
	case json_type_null:
		buf_add(b, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			buf_add(b, "true", 4);
		else
			buf_add(b, "false", 5);
		break;
	case json_type_int:
		put_int(b, o);
		break;
	case json_type_double: {
		const char *s = json_object_to_json_string_length(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

		/* a NaN or an infinity worked out here has no JSON spelling
		 * (json-c writes NaN): null, so the line stays JSON; one read
		 * as 1e999 keeps its text */
		if (isfinite(json_object_get_double(o)) || number_text(s))
			buf_add(b, s, n);
		else
			buf_add(b, "null", 4);
		break;
	}
	case json_type_string:
		json_quote(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		break;
	case json_type_array:
		buf_add(b, "[", 1);
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (i)
				buf_add(b, ",", 1);
			put_value(b, json_object_array_get_idx(o, i));
		}
		buf_add(b, "]", 1);
		break;
	case json_type_object:
		buf_add(b, "{", 1);
		json_object_object_foreach(o, k, v) {
			if (!first)
				buf_add(b, ",", 1);
			first = 0;
			json_quote(b, k, strlen(k));
			buf_add(b, ":", 1);
			put_value(b, v);
		}
		buf_add(b, "}", 1);
		break;
	}
}

const char *
json_line(json_object *obj, struct buf *b)
{
	buf_reset(b);
	put_value(b, obj);
	return b->data;
}
