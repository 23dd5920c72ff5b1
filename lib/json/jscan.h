/* jscan: a quick, strict walk over one JSON text that builds nothing, for
 * a program that mostly only looks at the string values of records (and
 * so can skip json-c's tree for the lines it leaves alone).
 *
 * It accepts only what RFC 8259 allows and gives up on nesting deeper
 * than JSCAN_DEPTH, so a text it accepts is one json-c accepts too; when
 * it says no, the caller parses with json-c, whose verdict and message
 * stand.
 */
#ifndef LLM_JSCAN_H
#define LLM_JSCAN_H

#include <stddef.h>

#include "base/util.h"

#define JSCAN_DEPTH 24

/* Called for every string value (not for object keys) with its bytes as
 * written between the quotes; escaped is set when they hold a backslash.
 * Nonzero stops the walk. */
typedef int (*jscan_fn)(void *arg, const char *raw, size_t len, int escaped);

/* Walk s[0..n), which must be one JSON object with white space around it
 * at most.  1 when it is and every call of fn returned 0; 0 otherwise. */
int jscan_object(const char *s, size_t n, jscan_fn fn, void *arg);

/* The pieces of the walk, for a caller that builds as it walks
 * (jsonbuild.c): past the white space at p; past the string opening at p
 * (its closing quote), with escaped set as for jscan_fn; past the number
 * at p; past word (true, false, null) at p; NULL when that is not there. */
const char *jscan_ws(const char *p, const char *end);
const char *jscan_string(const char *p, const char *end, int *escaped);
const char *jscan_number(const char *p, const char *end);
const char *jscan_literal(const char *p, const char *end, const char *word);

/* Append the string raw[0..len) (the bytes between the quotes) decoded
 * to out.  0, or -1 for an escape json-c might read otherwise (a lone
 * surrogate). */
int jscan_decode(const char *raw, size_t len, struct buf *out);

#endif
