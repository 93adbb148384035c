/* fnptr_paths.c — function pointers kept in structs embedded by value, followed by where
 * they sit rather than by their field alone. liblzma's coders each embed an
 * `lzma_next_coder` (a "vtable": code, end, …) and fill it in an init function through a
 * parameter (`next->code = &block_decode` in lzma_block_decoder_init(lzma_next_coder *next)),
 * called with the container (`lzma_block_decoder_init(&thr->block_decoder, …)`). By field
 * alone, `thr->block_decoder.code(…)` may run every function any coder stores in any
 * `code`, the caller's own one included; by container it runs what was stored through
 * `struct worker_thread.block_decoder`.
 *
 * Slots added to fnptr.c's graph (flow-insensitive, solved with it):
 *   Q|K|N|.f.g   what function K stores into p:N*.f.g: flows to each caller's argument N,
 *                into its container (T|CONTAINER.f.g) when the argument is &x->m, into the
 *                caller's own parameter (Q|C|M|…) when it passes p:M or &p:M*.m on; with no
 *                caller, or any other argument, into U
 *   T|CONTAINER  what is stored into a member reached through an embedded struct
 *   U|FIELD      what is stored into FIELD where the container is unknown: any call may
 *                run it
 *   C|CONTAINER  a call through CONTAINER runs T|CONTAINER and U|its field
 * Each slot is made once and each caller of its function looked at once per slot: linear
 * in the stores times the call sites of the functions storing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnptr_slots.h"

#define MAX_FIELDS 6   /* a parameter's member passed on deeper than this: unknown container */

struct site {
	int caller;
	const struct event *ev;
};

struct sites {
	struct site *v;
	int n, cap;
};

struct qslot {
	int k, n, slot;
	char *chain, *field;
};

struct fnptr_paths {
	struct sites *callers;   /* per definition: the calls that may run it */
	struct qslot *q;
	int nq, capq;
};

/* The container api gives argument `which` ("0", "1", …, "*" the called pointer), or NULL. */
static char *container_at(const char *api, const char *which)
{
	size_t w = strlen(which);
	for (const char *s = api; s && *s;) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len > w && !strncmp(s, which, w) && s[w] == '=')
			return xstrndup(s + w + 1, len - w - 1);
		s = end ? end + 1 : NULL;
	}
	return NULL;
}

static void add_site(struct sites *s, int caller, const struct event *ev)
{
	if (s->n && s->v[s->n - 1].caller == caller && s->v[s->n - 1].ev == ev)
		return;   /* the same definition stored by two programs: one call */
	grow_array((void **)&s->v, &s->cap, s->n, sizeof *s->v);
	s->v[s->n++] = (struct site){caller, ev};
}

/* A call that may run a definition: remembered for it. */
static void note_caller(struct fnptr *p, const struct program_index *ix, int k, const struct event *ev)
{
	struct sites *callers = p->paths->callers;
	if (ev->callee) {
		const struct fn_ref *r = index_resolve(ix, ev->callee, ix->fns[k].tu);
		if (r)
			add_site(&callers[index_of_ref(ix, r)], k, ev);
		return;
	}
	const struct slot *s = fnptr_slot_of_call(p, k, ev->arg, ev->type);
	for (int i = 0; s && i < s->n; i++)
		add_site(&callers[s->fns[i]], k, ev);
}

static int count_fields(const char *chain)
{
	int n = 0;
	for (; *chain; chain++)
		n += *chain == '.';
	return n;
}

static int named_slot(struct fnptr *p, const char *kind, const char *name)
{
	char *key = xasprintf("%s|%s", kind, name);
	int i = fnptr_slot(p, key, 1);
	free(key);
	return i;
}

/* The slot of what function k stores into p:n*CHAIN (made once, then queued). */
static int param_member_slot(struct fnptr *p, int k, int n, const char *chain, const char *field)
{
	struct fnptr_paths *q = p->paths;
	if (count_fields(chain) > MAX_FIELDS)
		return named_slot(p, "U", field);
	char *key = xasprintf("Q|%d|%d|%s", k, n, chain);
	int known = fnptr_slot(p, key, 0), i = known >= 0 ? known : fnptr_slot(p, key, 1);
	free(key);
	if (known < 0) {
		grow_array((void **)&q->q, &q->capq, q->nq, sizeof *q->q);
		q->q[q->nq++] = (struct qslot){k, n, i, xstrdup(chain), xstrdup(field)};
	}
	return i;
}

/* "p:N*.f.g" (members reached by value from what parameter N points to): N and ".f.g". */
static int param_member(const char *path, int *n, const char **chain)
{
	if (!path || !str_starts(path, "p:"))
		return 0;
	char *end;
	long v = strtol(path + 2, &end, 10);
	if (end == path + 2 || *end != '*' || strpbrk(end + 1, "*[&"))
		return 0;
	*n = (int)v;
	*chain = end + 1;
	return 1;
}

/* "l:F:v.f.g" (members reached by value from a variable): a container the program names. */
static int variable_member(const char *path)
{
	return path && (str_starts(path, "l:") || str_starts(path, "g:") || str_starts(path, "s:") ||
	                str_starts(path, "fs:")) && !strpbrk(path, "*[&@");
}

static int variable_slot(struct fnptr *p, const char *path, const char *chain)
{
	char *v = xasprintf("%s%s", path, chain);
	int i = named_slot(p, "V", v);
	free(v);
	return i;
}

static void note_store(struct fnptr *p, const struct program_index *ix, int k, const struct event *ev)
{
	if (!ev->type || !ev->arg)
		return;
	int n, to;
	const char *chain;
	if (ev->lock_class)   /* in a struct embedded by value: its container */
		to = named_slot(p, "T", ev->lock_class);
	else if (variable_member(ev->path))
		to = variable_slot(p, ev->path, "");
	else if (param_member(ev->path, &n, &chain) && *chain)
		to = param_member_slot(p, k, n, chain, ev->type);
	else
		to = named_slot(p, "U", ev->type);
	fnptr_flow(p, ix, k, ev->arg, ev->api, to);
}

/* Where what q's function stores through its parameter goes at one call of it. */
static int at_caller(struct fnptr *p, const struct qslot *q, const struct site *s)
{
	const struct event *ev = s->ev;
	if (q->n >= ev->nargs)
		return -1;
	char digits[16];
	snprintf(digits, sizeof digits, "%d", q->n);
	char *c = container_at(ev->api, digits);
	if (c) {
		char *t = xasprintf("%s%s", c, q->chain);
		int i = named_slot(p, "T", t);
		free(t);
		free(c);
		return i;
	}
	const char *arg = ev->args[q->n].path, *chain;
	int m;
	if (arg && fnptr_is_param(arg, &m))
		return param_member_slot(p, s->caller, m, q->chain, q->field);
	if (arg && arg[0] == '&' && variable_member(arg + 1))
		return variable_slot(p, arg + 1, q->chain);
	if (arg && arg[0] == '&' && param_member(arg + 1, &m, &chain)) {
		char *longer = xasprintf("%s%s", chain, q->chain);
		int i = param_member_slot(p, s->caller, m, longer, q->field);
		free(longer);
		return i;
	}
	return named_slot(p, "U", q->field);
}

static void follow_params(struct fnptr *p)
{
	struct fnptr_paths *q = p->paths;
	for (int i = 0; i < q->nq; i++) {   /* q->q grows as callers pass their parameters on */
		const struct sites *s = &q->callers[q->q[i].k];
		if (!s->n)   /* called only where tsafe does not see: any container */
			fnptr_edge(p, q->q[i].slot, named_slot(p, "U", q->q[i].field));
		for (int j = 0; j < s->n; j++) {
			struct qslot cur = q->q[i];
			int to = at_caller(p, &cur, &s->v[j]);
			if (to >= 0)
				fnptr_edge(p, cur.slot, to);
		}
	}
}

/* C|CONTAINER for a call through a member of an embedded struct or of a variable. */
static void note_container_call(struct fnptr *p, const struct event *ev)
{
	if (ev->callee || !ev->type)
		return;
	char *c = container_at(ev->api, "*");
	if (!c && variable_member(ev->arg))
		c = xasprintf("V|%s", ev->arg);
	if (!c)
		return;
	int call = named_slot(p, "C", c);
	if (str_starts(c, "V|"))
		fnptr_edge(p, named_slot(p, "V", c + 2), call);
	else
		fnptr_edge(p, named_slot(p, "T", c), call);
	fnptr_edge(p, named_slot(p, "U", ev->type), call);
	free(c);
}

void fnptr_paths_build(struct fnptr *p, const struct program_index *ix)
{
	p->paths = xcalloc(1, sizeof *p->paths);
	p->paths->callers = xcalloc((size_t)(ix->nfns ? ix->nfns : 1), sizeof *p->paths->callers);
	for (int k = 0; k < ix->nfns; k++) {
		const struct function *fn = ix->fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind == EV_STORE) {
					note_store(p, ix, k, ev);
				} else if (ev->kind == EV_CALL) {
					note_caller(p, ix, k, ev);
					note_container_call(p, ev);
				}
			}
	}
	follow_params(p);
}

const struct slot *fnptr_paths_call(struct fnptr *p, const char *api, const char *slot)
{
	char *c = container_at(api, "*");
	if (!c && variable_member(slot))
		c = xasprintf("V|%s", slot);
	if (!c)
		return NULL;
	char *key = xasprintf("C|%s", c);
	int i = fnptr_slot(p, key, 0);
	free(key);
	free(c);
	return i >= 0 && p->slots[i].n ? &p->slots[i] : NULL;
}

void fnptr_paths_free(struct fnptr *p, int nfns)
{
	struct fnptr_paths *q = p->paths;
	if (!q)
		return;
	for (int i = 0; q->callers && i < nfns; i++)
		free(q->callers[i].v);
	free(q->callers);
	for (int i = 0; i < q->nq; i++) {
		free(q->q[i].chain);
		free(q->q[i].field);
	}
	free(q->q);
	free(q);
	p->paths = NULL;
}
