#include <stdlib.h>
#include <string.h>

#include "base/fnv.h"
#include "base/strmap.h"
#include "base/util.h"

/* The slot that holds s, or the empty one where it would go. */
static size_t
probe(const struct strmap *m, const char *s, size_t len)
{
	size_t i = (size_t)fnv1a(s, len) & (m->nslot - 1);

	for (;; i = (i + 1) & (m->nslot - 1)) {
		size_t k = m->slot[i];

		if (k == 0 || (m->lens[k - 1] == len && memcmp(m->keys[k - 1], s, len) == 0))
			return i;
	}
}

static void
grow(struct strmap *m)
{
	size_t old = m->nslot, i;
	size_t *slots = m->slot;

	m->nslot = old ? old * 2 : 64;
	m->slot = ecalloc(m->nslot, sizeof *m->slot);
	for (i = 0; i < old; i++)
		if (slots[i])
			m->slot[probe(m, m->keys[slots[i] - 1], m->lens[slots[i] - 1])] = slots[i];
	free(slots);
	m->keys = erealloc(m->keys, m->nslot / 2 * sizeof *m->keys);
	m->lens = erealloc(m->lens, m->nslot / 2 * sizeof *m->lens);
}

size_t
strmap_find(const struct strmap *m, const char *s, size_t len)
{
	size_t k;

	if (m->nslot == 0)
		return (size_t)-1;
	k = m->slot[probe(m, s, len)];
	return k ? k - 1 : (size_t)-1;
}

size_t
strmap_intern(struct strmap *m, const char *s, size_t len, int *added)
{
	size_t i;

	if (added)
		*added = 0;
	/* at most half full */
	if (m->n + 1 > m->nslot / 2)
		grow(m);
	i = probe(m, s, len);
	if (m->slot[i])
		return m->slot[i] - 1;
	m->keys[m->n] = estrndup(s, len);
	m->lens[m->n] = len;
	m->slot[i] = ++m->n;
	if (added)
		*added = 1;
	return m->n - 1;
}

const char *
strmap_key(const struct strmap *m, size_t i)
{
	return m->keys[i];
}

void
strmap_clear(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->slot);
	memset(m, 0, sizeof *m);
}
