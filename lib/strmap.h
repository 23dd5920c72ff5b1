/* strmap: a hash map from strings to pointers, for matching records by
 * id.  Open addressing with linear probing and deletion by backward
 * shift, so a map that sees millions of keys come and go keeps its speed
 * and its size follows the most keys held at once.
 *
 * Ownership: the map keeps the key pointer given to strmap_put (it does
 * not copy it): the key must live as long as its entry, e.g. inside the
 * value.  Values are the caller's.
 */
#ifndef LLM_STRMAP_H
#define LLM_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;	/* NULL: empty */
	void *val;
};

struct strmap {
	struct strmap_slot *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t len;
};

/* The value of key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Set key to val (val not NULL), replacing and returning the old value
 * (NULL when there was none). */
void *strmap_put(struct strmap *m, const char *key, void *val);

/* Remove key; its value, or NULL when it was not there. */
void *strmap_del(struct strmap *m, const char *key);

void strmap_free(struct strmap *m);

#endif
