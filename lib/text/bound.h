/* bound: keep string values and whole records under a size in bytes, and
 * redact them on the way (DESIGN.md: traces are "redacted and
 * size-bounded before they are written").
 *
 * A string over its bound keeps its first bytes, no UTF-8 character split,
 * and ends with the marker "[TRUNCATED:<n> bytes]", n the size of the
 * value as it came in (before redaction and any cut).  Sizes are of the
 * string's UTF-8 bytes, not of its JSON-escaped form.
 *
 * A record whose line is still longer than max_record has its longest
 * strings cut to one common length, the longest that makes it fit, each
 * marked as above: the record keeps its every key, its short strings
 * (ids, status, model) and the head of its long ones.  A record that
 * cannot fit even with every string cut to nothing (its bulk is keys,
 * numbers or nesting) is refused, and the caller writes an error in its
 * place.
 *
 * A struct bound holds scratch space: one per thread.  The json-c tree is
 * changed in place (json.h rules: nothing is taken or given).
 */
#ifndef LLM_BOUND_H
#define LLM_BOUND_H

#include <stddef.h>

#include "json/json.h"
#include "text/redact.h"

struct bound_str;

struct bound {
	size_t max_string;	/* bytes a string value; 0: no bound */
	size_t max_record;	/* bytes a record's line, newline not counted; 0: no bound */
	unsigned long long cut;	/* strings cut so far */
	/* scratch */
	struct bound_str *v;
	size_t n, cap;
	struct buf tmp, tmp2;
};

/* Append s[0..n) cut to at most max bytes on a UTF-8 boundary and the
 * marker for a value of orig bytes. */
void bound_cut(struct buf *out, const char *s, size_t n, size_t max, size_t orig);

/* Redact every string value of rec (r may be NULL: no redaction) and cut
 * those over max_string.  Returns how many strings changed.  The strings
 * are remembered for bound_fit(). */
size_t bound_json(struct bound *b, struct redact *r, json_object *rec);

/* Serialize rec into line (no newline), cutting the strings bound_json()
 * saw until the line is at most max_record bytes.  0, or -1 when it cannot
 * fit (line then holds it as far as it was cut). */
int bound_fit(struct bound *b, json_object *rec, struct buf *line);

/* Would bound_json() and bound_fit() leave the record on this line as
 * it is: it is a JSON object (jscan.h), no string value holds a secret or
 * is over max_string, the line is within max_record?  Then it can be
 * written as it came, byte for byte, without building its tree.  0 means
 * "parse it and see" (an invalid line is one). */
int bound_line_clean(struct bound *b, struct redact *r, const char *line, size_t len);

/* Both: what a program calls before it writes a record.  0 or -1. */
int bound_record(struct bound *b, struct redact *r, json_object *rec, struct buf *line);

void bound_free(struct bound *b);

#endif
