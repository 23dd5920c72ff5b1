#include <stdlib.h>
#include <string.h>

#include "base/fnv.h"
#include "base/ptrmap.h"
#include "base/util.h"

/* The slot holding key, or the empty slot where it would go. */
static size_t
find(const struct ptrmap *m, const char *key)
{
	size_t i = (size_t)fnv1a(key, strlen(key)) & (m->cap - 1);

	while (m->slot[i].key && strcmp(m->slot[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *
ptrmap_get(const struct ptrmap *m, const char *key)
{
	return m->cap ? m->slot[find(m, key)].val : NULL;
}

static void
grow(struct ptrmap *m)
{
	struct ptrmap_slot *old = m->slot;
	size_t oldcap = m->cap, i;

	m->cap = oldcap ? oldcap * 2 : 16;
	m->slot = ecalloc(m->cap, sizeof *m->slot);
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			m->slot[find(m, old[i].key)] = old[i];
	free(old);
}

void *
ptrmap_put(struct ptrmap *m, const char *key, void *val)
{
	size_t i;
	void *was;

	/* at most half full, so probes stay short */
	if ((m->len + 1) * 2 > m->cap)
		grow(m);
	i = find(m, key);
	was = m->slot[i].val;
	if (!m->slot[i].key)
		m->len++;
	m->slot[i].key = key;
	m->slot[i].val = val;
	return was;
}

void *
ptrmap_del(struct ptrmap *m, const char *key)
{
	size_t i, j, mask = m->cap - 1;
	void *was;

	if (!m->cap || !m->slot[i = find(m, key)].key)
		return NULL;
	was = m->slot[i].val;
	m->len--;
	/* shift back the entries after i that probed past it */
	for (j = (i + 1) & mask; m->slot[j].key; j = (j + 1) & mask) {
		size_t home = (size_t)fnv1a(m->slot[j].key, strlen(m->slot[j].key)) & mask;

		/* j's home is cyclically in (i, j]: it stays */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->slot[i] = m->slot[j];
		i = j;
	}
	m->slot[i].key = NULL;
	m->slot[i].val = NULL;
	return was;
}

void
ptrmap_free(struct ptrmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->len = 0;
}
