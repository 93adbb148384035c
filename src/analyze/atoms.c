/* atoms.c — condition atoms for correlated branches: what the extractor's ASSUME events
 * name ("v:flag", "r:POS") becomes one number per function, so that if (c) lock(…); …
 * if (c) unlock(…); is one path each way. A function's return value is its atom "$ret"
 * (known on returns of 0/NULL or of an address); after a call it becomes the caller's
 * atom "r:POS" of that call, so a trylock helper returning the lock or a status decides the
 * caller's branch like pthread_mutex_trylock does. Atoms of a function never leave it. */
#include <stdlib.h>

#include "internal.h"

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

/* Before a call: the result of its previous execution (a loop) is forgotten. */
void atoms_before_call(struct analysis *a, const struct activation *f, const struct event *call,
                       struct lstate *s)
{
	if (!s->nas && !s->n)
		return;
	char buf[16];
	int atom = atom_of(a, f->fn_index, call_atom_name(call, buf), 0);
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
	char buf[16];
	struct rename r = {
		a, callee->fn_index, atom_of(a, callee->fn_index, "$ret", 0),
		atom_of(a, callee->caller->fn_index, call_atom_name(callee->call, buf), 1),
	};
	ls_map_atoms(out, rename_callee_atom, &r);
}

void atoms_free(struct analysis *a)
{
	keymap_free(&a->atoms);
	free(a->atom_fn);
}
