/* program.c — the index of every function definition across translation units, and which
 * definition a call reaches.
 *
 * A compile_commands.json often holds several executables (tests, tools) whose translation
 * units each define main and may reuse names such as `worker`. A TU that defines main is
 * taken to be its own executable: its definitions are visible only to itself, while TUs
 * without main are library code every executable may call (and which may call back a
 * function that exactly one executable defines). */
#include <stdlib.h>

#include "internal.h"

static int defines_main(const struct tu_facts *tu)
{
	for (int i = 0; i < tu->nfuncs; i++)
		if (str_eq(tu->funcs[i].name, "main") && !(tu->funcs[i].flags & FNF_STATIC))
			return 1;
	return 0;
}

void index_build(struct program_index *ix, struct tu_facts *tus, int ntus)
{
	int total = 0;
	for (int t = 0; t < ntus; t++)
		total += tus[t].nfuncs;
	ix->tus = tus;
	ix->ntus = ntus;
	ix->fns = xcalloc((size_t)total, sizeof *ix->fns);
	ix->next_same_usr = xcalloc((size_t)total, sizeof *ix->next_same_usr);
	ix->tu_has_main = xcalloc((size_t)ntus, sizeof *ix->tu_has_main);
	ix->nfns = 0;
	for (int t = 0; t < ntus; t++) {
		ix->tu_has_main[t] = defines_main(&tus[t]);
		for (int i = 0; i < tus[t].nfuncs; i++) {
			int k = ix->nfns++;
			ix->fns[k].fn = &tus[t].funcs[i];
			ix->fns[k].tu = t;
			ix->next_same_usr[k] = -1;
			int first;
			const char *usr = tus[t].funcs[i].usr;
			if (!usr)
				continue;
			if (!keymap_get_str(&ix->by_usr, usr, &first)) {
				keymap_put_str(&ix->by_usr, usr, k);
				continue;
			}
			while (ix->next_same_usr[first] >= 0)
				first = ix->next_same_usr[first];
			ix->next_same_usr[first] = k;
		}
	}
}

void index_free(struct program_index *ix)
{
	keymap_free(&ix->by_usr);
	keymap_free(&ix->callee_of);
	for (int k = 0; ix->callee_at && k < ix->nfns; k++)
		free(ix->callee_at[k]);
	free(ix->callee_at);
	free(ix->fns);
	free(ix->next_same_usr);
	free(ix->tu_has_main);
}

const struct fn_ref *index_resolve(const struct program_index *ix, const char *usr, int from_tu)
{
	int k;
	if (!usr || !keymap_get_str(&ix->by_usr, usr, &k))
		return NULL;
	const struct fn_ref *library = NULL, *in_main = NULL;
	int mains = 0;
	for (; k >= 0; k = ix->next_same_usr[k]) {
		const struct fn_ref *r = &ix->fns[k];
		if (r->tu == from_tu)
			return r;
		/* A header's inline/static function parsed in several TUs: same file, any copy. */
		if (!library && (!ix->tu_has_main[r->tu] || (r->fn->flags & FNF_STATIC)))
			library = r;
		else if (ix->tu_has_main[r->tu] && !(r->fn->flags & FNF_STATIC) && !ix->tu_has_main[from_tu]) {
			in_main = r;
			mains++;
		}
	}
	/* Library code calling back into the one executable that defines the function (a
	 * shutdown helper in main's file): only that executable can link it. */
	return library ? library : mains == 1 ? in_main : NULL;
}

const struct fn_ref *index_resolve_call(struct program_index *ix, const struct event *ev, int from_tu)
{
	struct hkey k = hkey_of_pointer(ev);
	int v;
	if (keymap_get(&ix->callee_of, k, &v))
		return v ? &ix->fns[v - 1] : NULL;
	const struct fn_ref *r = index_resolve(ix, ev->callee, from_tu);
	keymap_put(&ix->callee_of, k, r ? index_of_ref(ix, r) + 1 : 0);
	return r;
}

/* Per event pos of definition k: 1 + the index of the definition its call reaches, 0 for
 * none, -1 when two calls share the pos (then resolved by event). */
static int *callees_of(struct program_index *ix, int k)
{
	const struct function *fn = ix->fns[k].fn;
	int *at = xcalloc((size_t)fn_max_pos(fn) + 1, sizeof *at);
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_CALL)
				continue;
			const struct fn_ref *r = index_resolve_call(ix, ev, ix->fns[k].tu);
			int v = r ? index_of_ref(ix, r) + 1 : 0;
			at[ev->pos] = at[ev->pos] && at[ev->pos] != v ? -1 : v;
		}
	return at;
}

const struct fn_ref *index_callee_at(struct program_index *ix, int k, const struct event *ev)
{
	if (!ix->callee_at)
		ix->callee_at = xcalloc((size_t)(ix->nfns ? ix->nfns : 1), sizeof *ix->callee_at);
	if (!ix->callee_at[k])
		ix->callee_at[k] = callees_of(ix, k);
	int v = ix->callee_at[k][ev->pos];
	return v > 0 ? &ix->fns[v - 1] : v < 0 ? index_resolve_call(ix, ev, ix->fns[k].tu) : NULL;
}

/* Whether TU tu's code is part of the program whose main is in TU home: its own main unit
 * and every unit without main (library code); another executable's main unit is never
 * linked into it (a test program's callback, or what that test stores in a struct of the
 * library both use, is no target of the tool's calls through that struct). home < 0, or a
 * TU without main (library code walked as its own root): any; tu < 0: library code. */
int index_in_program(const struct program_index *ix, int home, int tu)
{
	return home < 0 || !ix->tu_has_main[home] || tu < 0 || tu == home || !ix->tu_has_main[tu];
}

int index_of_ref(const struct program_index *ix, const struct fn_ref *r)
{
	return (int)(r - ix->fns);
}
