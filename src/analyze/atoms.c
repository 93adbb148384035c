/* atoms.c — condition atoms for correlated branches: what the extractor's ASSUME events
 * name ("v:flag", "r:POS") becomes one number per function, so that if (c) lock(…); …
 * if (c) unlock(…); is one path each way. A function's return value is its atom "$ret"
 * (known on returns of 0/NULL or of an address); after a call it becomes the caller's
 * atom "r:POS" of that call, so a trylock helper returning the lock or a status decides the
 * caller's branch like pthread_mutex_trylock does. Atoms of a function never leave it. */
#include <stdlib.h>

#include "internal.h"

static void cache_created(struct analysis *a, int fn_index, const char *name, int id);

/* The atom of name in the function at fn_index; 0 when absent and not to be created. */
static int atom_of(struct analysis *a, int fn_index, const char *name, int create)
{
	kb_reset(&a->kb);
	kb_int(&a->kb, fn_index);
	kb_str(&a->kb, name);
	struct hkey k = kb_hash(&a->kb);
	int id;
	if (keymap_get(&a->atoms, k, &id))
		return id;
	if (!create)
		return 0;
	grow_array((void **)&a->atom_fn, &a->cap_atoms, a->natoms + 1, sizeof *a->atom_fn);
	id = ++a->natoms;                     /* 0 means "no atom" */
	a->atom_fn[id] = fn_index;
	keymap_put(&a->atoms, k, id);
	cache_created(a, fn_index, name, id);
	return id;
}

void atoms_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                  struct lstate *s)
{
	if (!ev->path || str_starts(ev->path, "o:") ||   /* tested once: onceguard.c's */
	    constargs_assume(f, ev, s))
		return;
	if (ev->flags & EVF_KILL) {
		int atom = atom_of(a, f->fn_index, ev->path, 0);
		if (atom)
			ls_kill(s, atom);
		return;
	}
	ls_assume(s, atom_of(a, f->fn_index, ev->path, 1), (ev->flags & EVF_TRUE) != 0);
}

/* ret ⊔= the state at a RETURN, with the value it returns when that is known. */
void atoms_join_return(struct analysis *a, const struct activation *f, const struct event *ev,
                       struct lstate *ret, const struct lstate *at)
{
	if (!(ev->flags & (EVF_RET_ZERO | EVF_RET_NONZERO))) {
		ls_join(ret, at);
		return;
	}
	struct lstate tmp;
	ls_init(&tmp, at->dflt);
	ls_copy(&tmp, at);
	ls_assume(&tmp, atom_of(a, f->fn_index, "$ret", 1), (ev->flags & EVF_RET_NONZERO) != 0);
	ls_join(ret, &tmp);
	ls_free(&tmp);
}

/* "r:POS", the extractor's name of a call's result, written into buf (no allocation: this
 * runs before and after every call the analysis walks). */
static const char *call_atom_name(const struct event *call, char buf[16])
{
	char digits[12];
	int n = 0;
	unsigned v = call->pos < 0 ? 0u - (unsigned)call->pos : (unsigned)call->pos;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 11);
	char *p = buf;
	*p++ = 'r';
	*p++ = ':';
	if (call->pos < 0)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	*p = '\0';
	return buf;
}

/* atom_of for the result of a call event of function fn_index, and for its own "$ret",
 * remembered by the call's pos (ABSENT: not made yet; atom_of fills in what it makes):
 * asked before and after every call walked. */
enum { UNKNOWN = 0, ABSENT = -1 };

static int *call_atoms_of(struct analysis *a, int fn_index)
{
	if (!a->call_atoms) {
		a->call_atoms = xcalloc((size_t)a->ix.nfns, sizeof *a->call_atoms);
		a->ret_atoms = xcalloc((size_t)a->ix.nfns, sizeof *a->ret_atoms);
	}
	int **at = &a->call_atoms[fn_index];
	if (!*at) {
		int n = fn_max_pos(a->ix.fns[fn_index].fn) + 1;
		*at = xcalloc((size_t)n + 1, sizeof **at);
		**at = n;                 /* [0]: how many; pos p at [p + 1] */
	}
	return *at;
}

static void cache_created(struct analysis *a, int fn_index, const char *name, int id)
{
	if (str_eq(name, "$ret") && a->ret_atoms)
		a->ret_atoms[fn_index] = id;
	else if (str_starts(name, "r:") && a->call_atoms && a->call_atoms[fn_index]) {
		char *end;
		long pos = strtol(name + 2, &end, 10);
		int *at = a->call_atoms[fn_index];
		if (!*end && end != name + 2 && pos >= 0 && pos < at[0] && name[2] != '+' && name[2] != ' ')
			at[pos + 1] = id;
	}
}

static int call_atom(struct analysis *a, int fn_index, const struct event *call, int create)
{
	int *at = call_atoms_of(a, fn_index);
	int v = at[call->pos + 1];
	if (v > 0 || (v == ABSENT && !create))
		return v > 0 ? v : 0;
	char buf[16];
	v = atom_of(a, fn_index, call_atom_name(call, buf), create);
	at[call->pos + 1] = v ? v : ABSENT;
	return v;
}

static int ret_atom(struct analysis *a, int fn_index)
{
	call_atoms_of(a, fn_index);
	int v = a->ret_atoms[fn_index];
	if (v == UNKNOWN) {
		v = atom_of(a, fn_index, "$ret", 0);
		a->ret_atoms[fn_index] = v ? v : ABSENT;
	}
	return v > 0 ? v : 0;
}

/* Before a call: the result of its previous execution (a loop) is forgotten. */
void atoms_before_call(struct analysis *a, const struct activation *f, const struct event *call,
                       struct lstate *s)
{
	if (!s->nas && !s->n)
		return;
	int atom = call_atom(a, f->fn_index, call, 0);
	if (atom)
		ls_kill(s, atom);
}

struct rename {
	const struct analysis *a;
	int callee, ret, result;
};

static int rename_callee_atom(int atom, void *ctx)
{
	const struct rename *r = ctx;
	if (atom == r->ret)
		return r->result;
	return r->a->atom_fn[atom] == r->callee ? 0 : atom;
}

/* After a call: the callee's return value is the call's result; its other atoms end. */
void atoms_after_call(struct analysis *a, const struct activation *callee, struct lstate *out)
{
	if (!out->nas && !out->n)
		return;
	struct rename r = {
		a, callee->fn_index, ret_atom(a, callee->fn_index),
		call_atom(a, callee->caller->fn_index, callee->call, 1),
	};
	ls_map_atoms(out, rename_callee_atom, &r);
}

void atoms_free(struct analysis *a)
{
	keymap_free(&a->atoms);
	free(a->atom_fn);
	for (int k = 0; a->call_atoms && k < a->ix.nfns; k++)
		free(a->call_atoms[k]);
	free(a->call_atoms);
	free(a->ret_atoms);
}
