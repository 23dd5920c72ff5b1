/* jfield: the strict walk of a JSON object text, on jscan.h's tokens,
 * with no tree built: a few fields picked out by their paths, for a
 * program that reads many large records and needs only a handful of
 * small values from each (llm-summarize, the answers wire/members.c
 * reads), or every string value handed to a callback (jfield_walk).
 *
 * The walk accepts only what RFC 8259 allows, nested no deeper than
 * json-c's limit (JSCAN_DEPTH), so a text it takes json-c takes too.
 *
 * A path is object keys joined by '.': "usage.prompt_tokens".  Paths do
 * not go into arrays.  When a path is found twice (a key written twice)
 * the value found last counts, as in json-c.  The values found point into
 * the text scanned: they are valid while it is, and only when the scan
 * accepted it.
 */
#ifndef LLM_JFIELD_H
#define LLM_JFIELD_H

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

/* Called for every string value (not for object keys) with its bytes as
 * written between the quotes; escaped is set when they hold a backslash.
 * Nonzero stops the walk. */
typedef int (*jfield_fn)(void *arg, const char *raw, size_t len, int escaped);

/* The same walk picking nothing, fn called for each string value: 1 when
 * s[0..n) is such an object and every call of fn returned 0. */
int jfield_walk(const char *s, size_t n, jfield_fn fn, void *arg);

/* Whether s[0..n) is one JSON value of RFC 8259's grammar, with white
 * space around it at most: json-c, even strict, also takes numbers such
 * as 1. -.5 -01 00.5 and 1.e3, and writes a double back as it was spelt. */
int jfield_valid(const char *s, size_t n);

/* A string value decoded and appended to out: 0, or -1 when f is not a
 * string or holds an escape json-c might read otherwise (a lone
 * surrogate). */
int jfield_string(const struct jfield *f, struct buf *out);

/* The bytes a string value holds once decoded. */
size_t jfield_strlen(const struct jfield *f);

/* A number value: 0 with *v set, or -1 when f is not a number. */
int jfield_double(const struct jfield *f, double *v);
int jfield_llong(const struct jfield *f, long long *v);

#endif
