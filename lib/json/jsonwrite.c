/* json_line writes json-c's bytes (jsonwrite.h) at a fraction of its
 * cost: json-c builds the text in a printbuf a byte or an escape at a
 * time and keeps a copy of it in each object; this writes straight into
 * the caller's buf and copies each run of plain string bytes at once.
 * Doubles are left to json-c, so their spelling (and a double's own
 * text, json_double_text) stays its.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"
#include "json/jsonwrite.h"

/* Which bytes json-c writes as an escape (1: the controls, '"' and
 * '\\'), and which need a look before they are copied (2: the bytes of
 * a multi-byte character, which may be invalid UTF-8). */
#define R8 2, 2, 2, 2, 2, 2, 2, 2
#define R64 R8, R8, R8, R8, R8, R8, R8, R8
static const unsigned char escaped[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
	[0x80] = R64, R64,
};
#undef R64
#undef R8

/* utf8_char_len, with the two- and three-byte characters of most text
 * (every one but those that start E0 or ED) told here, without a call. */
static inline size_t
char_len(const unsigned char *p, const unsigned char *end)
{
	if (end - p >= 3) {
		unsigned w = p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16;

		if ((w & 0xc0e0) == 0x80c0 && p[0] >= 0xc2)
			return 2;
		if ((w & 0xc0c0f0) == 0x8080e0 && p[0] != 0xe0 && p[0] != 0xed)
			return 3;
	}
	return utf8_char_len((const char *)p, (const char *)end);
}

/* Past the text that starts at p with a multi-byte character and needs
 * no escape, before stop (its last character may end after stop, before
 * end): p itself when that first character is not valid.  Text with
 * many such characters stays here; kept out of json_quote's loop, so
 * the loop over plain bytes keeps its registers and its length. */
__attribute__((noinline))
static const unsigned char *
valid_run(const unsigned char *p, const unsigned char *stop, const unsigned char *end)
{
	size_t k;

	while (p < stop) {
		if (*p < 0x80 && !escaped[*p])
			p++;
		else if (*p >= 0x80 && (k = char_len(p, end)))
			p += k;
		else
			break;
	}
	return p;
}

/* s[0..n) as a JSON string.  Room for a piece's worst case (every byte a
 * six-byte escape) is made before it, so the loop only stores; pieces of
 * 4 KB keep that room small for a long string.  A valid character joins
 * the run of plain bytes (it may end past the piece: its first byte had
 * six bytes of room, it takes four); an invalid piece is written U+FFFD,
 * three bytes for at least one, so every line written is UTF-8 whatever
 * a server or an input held. */
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
			if (escaped[*p] == 2) {
				const unsigned char *q = valid_run(p, stop, end);

				if (q > p) {
					memcpy(o, p, (size_t)(q - p));
					o += q - p;
					p = q;
				} else {
					memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
					o += 3;
					p += utf8_bad_len((const char *)p, (const char *)end);
				}
				continue;
			}
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

void
json_int(struct buf *b, int64_t v)
{
	if (v < 0)
		put_u64(b, (uint64_t)0 - (uint64_t)v, 1);
	else
		put_u64(b, (uint64_t)v, 0);
}

static void
put_int(struct buf *b, json_object *o)
{
	int64_t v = json_object_get_int64(o);

	/* json-c keeps integers past INT64_MAX as unsigned; get_int64 clamps */
	if (v == INT64_MAX)
		put_u64(b, json_object_get_uint64(o), 0);
	else
		json_int(b, v);
}

/* Whether s starts as a JSON number does. */
static int
number_text(const char *s)
{
	if (*s == '-')
		s++;
	return *s >= '0' && *s <= '9';
}

static const char *
double_text(json_object *o, size_t *n)
{
	return json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	                                         JSON_C_TO_STRING_NOSLASHESCAPE, n);
}

int
json_unspellable(json_object *o)
{
	size_t n;

	return json_object_is_type(o, json_type_double) && !isfinite(json_object_get_double(o)) &&
	       !number_text(double_text(o, &n));
}

/* A new line and two spaces a level, when pretty (level >= 0). */
static void
put_indent(struct buf *b, int level)
{
	if (level < 0)
		return;
	buf_grow(b, 1 + 2 * (size_t)level);
	b->data[b->len++] = '\n';
	memset(b->data + b->len, ' ', 2 * (size_t)level);
	b->len += 2 * (size_t)level;
	b->data[b->len] = '\0';
}

/* o at nesting level, on one line when level < 0. */
static void
put_value(struct buf *b, json_object *o, int level)
{
	size_t i, n;
	int first = 1, in = level < 0 ? -1 : level + 1;

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
		const char *s = double_text(o, &n);

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
			put_indent(b, in);
			put_value(b, json_object_array_get_idx(o, i), in);
		}
		put_indent(b, level);	/* json-c 0.16: even when empty */
		buf_add(b, "]", 1);
		break;
	case json_type_object:
		buf_add(b, "{", 1);
		json_object_object_foreach(o, k, v) {
			if (!first)
				buf_add(b, ",", 1);
			first = 0;
			put_indent(b, in);
			json_quote(b, k, strlen(k));
			if (level < 0)
				buf_add(b, ":", 1);
			else
				buf_add(b, ": ", 2);
			put_value(b, v, in);
		}
		put_indent(b, level);
		buf_add(b, "}", 1);
		break;
	}
}

const char *
json_line(json_object *obj, struct buf *b)
{
	buf_reset(b);
	put_value(b, obj, -1);
	return b->data;
}

const char *
json_pretty(json_object *obj, struct buf *b)
{
	buf_reset(b);
	put_value(b, obj, 0);
	return b->data;
}

/* The piece-by-piece writer. */

void
jw_start(struct jw *w, struct buf *b)
{
	w->b = b;
	w->more = 0;
}

/* s[0..n), after a comma when a value stands before it: one grow and
 * one copy, as a hand-joined record costs. */
static void
put(struct jw *w, const char *s, size_t n)
{
	struct buf *b = w->b;

	buf_grow(b, n + 1);
	if (w->more)
		b->data[b->len++] = ',';
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* The comma before a value or key that follows another. */
static void
comma(struct jw *w)
{
	if (w->more)
		buf_add(w->b, ",", 1);
}

void
jw_open(struct jw *w, char bracket)
{
	put(w, &bracket, 1);
	w->more = 0;
}

void
jw_close(struct jw *w, char bracket)
{
	w->more = 0;
	put(w, &bracket, 1);
	w->more = 1;
}

void
jw_keyn(struct jw *w, const char *key, size_t n)
{
	char *o;

	buf_grow(w->b, n + 4);
	o = w->b->data + w->b->len;
	if (w->more)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	*o = '\0';
	w->b->len = (size_t)(o - w->b->data);
	w->more = 0;
}

void
jw_str(struct jw *w, const char *s, size_t n)
{
	comma(w);
	json_quote(w->b, s, n);
	w->more = 1;
}

void
jw_strz(struct jw *w, const char *s)
{
	jw_str(w, s, strlen(s));
}

void
jw_str_open(struct jw *w)
{
	comma(w);
	buf_add(w->b, "\"", 1);
}

void
jw_str_close(struct jw *w)
{
	buf_add(w->b, "\"", 1);
	w->more = 1;
}

void
jw_int(struct jw *w, long long v)
{
	comma(w);
	json_int(w->b, v);
	w->more = 1;
}

void
jw_fixed(struct jw *w, double v, int places)
{
	comma(w);
	buf_addf(w->b, "%.*f", places, v);
	w->more = 1;
}

void
jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *json, size_t n)
{
	put(w, json, n);
	w->more = 1;
}

void
jw_members(struct jw *w, const char *json, size_t n)
{
	if (n)
		jw_raw(w, json, n);
}

void
jw_tree(struct jw *w, json_object *o)
{
	comma(w);
	put_value(w->b, o, -1);
	w->more = 1;
}
