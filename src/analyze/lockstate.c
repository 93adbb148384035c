/* lockstate.c — the lattice of the lockset analysis: for each lock key, the set of states
 * (held, unheld, as-at-entry, uncertain) it may be in on the paths reaching a point. A key
 * is definitely held when its mask is exactly LS_HELD. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void ls_init(struct lstate *s, unsigned char dflt)
{
	memset(s, 0, sizeof *s);
	s->dflt = dflt;
}

void ls_bottom(struct lstate *s)
{
	s->bottom = 1;
	s->n = 0;
}

void ls_free(struct lstate *s)
{
	free(s->e);
	memset(s, 0, sizeof *s);
}

void ls_copy(struct lstate *dst, const struct lstate *src)
{
	dst->bottom = src->bottom;
	dst->dflt = src->dflt;
	dst->n = 0;
	if (src->n)   /* an empty state allocates nothing: most states are empty */
		grow_array((void **)&dst->e, &dst->cap, src->n - 1, sizeof *dst->e);
	if (src->n)
		memcpy(dst->e, src->e, (size_t)src->n * sizeof *src->e);
	dst->n = src->n;
}

static int find_index(const struct lstate *s, int key, int *at)
{
	int lo = 0, hi = s->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (s->e[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < s->n && s->e[lo].key == key;
}

struct held *ls_find(struct lstate *s, int key)
{
	int at;
	return find_index(s, key, &at) ? &s->e[at] : NULL;
}

unsigned char ls_mask(const struct lstate *s, int key)
{
	int at;
	return find_index(s, key, &at) ? s->e[at].mask : s->dflt;
}

struct held *ls_set(struct lstate *s, int key, unsigned char mask)
{
	int at;
	if (!find_index(s, key, &at)) {
		grow_array((void **)&s->e, &s->cap, s->n, sizeof *s->e);
		memmove(&s->e[at + 1], &s->e[at], (size_t)(s->n - at) * sizeof *s->e);
		memset(&s->e[at], 0, sizeof s->e[at]);
		s->e[at].key = key;
		s->n++;
	}
	s->e[at].mask = mask;
	return &s->e[at];
}

int ls_join(struct lstate *dst, const struct lstate *src)
{
	if (src->bottom)
		return 0;
	if (dst->bottom) {
		ls_copy(dst, src);
		return 1;
	}
	int changed = 0;
	/* Keys only in dst meet src's default, keys only in src meet dst's. */
	for (int i = 0; i < dst->n; i++) {
		unsigned char m = dst->e[i].mask | ls_mask(src, dst->e[i].key);
		if (m != dst->e[i].mask) {
			dst->e[i].mask = m;
			changed = 1;
		}
	}
	for (int i = 0; i < src->n; i++) {
		struct held *h = ls_find(dst, src->e[i].key);
		if (h) {
			if (src->e[i].shared && !h->shared) {
				h->shared = 1;
				changed = 1;
			}
			if (src->e[i].extra > h->extra) {
				h->extra = src->e[i].extra;
				changed = 1;
			}
			if (!h->acq) {
				h->acq = src->e[i].acq;
				h->acq_fn = src->e[i].acq_fn;
			}
			continue;
		}
		struct held copy = src->e[i];
		copy.mask |= dst->dflt;
		*ls_set(dst, copy.key, copy.mask) = copy;
		changed = 1;
	}
	return changed;
}

void ls_key_full(const struct lstate *s, struct keybuf *kb)
{
	ls_key(s, kb);
	for (int i = 0; i < s->n; i++) {
		kb_int(kb, (long)(intptr_t)s->e[i].acq);
		kb_int(kb, (long)(intptr_t)s->e[i].acq_fn);
	}
}

void ls_key(const struct lstate *s, struct keybuf *kb)
{
	if (s->bottom) {
		kb_int(kb, -1);
		return;
	}
	kb_int(kb, s->dflt);
	for (int i = 0; i < s->n; i++)
		if (s->e[i].mask != s->dflt || s->e[i].shared)
			kb_int(kb, (long)s->e[i].key << 24 | (long)s->e[i].mask << 16 |
			           (long)s->e[i].shared << 8 | s->e[i].extra);
}
