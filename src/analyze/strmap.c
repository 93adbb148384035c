/* strmap.c — an open-addressing hash map from strings to ints (interning, memo tables). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int slot_of(const struct strmap *m, const char *key)
{
	int i = (int)(hash_str(key) & (uint64_t)(m->cap - 1));
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int strmap_get(const struct strmap *m, const char *key, int *val)
{
	if (!m->cap)
		return 0;
	int i = slot_of(m, key);
	if (!m->keys[i])
		return 0;
	if (val)
		*val = m->vals[i];
	return 1;
}

static void rehash(struct strmap *m)
{
	struct strmap big = {.cap = m->cap ? m->cap * 2 : 64};
	big.keys = xcalloc((size_t)big.cap, sizeof *big.keys);
	big.vals = xcalloc((size_t)big.cap, sizeof *big.vals);
	for (int i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		int j = slot_of(&big, m->keys[i]);
		big.keys[j] = m->keys[i];
		big.vals[j] = m->vals[i];
	}
	big.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = big;
}

void strmap_put(struct strmap *m, const char *key, int val)
{
	if ((m->n + 1) * 2 > m->cap)
		rehash(m);
	int i = slot_of(m, key);
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->n++;
	}
	m->vals[i] = val;
}

void strmap_free(struct strmap *m)
{
	for (int i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
