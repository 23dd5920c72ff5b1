/* strmap: strings interned to small numbers, 0, 1, 2, ... in the order
 * they were first seen, for tables keyed by id, model or group.
 *
 * The map owns copies of its keys; a key returned by strmap_key() is
 * valid until strmap_free() or strmap_clear().  Keys may hold any byte,
 * NUL included.
 */
#ifndef LLM_STRMAP_H
#define LLM_STRMAP_H

#include <stddef.h>

struct strmap {
	char **keys;		/* by number, each NUL-terminated */
	size_t *lens;
	size_t n;
	size_t *slot;		/* open addressing: number + 1, 0 empty */
	size_t nslot;		/* a power of two */
};

/* The number of s[0..len), added when new (*added set then, if given). */
size_t strmap_intern(struct strmap *m, const char *s, size_t len, int *added);

/* The number of s[0..len), or (size_t)-1 when it is not there. */
size_t strmap_find(const struct strmap *m, const char *s, size_t len);

const char *strmap_key(const struct strmap *m, size_t i);

/* Empty again, its memory released. */
void strmap_clear(struct strmap *m);
#define strmap_free strmap_clear

#endif
