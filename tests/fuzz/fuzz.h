/* fuzz: what the libFuzzer targets of tests/fuzz/ share.
 *
 * Each fuzz_X.c is built alone against the library (mk/fuzz.mk), so the
 * helpers are static inline.  An invariant that fails calls fuzz_fail(),
 * which aborts: libFuzzer reports it as a crash and keeps the input.
 */
#ifndef LLM_FUZZ_H
#define LLM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...) do { \
	fprintf(stderr, "fuzz: invariant broken at %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

/* Take the first bytes of the input as split points: the first byte says
 * how many (0-15), each next one how far the piece goes (1-256 bytes).
 * *data and *size are left on the rest; cuts[0..*n) are offsets into it,
 * increasing, the last one size. */
#define FUZZ_MAXCUTS 17
static inline void
fuzz_cuts(const uint8_t **data, size_t *size, size_t *cuts, size_t *n)
{
	size_t k = 0, want = 0, at = 0, i;
	const uint8_t *steps;

	if (*size > 0) {
		want = (*data)[0] & 15;
		(*data)++, (*size)--;
	}
	if (want > *size)
		want = *size;
	steps = *data;
	*data += want;
	*size -= want;
	for (i = 0; i < want; i++) {
		at += (size_t)steps[i] + 1;
		if (at >= *size)
			break;
		cuts[k++] = at;
	}
	cuts[k++] = *size;
	*n = k;
}

/* A NUL-terminated copy of data (free it). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = emalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
