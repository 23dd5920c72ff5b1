/* jfield: a few fields picked out of one JSON object text by their paths,
 * with no tree built, for a program that reads many large records and
 * needs only a handful of small values from each (llm-summarize).
 *
 * The walk is strict, on jscan.h's tokens: it accepts only what RFC 8259
 * allows, nested no deeper than json-c's limit (JSCAN_DEPTH), so a text
 * jfield takes json-c takes too, and the fast readers built on it
 * (wire/members.c) never take a text json-c's tree would
 * refuse.
 *
 * A path is object keys joined by '.': "usage.prompt_tokens".  Paths do
 * not go into arrays.  When a path is found twice (a key written twice)
 * the value found last counts, as in json-c.  The values found point into
 * the text scanned: they are valid while it is, and only when the scan
 * accepted it.
 */
#ifndef LLM_JFIELD_H
#define LLM_JFIELD_H

#include <json-c/json.h>
#include <stddef.h>

#include "base/util.h"

enum jfield_type {
	JF_NONE,	/* not in the text */
	JF_STRING,
	JF_NUMBER,
	JF_TRUE,
	JF_FALSE,
	JF_NULL,
	JF_OBJECT,
	JF_ARRAY,
};

struct jfield {
	const char *raw;	/* strings: the bytes between the quotes; other
				 * values: their text as written */
	size_t len;
	enum jfield_type type;
	int escaped;		/* a string holding a backslash */
	size_t shrink;		/* a string: bytes its escapes save decoded */
};

struct jfield_spec;

struct jfield_spec *jfield_spec_new(void);
void jfield_spec_free(struct jfield_spec *sp);

/* The slot of path, added when new: the same path gives the same slot.
 * -1 for an empty path or an empty key in it. */
int jfield_spec_add(struct jfield_spec *sp, const char *path);

/* A spec of the n paths given, path i in slot i (paths known to be
 * good: a bad one is a program error, and exits). */
struct jfield_spec *jfield_spec_of(const char *const *paths, int n);

/* How many slots there are: the size of the array jfield_scan fills. */
size_t jfield_spec_count(const struct jfield_spec *sp);

/* Walk s[0..n), which must be one JSON object with white space around it
 * at most, filling out[slot] for every path found (JF_NONE for the rest).
 * 1 when the text is such an object, 0 otherwise. */
int jfield_scan(const struct jfield_spec *sp, const char *s, size_t n, struct jfield *out);

/* A string value decoded and appended to out: 0, or -1 when f is not a
 * string or holds an escape json-c might read otherwise (a lone
 * surrogate). */
int jfield_string(const struct jfield *f, struct buf *out);

/* A string value's bytes as json-c would hold them, without a copy when
 * it has no escapes (else decoded into b, which must be empty): 0 with
 * *t, *n set, *t NULL when f is no string; -1 for an escape json-c might
 * read otherwise (a lone surrogate). */
int jfield_text(const struct jfield *f, struct buf *b, const char **t, size_t *n);

/* The bytes a string value holds once decoded. */
size_t jfield_strlen(const struct jfield *f);

/* A number value: 0 with *v set, or -1 when f is not a number. */
int jfield_double(const struct jfield *f, double *v);
int jfield_llong(const struct jfield *f, long long *v);

#endif
