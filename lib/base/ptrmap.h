/* ptrmap: a hash map from strings to pointers, for matching records by
 * id.  Open addressing with linear probing and deletion by backward
 * shift, so a map that sees millions of keys come and go keeps its speed
 * and its size follows the most keys held at once.
 *
 * Ownership: the map keeps the key pointer given to ptrmap_put (it does
 * not copy it): the key must live as long as its entry, e.g. inside the
 * value.  Values are the caller's.
 */
#ifndef LLM_PTRMAP_H
#define LLM_PTRMAP_H

#include <stddef.h>

struct ptrmap_slot {
	const char *key;	/* NULL: empty */
	void *val;
};

struct ptrmap {
	struct ptrmap_slot *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t len;
};

/* The value of key, or NULL. */
void *ptrmap_get(const struct ptrmap *m, const char *key);

/* Set key to val (val not NULL), replacing and returning the old value
 * (NULL when there was none). */
void *ptrmap_put(struct ptrmap *m, const char *key, void *val);

/* Remove key; its value, or NULL when it was not there. */
void *ptrmap_del(struct ptrmap *m, const char *key);

void ptrmap_free(struct ptrmap *m);

#endif
