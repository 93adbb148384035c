/* known.c — what the code has established about a variable in static storage that several
 * functions compare with one constant (extract/compared.c's "c:PATH=K" atoms), carried
 * across calls: `if (g.in_which == -1) { g.in_which = 1; … }` and then a helper's
 * `if (g.in_which == -1) return;` before its wait — the helper's early return is no path
 * here, so the wait (and the region it begins, tokens.c) is surely passed.
 *
 * Per pair (PATH, K), two keys of the lock state stand for "PATH == K" and "PATH != K",
 * held while known (kind LK_SEM: no lock rule sees them): a branch of a test sets one and
 * drops the other, a store of a constant sets them by its value, any other store drops
 * both, and a branch a known value rules out is no path. Facts are used only where no lock
 * is held: a variable tested without a lock that another thread writes is a race of its
 * own, reported on the variable. Only pairs tested in two functions or more are kept (the
 * point is a caller's knowledge deciding a callee's test), to keep the walk's states few. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct known_pair {
	long long k;
	int eq, ne;           /* lock keys, or -1 before first use */
	int fns;              /* functions testing it */
	int last_fn;
};

struct known {
	struct keymap by_path;        /* PATH -> index in paths */
	struct known_path {
		char *path;
		struct known_pair *p;
		int n;
	} *paths;
	int npaths, cap;
	uint64_t *tests, *writes;     /* per index fn: bits of the paths it may test, write */
};

/* "c:PATH=K": the path (new string) and K. */
static char *parse_atom(const char *atom, long long *k)
{
	if (!atom || !str_starts(atom, "c:"))
		return NULL;
	const char *eq = strrchr(atom, '=');
	if (!eq || eq == atom + 2)
		return NULL;
	char *end;
	*k = strtoll(eq + 1, &end, 10);
	if (end == eq + 1 || *end)
		return NULL;
	return xasprintf("%.*s", (int)(eq - atom - 2), atom + 2);
}

static struct known_path *path_of_index(struct known *kn, const char *path, int create)
{
	int id;
	if (keymap_get_str(&kn->by_path, path, &id))
		return &kn->paths[id];
	if (!create)
		return NULL;
	grow_array((void **)&kn->paths, &kn->cap, kn->npaths, sizeof *kn->paths);
	kn->paths[kn->npaths].path = xstrdup(path);
	keymap_put_str(&kn->by_path, path, kn->npaths);
	return &kn->paths[kn->npaths++];
}

static struct known_pair *pair_of(struct known_path *kp, long long k, int create)
{
	for (int i = 0; i < kp->n; i++)
		if (kp->p[i].k == k)
			return &kp->p[i];
	if (!create)
		return NULL;
	kp->p = xrealloc(kp->p, (size_t)(kp->n + 1) * sizeof *kp->p);
	kp->p[kp->n] = (struct known_pair){.k = k, .eq = -1, .ne = -1, .last_fn = -1};
	return &kp->p[kp->n++];
}

/* Bit (path % 64) of every path a function tests (tests[]) or writes (writes[]), itself or
 * through the calls it makes: a call of a function that neither tests nor writes a fact's
 * path leaves the fact alone, and one that only writes it decides it itself. */
static uint64_t path_bit(const struct known *kn, const char *path)
{
	int id;
	return path && keymap_get_str(&kn->by_path, path, &id) ? 1ull << (id % 64) : 0;
}

static void direct_bits(struct analysis *a, int f)
{
	struct known *kn = a->known;
	const struct function *fn = a->ix.fns[f].fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			long long k;
			char *path = ev->kind == EV_ASSUME ? parse_atom(ev->path, &k) : NULL;
			if (path)
				kn->tests[f] |= path_bit(kn, path);
			else if (ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE))
				kn->writes[f] |= path_bit(kn, ev->path);
			else if (ev->kind == EV_CALL && !ev->callee)
				kn->tests[f] = kn->writes[f] = ~0ull;   /* through a pointer: anything */
			free(path);
		}
}

static void touches_build(struct analysis *a)
{
	struct known *kn = a->known;
	int n = a->ix.nfns;
	kn->tests = xcalloc((size_t)(n ? n : 1), sizeof *kn->tests);
	kn->writes = xcalloc((size_t)(n ? n : 1), sizeof *kn->writes);
	if (!kn->npaths)
		return;
	for (int f = 0; f < n; f++)
		direct_bits(a, f);
	struct call_graph g;
	call_graph_build(&a->ix, &g);
	call_graph_close_masks(&g, a->ix.nfns, kn->tests, kn->writes);
	call_graph_free(&g);
}

void known_build(struct analysis *a)
{
	struct known *kn = xcalloc(1, sizeof *kn);
	for (int f = 0; f < a->ix.nfns; f++) {
		const struct function *fn = a->ix.fns[f].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				long long k;
				char *path = ev->kind == EV_ASSUME ? parse_atom(ev->path, &k) : NULL;
				if (!path)
					continue;
				struct known_pair *p = pair_of(path_of_index(kn, path, 1), k, 1);
				if (p->last_fn != f) {
					p->fns++;
					p->last_fn = f;
				}
				free(path);
			}
	}
	a->known = kn;
	touches_build(a);
}

void known_free(struct analysis *a)
{
	struct known *kn = a->known;
	if (!kn)
		return;
	for (int i = 0; i < kn->npaths; i++) {
		free(kn->paths[i].path);
		free(kn->paths[i].p);
	}
	free(kn->paths);
	free(kn->tests);
	free(kn->writes);
	keymap_free(&kn->by_path);
	free(kn);
	a->known = NULL;
}

static void keys_of(struct analysis *a, const struct known_path *kp, struct known_pair *p)
{
	if (p->eq >= 0)
		return;
	for (int neq = 0; neq < 2; neq++) {
		char *cls = xasprintf("known:%s%s%lld", kp->path, neq ? "!=" : "==", p->k);
		int key = lock_key_intern(a, cls, cls, cls);
		free(cls);
		a->lock_keys[key].kind = LK_SEM;     /* no owner: no lock rule, no lockset sees it */
		a->lock_keys[key].known = 1 + (int)(kp - a->known->paths);
		if (!a->lock_keys[key].tcls)
			a->lock_keys[key].tcls = xstrdup("known:");
		*(neq ? &p->ne : &p->eq) = key;
	}
}

static int known_for_sure(const struct lstate *s, int key)
{
	return ls_mask(s, key) == LS_HELD;
}

static void set_fact(struct lstate *s, int key, int held)
{
	ls_set(s, key, held ? LS_HELD : LS_RELEASED);
}

/* A lock (not a semaphore, token or fact) held on some path here. */
static int any_lock(const struct analysis *a, const struct lstate *s)
{
	for (int i = 0; i < s->n; i++) {
		const struct lock_key *k = &a->lock_keys[s->e[i].key];
		if ((s->e[i].mask & (LS_HELD | LS_ENTRY)) && (k->kind != LK_SEM || k->binary_sem))
			return 1;
	}
	return 0;
}

/* Sets every pair of the path as value v (known) or forgets them all (!known). */
static void store(struct analysis *a, struct known_path *kp, int known, long long v, struct lstate *s)
{
	for (int i = 0; i < kp->n; i++) {
		struct known_pair *p = &kp->p[i];
		if (p->fns < 2)
			continue;
		keys_of(a, kp, p);
		set_fact(s, p->eq, known && v == p->k);
		set_fact(s, p->ne, known && v != p->k);
	}
}

int known_on_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                    struct lstate *s)
{
	long long k;
	char *path = parse_atom(ev->path, &k);
	if (!path)
		return 0;
	struct known_path *kp = a->known ? path_of_index(a->known, path, 0) : NULL;
	struct known_pair *p = kp ? pair_of(kp, k, 0) : NULL;
	free(path);
	if (!p || p->fns < 2 || (ev->flags & EVF_KILL) || f->ctx->kind == CTX_ISOLATED || any_lock(a, s))
		return 1;
	keys_of(a, kp, p);
	int equal = (ev->flags & EVF_TRUE) != 0;
	if (known_for_sure(s, equal ? p->ne : p->eq)) {
		ls_bottom(s);               /* what the code established rules this branch out */
		return 1;
	}
	if (equal)
		store(a, kp, 1, k, s);
	else {
		set_fact(s, p->ne, 1);
		set_fact(s, p->eq, 0);
	}
	return 1;
}

void known_on_write(struct analysis *a, const struct activation *f, const struct event *ev,
                    struct lstate *s)
{
	if (!a->known || !a->known->npaths || !(ev->flags & EVF_WRITE) || !ev->path ||
	    f->ctx->kind == CTX_ISOLATED)
		return;
	struct known_path *kp = path_of_index(a->known, ev->path, 0);
	if (!kp)
		return;
	char *end = NULL;
	long long v = ev->api && ev->api[0] == '=' ? strtoll(ev->api + 1, &end, 10) : 0;
	int known = end && end != ev->api + 1 && !*end && !(ev->flags & EVF_READ);
	store(a, kp, known, v, s);
}

/* Facts about paths the callee does not test leave the state while it runs (its solution
 * is shared by every caller, whatever they know): put back after it when it does not
 * write them either, dropped when it does (its own stores decide them). */
int known_set_aside(const struct analysis *a, int callee, struct lstate *s, struct lstate *aside)
{
	const struct known *kn = a->known;
	if (!kn || !kn->npaths || s->bottom)
		return 0;
	int m = 0, moved = 0;
	for (int i = 0; i < s->n; i++) {
		int path = a->lock_keys[s->e[i].key].known - 1;
		uint64_t bit = path >= 0 ? 1ull << (path % 64) : 0;
		if (!bit || (kn->tests[callee] & bit)) {
			s->e[m++] = s->e[i];
			continue;
		}
		if (kn->writes[callee] & bit)
			continue;
		if (!moved++)
			ls_init(aside, s->dflt);
		*ls_set(aside, s->e[i].key, s->e[i].mask) = s->e[i];
	}
	s->n = m;
	return moved > 0;
}

void known_put_back(struct lstate *s, const struct lstate *aside)
{
	for (int i = 0; i < aside->n && !s->bottom; i++)
		*ls_set(s, aside->e[i].key, aside->e[i].mask) = aside->e[i];
}
