/* jsonwrite: the one JSON writer.  Every record and document the programs
 * print is written here:
 *  - json_line: a json-c tree on one line (every record);
 *  - json_pretty: the same tree indented (llm-plan --dump on a terminal);
 *  - struct jw: JSON written piece by piece straight into a buf, no tree
 *    made, for the writers that make many records of one shape fast
 *    (plan expansion, llm-mock's bodies and stream chunks).
 * All three spell strings with json_quote and numbers as json-c does, so
 * the bytes are json-c's (tests/unit/test_jsonline.c holds them to it).
 *
 * Ownership: the text goes into the caller's buf; the writer keeps
 * nothing and takes no reference to a tree it writes.
 */
#ifndef LLM_JSONWRITE_H
#define LLM_JSONWRITE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"

/* Serialize obj on one line (no pretty printing, no escaping of '/')
 * into b, replacing what b held: byte for byte json-c's
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, but a NaN or
 * infinity made by a program is written null.  Returns b->data. */
const char *json_line(json_object *obj, struct buf *b);

/* The same indented by two spaces a level, "key": value: json-c's
 * JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
 * JSON_C_TO_STRING_NOSLASHESCAPE.  Returns b->data. */
const char *json_pretty(json_object *obj, struct buf *b);

/* Append s[0..n) to out as a quoted JSON string with exactly the escapes
 * of RFC 8785: \" \\ \b \f \n \r \t, other control characters as \u00xx
 * (lower-case hex), every other byte as it is.  Canonical JSON needs these
 * bytes and no others, and json-c writes the same.  But bytes that are
 * not UTF-8 (a server's or an input's raw 0xff) are written U+FFFD, one
 * for each piece utf8_bad_len() tells: every record is valid UTF-8. */
void json_quote(struct buf *out, const char *s, size_t n);

/* Append v in decimal. */
void json_int(struct buf *out, int64_t v);

/* Whether o is a double JSON has no spelling for: a NaN or an infinity
 * not read from a number's text (1e999 keeps its text, and is written
 * so).  json_line writes such a value null; a parser refuses it. */
int json_unspellable(json_object *o);

/* A writer of JSON piece by piece.  Commas are its business: a value
 * or key after another at the same level gets one.  Keys are names from
 * our code, written as they are (no escapes needed); strings go through
 * json_quote.  Between values a caller may point b at another buf, or
 * add bytes that are not JSON (an SSE "data: ") around a whole value. */
struct jw {
	struct buf *b;	/* where the text goes */
	int more;	/* a value stands before at this level: a comma next */
};

void jw_start(struct jw *w, struct buf *b);
/* '{' or '[' opens, '}' or ']' closes. */
void jw_open(struct jw *w, char bracket);
void jw_close(struct jw *w, char bracket);
/* jw_key(w, "name"): the length of a literal is known when compiled. */
#define jw_key(w, key) jw_keyn((w), (key), strlen(key))
void jw_keyn(struct jw *w, const char *key, size_t n);
void jw_str(struct jw *w, const char *s, size_t n);
void jw_strz(struct jw *w, const char *s);
/* A string whose bytes the caller adds to w->b between the two, bytes
 * that need no escape (llm-mock's huge content of 'x's, or content
 * written apart). */
void jw_str_open(struct jw *w);
void jw_str_close(struct jw *w);
void jw_int(struct jw *w, long long v);
/* v with places decimals, as printf's %.*f writes it. */
void jw_fixed(struct jw *w, double v, int places);
void jw_null(struct jw *w);
/* A value already written as JSON (quoted once, copied into many). */
void jw_raw(struct jw *w, const char *json, size_t n);
/* Members of an object written before (keys and values, by another jw,
 * no braces), at a key's place in an object; nothing when n is 0. */
void jw_members(struct jw *w, const char *json, size_t n);
/* A json-c value, as json_line writes it. */
void jw_tree(struct jw *w, json_object *o);
/* A member: its key, then a string (as jw_strz) or an integer.  Inline,
 * so a literal key's length is still known when compiled. */
static inline void
jw_kv_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_strz(w, s);
}

static inline void
jw_kv_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

#endif
