/* constargs.c — constant arguments decide a callee's branches. A function whose lock effect a
 * constant argument chooses (pause(PAUSE) takes the workers' locks, pause(RESUME) releases
 * them; pull(…, KEEP_LOCKED) returns holding what pull(…, 0) releases) is walked once per
 * constant: its tests of the parameter (the extractor's "k:N=K" and "k:N&K" atoms) are
 * decided by the argument ("#K" in root terms, through any chain of callers passing their
 * own parameter on), and the branch the constant rules out is no path.
 *
 * A constant is kept in a frame's arguments only for parameters that decide a branch, in
 * the function or in a callee it passes them to: elsewhere it is "?", so that calls with
 * other constants share one solution (the memo is keyed on the arguments). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* "k:N=K" / "k:N&K": parameter N, the operator and K. 0 when not such an atom. */
static int parse_atom(const char *atom, int *n, char *op, long long *k)
{
	if (!atom || atom[0] != 'k' || atom[1] != ':')
		return 0;
	char *end;
	long p = strtol(atom + 2, &end, 10);
	if (end == atom + 2 || p < 0 || p >= 64 || (*end != '=' && *end != '&'))
		return 0;
	*op = *end;
	const char *v = end + 1;
	*k = strtoll(v, &end, 10);
	if (end == v || *end)
		return 0;
	*n = (int)p;
	return 1;
}

static int bare_param(const char *path)
{
	if (!path || path[0] != 'p' || path[1] != ':')
		return -1;
	char *end;
	long n = strtol(path + 2, &end, 10);
	return end != path + 2 && !*end && n >= 0 && n < 64 ? (int)n : -1;
}

/* The parameter a condition-wait loop compares its state with ("t:OP:p:N:STATE",
 * extract/awaits.c), or -1: its constant argument names the value waited for (tokens.c). */
static int awaited_param(const char *atom)
{
	const char *p = atom && str_starts(atom, "t:") ? strchr(atom + 2, ':') : NULL;
	return p && str_starts(p + 1, "p:") ? (int)strtol(p + 3, NULL, 10) : -1;
}

/* Parameters k's own branches test. */
static uint64_t tested_here(const struct function *fn)
{
	uint64_t m = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			int n;
			char op;
			long long k;
			if (ev->kind == EV_ASSUME && parse_atom(ev->path, &n, &op, &k))
				m |= 1ull << n;
			n = ev->kind == EV_ASSUME ? awaited_param(ev->path) : -1;
			if (n >= 0 && n < 64)
				m |= 1ull << n;
		}
	return m;
}

/* Parameters the function passes on as is to a parameter a callee decides on. */
static uint64_t passed_on(struct analysis *a, int k, const uint64_t *decides)
{
	const struct function *fn = a->ix.fns[k].fn;
	uint64_t m = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_CALL || !ev->callee)
				continue;
			const struct fn_ref *r = index_resolve_call(&a->ix, ev, a->ix.fns[k].tu);
			uint64_t d = r ? decides[index_of_ref(&a->ix, r)] : 0;
			for (int i = 0; d && i < ev->nargs && i < 64; i++) {
				int n = bare_param(ev->args[i].path);
				if (n >= 0 && (d & (1ull << i)))
					m |= 1ull << n;
			}
		}
	return m;
}

void constargs_build(struct analysis *a)
{
	int n = a->ix.nfns;
	uint64_t *d = xcalloc((size_t)(n ? n : 1), sizeof *d);
	int any = 0;
	for (int k = 0; k < n; k++)
		any |= (d[k] = tested_here(a->ix.fns[k].fn)) != 0;
	for (int changed = any; changed;) {
		changed = 0;
		for (int k = 0; k < n; k++) {
			uint64_t m = d[k] | passed_on(a, k, d);
			if (m != d[k]) {
				d[k] = m;
				changed = 1;
			}
		}
	}
	a->param_decides = d;
}

void constargs_free(struct analysis *a)
{
	free(a->param_decides);
}

int constargs_keep(const struct analysis *a, int callee, int i)
{
	return a->param_decides && i < 64 && (a->param_decides[callee] & (1ull << i));
}

int constargs_assume(const struct activation *f, const struct event *ev, struct lstate *s)
{
	int n;
	char op;
	long long k;
	if ((ev->flags & EVF_KILL) || !parse_atom(ev->path, &n, &op, &k))
		return 0;
	/* Undecided, the test says nothing: no atom (a lock state tied to a parameter tested
	 * once would read as tied to what the function returns). */
	if (n >= f->nargs || !f->args[n].path || f->args[n].path[0] != '#')
		return 1;
	char *end;
	long long v = strtoll(f->args[n].path + 1, &end, 10);
	if (*end)
		return 1;
	int value = op == '=' ? v == k : (v & k) != 0;
	if (value != ((ev->flags & EVF_TRUE) != 0))
		ls_bottom(s);          /* the constant rules this branch out */
	return 1;
}
