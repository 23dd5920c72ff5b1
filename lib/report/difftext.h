/* difftext: a unified diff of two texts, line by line (Myers' O(ND)
 * algorithm), as diff -u writes it, for llm-diff -v.
 *
 * Bounded: a text longer than DIFFTEXT_MAX_BYTES, or two texts more than
 * DIFFTEXT_MAX_EDITS lines apart, are not diffed (the work and memory of
 * the algorithm grow with the square of the edits).
 *
 * Ownership: the texts are borrowed; the diff is appended to the
 * caller's buf.
 */
#ifndef LLM_DIFFTEXT_H
#define LLM_DIFFTEXT_H

#include <stddef.h>

#include "base/util.h"

#define DIFFTEXT_MAX_BYTES (1u << 20)
#define DIFFTEXT_MAX_EDITS 2000
#define DIFFTEXT_CONTEXT 3	/* lines of context around a change */

/* Append to out the unified diff of a[0..alen) and b[0..blen) under the
 * headers "--- aname" and "+++ bname": 1 when the texts differ, 0 when
 * they are the same (nothing appended), or -1 when they are too long to
 * diff (nothing appended). */
int difftext(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
             const char *bname, struct buf *out);

#endif
