/* lockstate.c — the lattice of the lockset analysis: for each lock key, the set of states
 * (held, unheld, as-at-entry, uncertain, released) it may be in on the paths reaching a
 * point. A key is definitely held when its mask is exactly LS_HELD.
 *
 * Correlated branches: a state also knows the values of the condition atoms its paths
 * tested (if (c) on every path here), and where two states that tested one atom the
 * opposite ways meet, a lock whose state differs between them keeps one state per value
 * of that atom, so that the next if (c) picks the right one again. */
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
	s->nas = 0;
}

void ls_free(struct lstate *s)
{
	free(s->e);
	free(s->as);
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
	dst->nas = 0;
	if (src->nas) {
		grow_array((void **)&dst->as, &dst->cap_as, src->nas - 1, sizeof *dst->as);
		memcpy(dst->as, src->as, (size_t)src->nas * sizeof *src->as);
	}
	dst->nas = src->nas;
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
	s->e[at].catom = 0;          /* a state set on this path holds whatever was tested */
	return &s->e[at];
}

/* The value state s assumes for atom, or -1. */
static int assumed(const struct lstate *s, int atom)
{
	for (int i = 0; i < s->nas; i++)
		if (s->as[i].atom == atom)
			return s->as[i].val;
	return -1;
}

int ls_has_conditions(const struct lstate *s)
{
	if (s->nas)
		return 1;
	for (int i = 0; i < s->n; i++)
		if (s->e[i].catom)
			return 1;
	return 0;
}

/* The atom the two states assume with opposite values, or 0. */
static int split_atom(const struct lstate *d, const struct lstate *s)
{
	for (int i = 0; i < d->nas; i++) {
		int v = assumed(s, d->as[i].atom);
		if (v >= 0 && v != d->as[i].val)
			return d->as[i].atom;
	}
	return 0;
}

/* The masks of entry h (NULL: absent) of state s as a function of atom a: m[1] where it is
 * nonzero, m[0] where it is zero (0: no path of s). */
static void masks_on(const struct lstate *s, const struct held *h, int a, unsigned char m[2])
{
	if (h && a && h->catom == a) {
		m[1] = h->m_true;
		m[0] = h->m_false;
		return;
	}
	unsigned char plain = h ? h->mask : s->dflt;
	int v = a ? assumed(s, a) : -1;
	m[0] = v == 1 ? 0 : plain;
	m[1] = v == 0 ? 0 : plain;
}

/* dst entry of key := dst ⊔ src, split on atom a (0: none), where atoms are in play.
 * Returns 1 when it changed. */
static int join_entry(struct lstate *dst, const struct lstate *src, int key, int a)
{
	struct held *dh = ls_find(dst, key);
	const struct held *sh = ls_find((struct lstate *)src, key);
	/* An entry split on one atom in both states stays split on it (an if on another atom
	 * in between left it alone); else it splits on the atom the states disagree on, if
	 * any, or keeps the split one side has. */
	int dc = dh ? dh->catom : 0, sc = sh ? sh->catom : 0;
	int c = dc && dc == sc ? dc : a ? a : dc ? dc : sc;
	unsigned char dm[2], sm[2];
	masks_on(dst, dh, c, dm);
	masks_on(src, sh, c, sm);
	unsigned char t = dm[1] | sm[1], f = dm[0] | sm[0];
	struct held want = {.mask = t | f};
	if (c && t != f && t && f) {
		want.catom = c;
		want.m_true = t;
		want.m_false = f;
	}
	if (dh && dh->mask == want.mask && dh->catom == want.catom && dh->m_true == want.m_true &&
	    dh->m_false == want.m_false)
		return 0;
	if (!dh) {
		*ls_set(dst, key, want.mask) = *sh;
		dh = ls_find(dst, key);
	}
	dh->mask = want.mask;
	dh->catom = want.catom;
	dh->m_true = want.m_true;
	dh->m_false = want.m_false;
	return 1;
}

/* Keeps the assumptions src shares. */
static int join_assumptions(struct lstate *dst, const struct lstate *src)
{
	int w = 0;
	for (int i = 0; i < dst->nas; i++)
		if (assumed(src, dst->as[i].atom) == dst->as[i].val)
			dst->as[w++] = dst->as[i];
	int changed = w != dst->nas;
	dst->nas = w;
	return changed;
}

/* What else a joined entry keeps: read mode, repeated acquisitions, a site. */
static int join_extras(struct held *h, const struct held *src)
{
	int changed = 0;
	if (src->shared && !h->shared) {
		h->shared = 1;
		changed = 1;
	}
	if (src->extra > h->extra) {
		h->extra = src->extra;
		changed = 1;
	}
	if (!h->acq) {
		h->acq = src->acq;
		h->acq_fn = src->acq_fn;
	}
	return changed;
}

static int join_correlated(struct lstate *dst, const struct lstate *src)
{
	int a = split_atom(dst, src), changed = 0;
	for (int i = 0; i < dst->n; i++)
		changed |= join_entry(dst, src, dst->e[i].key, a);
	for (int i = 0; i < src->n; i++) {
		changed |= join_entry(dst, src, src->e[i].key, a);
		changed |= join_extras(ls_find(dst, src->e[i].key), &src->e[i]);
	}
	return join_assumptions(dst, src) | changed;
}

int ls_join(struct lstate *dst, const struct lstate *src)
{
	if (src->bottom)
		return 0;
	if (dst->bottom) {
		ls_copy(dst, src);
		return 1;
	}
	if (ls_has_conditions(dst) || ls_has_conditions(src))
		return join_correlated(dst, src);
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
			changed |= join_extras(h, &src->e[i]);
			continue;
		}
		struct held copy = src->e[i];
		copy.mask |= dst->dflt;
		*ls_set(dst, copy.key, copy.mask) = copy;
		changed = 1;
	}
	return changed;
}

void ls_assume(struct lstate *s, int atom, int val)
{
	if (s->bottom)
		return;
	int v = assumed(s, atom);
	if (v >= 0) {
		if (v != val)
			ls_bottom(s);        /* the other branch of a test already taken */
		return;
	}
	for (int i = 0; i < s->n; i++) {
		struct held *h = &s->e[i];
		if (h->catom != atom)
			continue;
		unsigned char m = val ? h->m_true : h->m_false;
		h->mask = m ? m : s->dflt;
		h->catom = 0;
	}
	grow_array((void **)&s->as, &s->cap_as, s->nas, sizeof *s->as);
	s->as[s->nas++] = (struct assumption){atom, (unsigned char)(val != 0)};
}

static int forget(int atom, void *ctx)
{
	return atom == *(int *)ctx ? 0 : atom;
}

void ls_kill(struct lstate *s, int atom)
{
	ls_map_atoms(s, forget, &atom);
}

void ls_map_atoms(struct lstate *s, int (*map)(int atom, void *ctx), void *ctx)
{
	int w = 0;
	for (int i = 0; i < s->nas; i++) {
		int to = map(s->as[i].atom, ctx);
		if (to) {
			s->as[w] = s->as[i];
			s->as[w++].atom = to;
		}
	}
	s->nas = w;
	for (int i = 0; i < s->n; i++) {
		struct held *h = &s->e[i];
		if (h->catom && !(h->catom = map(h->catom, ctx)))
			h->m_true = h->m_false = 0;
	}
}

void ls_with_assumptions(struct lstate *dst, const struct lstate *locks, const struct lstate *conds)
{
	ls_copy(dst, locks);
	dst->nas = 0;
	if (conds->nas) {
		grow_array((void **)&dst->as, &dst->cap_as, conds->nas - 1, sizeof *dst->as);
		memcpy(dst->as, conds->as, (size_t)conds->nas * sizeof *conds->as);
	}
	dst->nas = conds->nas;
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
	for (int i = 0; i < s->n; i++) {
		const struct held *h = &s->e[i];
		if (h->mask != s->dflt || h->shared || h->catom)
			kb_int(kb, (long)h->key << 24 | (long)h->mask << 16 | (long)h->shared << 8 | h->extra);
		if (h->catom)
			kb_int(kb, (long)h->catom << 16 | (long)h->m_true << 8 | h->m_false);
	}
	for (int i = 0; i < s->nas; i++)
		kb_int(kb, -2L - 2L * s->as[i].atom - s->as[i].val);
}

static int forget_all(int atom, void *ctx)
{
	(void)atom;
	(void)ctx;
	return 0;
}

void ls_forget_conditions(struct lstate *s)
{
	ls_map_atoms(s, forget_all, NULL);
}

void ls_restore_conditions(struct lstate *s, const struct lstate *saved)
{
	if (s->bottom)
		return;
	for (int i = 0; i < saved->nas; i++)
		if (assumed(s, saved->as[i].atom) < 0) {
			grow_array((void **)&s->as, &s->cap_as, s->nas, sizeof *s->as);
			s->as[s->nas++] = saved->as[i];
		}
	for (int i = 0; i < saved->n; i++) {
		const struct held *o = &saved->e[i];
		struct held *h = o->catom ? ls_find(s, o->key) : NULL;
		if (h && !h->catom && h->mask == o->mask) {
			h->catom = o->catom;
			h->m_true = o->m_true;
			h->m_false = o->m_false;
		}
	}
}
