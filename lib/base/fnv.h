/* fnv: the 64-bit FNV-1a hash of a few bytes, the one hash of the maps
 * (ptrmap, strmap) and of llm-mock's answers (whose choices, and so its
 * output, depend on its values: they must never change).  Inline, since
 * the maps hash a key at every look-up. */
#ifndef LLM_FNV_H
#define LLM_FNV_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

#endif
