/* keymap.c — keys as 128-bit hashes of bytes, and a map from them to ints. Not
 * thread-safe: each map has one owner (or a lock around it).
 *
 * The analysis asks "seen this (function, arguments, entry state) before?" millions of
 * times on a large project. Printing those tuples into strings and hashing the strings
 * cost more than the analysis itself; here a key is built as bytes in a reused buffer and
 * hashed once with XXH3-128, and the map compares 16 bytes. Two distinct tuples collide
 * with probability about n²/2¹²⁹: never, in practice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <sys/mman.h>

#include "keymap.h"
#include "util.h"

void kb_reset(struct keybuf *kb)
{
	kb->n = 0;
}

static void kb_put(struct keybuf *kb, const void *p, size_t n)
{
	if (kb->n + n > kb->cap) {
		kb->cap = (kb->n + n) * 2 + 64;
		kb->p = xrealloc(kb->p, kb->cap);
	}
	memcpy(kb->p + kb->n, p, n);
	kb->n += n;
}

void kb_int(struct keybuf *kb, long v)
{
	kb_put(kb, &v, sizeof v);
}

void kb_str(struct keybuf *kb, const char *s)
{
	if (!s)
		s = "";
	kb_put(kb, s, strlen(s) + 1);   /* with its NUL: "ab","c" differs from "a","bc" */
}

struct hkey kb_hash(const struct keybuf *kb)
{
	XXH128_hash_t h = XXH3_128bits(kb->p, kb->n);
	return (struct hkey){h.low64, h.high64};
}

void kb_free(struct keybuf *kb)
{
	free(kb->p);
	memset(kb, 0, sizeof *kb);
}

struct hkey hkey_of_string(const char *s)
{
	XXH128_hash_t h = XXH3_128bits(s, strlen(s) + 1);   /* as kb_str would hash it alone */
	return (struct hkey){h.low64, h.high64};
}

struct hkey hkey_of_strings(const char *a, const char *b)
{
	struct keybuf kb = {0};
	kb_str(&kb, a);
	kb_str(&kb, b);
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	return k;
}

struct hkey hkey_of_ints(const int *v, int n)
{
	struct keybuf kb = {0};
	for (int i = 0; i < n; i++)
		kb_int(&kb, v[i]);
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	return k;
}

struct hkey hkey_of_pointer(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;
	return (struct hkey){XXH3_64bits(&v, sizeof v), v};
}

static int slot_of(const struct keymap *m, struct hkey k)
{
	int i = (int)(k.lo & (uint64_t)(m->cap - 1));
	while (m->slots[i].used && (m->slots[i].key.lo != k.lo || m->slots[i].key.hi != k.hi))
		i = (i + 1) & (m->cap - 1);
	return i;
}

int keymap_get(const struct keymap *m, struct hkey k, int *val)
{
	if (!m->cap)
		return 0;
	int i = slot_of(m, k);
	if (!m->slots[i].used)
		return 0;
	if (val)
		*val = m->slots[i].val;
	return 1;
}

static void grow(struct keymap *m)
{
	struct keymap big = {.cap = m->cap ? m->cap * 2 : 256};
	size_t bytes = (size_t)big.cap * sizeof *big.slots;
	if (bytes >= (4u << 20)) {
		void *p = NULL;
		if (posix_memalign(&p, 2u << 20, bytes) == 0) {
			madvise(p, bytes, MADV_HUGEPAGE);
			memset(p, 0, bytes);
			big.slots = p;
		}
	}
	if (!big.slots)
		big.slots = xcalloc((size_t)big.cap, sizeof *big.slots);
	for (int i = 0; i < m->cap; i++)
		if (m->slots[i].used)
			big.slots[slot_of(&big, m->slots[i].key)] = m->slots[i];
	big.n = m->n;
	keymap_free(m);
	*m = big;
}

void keymap_put(struct keymap *m, struct hkey k, int val)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	int i = slot_of(m, k);
	if (!m->slots[i].used) {
		m->slots[i].key = k;
		m->slots[i].used = 1;
		m->n++;
	}
	m->slots[i].val = val;
}

void keymap_free(struct keymap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}
