/* fnptr.c — what a call through a function pointer, or a pthread_create whose start
 * routine is not a function name, may run.
 *
 * Two layers, the exact one first:
 *   - in context: a frame's arguments carry function values ("fn:USR"), so a wrapper's
 *     pthread_create(&t, 0, start, arg) starts its caller's function; and the walk records
 *     what each object was given (aux->start = start, in root terms), so a trampoline that
 *     calls aux->start(aux->arg) in the new thread is seen through to the function it runs.
 *   - program-wide, flow-insensitive: every function stored into a field (of that struct
 *     type), a variable or an array, or passed as an argument, flows to every call through
 *     that field, variable or parameter (EV_STORE and call facts, solved once). A call it
 *     resolves to several functions reaches them as alternatives.
 * Creation sites whose routine neither layer resolves are remembered: the scan says so. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fnptr_slots.h"

/* ---- program-wide slots --------------------------------------------------------------- */

int fnptr_slot(struct fnptr *p, const char *key, int create)
{
	int i;
	if (keymap_get_str(&p->slot_of, key, &i))
		return i;
	if (!create)
		return -1;
	grow_array((void **)&p->slots, &p->cap, p->nslots, sizeof *p->slots);
	i = p->nslots++;
	memset(&p->slots[i], 0, sizeof p->slots[i]);
	keymap_put_str(&p->slot_of, key, i);
	return i;
}

int fnptr_is_param(const char *path, int *n)
{
	if (!str_starts(path, "p:"))
		return 0;
	char *end;
	long v = strtol(path + 2, &end, 10);
	if (end == path + 2 || *end)
		return 0;
	*n = (int)v;
	return 1;
}

/* The slot a pointer object names in function k: its field, the parameter itself, or a
 * variable (array elements are the array). -1 when it names none. */
static int slot_for(struct fnptr *p, int k, const char *path, const char *field, int create)
{
	char *key = NULL;
	int n;
	if (field && *field) {
		key = xasprintf("F|%s", field);
	} else if (path && fnptr_is_param(path, &n)) {
		key = xasprintf("P|%d|%d", k, n);
	} else if (path) {
		const char *s = path + (path[0] == '&');
		if (!str_starts(s, "g:") && !str_starts(s, "s:") && !str_starts(s, "fs:") && !str_starts(s, "l:"))
			return -1;
		struct strbuf sb;
		sb_init(&sb);
		sb_add(&sb, "V|");
		for (; *s; s++)
			if (!(s[0] == '[' && s[1] == ']') && !(s[0] == ']' && s > path && s[-1] == '['))
				sb_addc(&sb, *s);
		key = sb_detach(&sb);
	}
	if (!key)
		return -1;
	int i = fnptr_slot(p, key, create);
	free(key);
	return i;
}

static int param_slot(struct fnptr *p, int k, int n, int create)
{
	char *key = xasprintf("P|%d|%d", k, n);
	int i = fnptr_slot(p, key, create);
	free(key);
	return i;
}

static int add_fn(struct slot *s, int fn, int origin)
{
	for (int i = 0; i < s->n; i++)
		if (s->fns[i] == fn && s->origin[i] == origin)
			return 0;
	int cap = s->cap;
	grow_array((void **)&s->fns, &s->cap, s->n, sizeof *s->fns);
	if (s->cap != cap)
		s->origin = xrealloc(s->origin, (size_t)s->cap * sizeof *s->origin);
	s->origin[s->n] = origin;
	s->fns[s->n++] = fn;
	return 1;
}

void fnptr_edge(struct fnptr *p, int from, int to)
{
	struct slot *s = &p->slots[from];
	if (from == to)
		return;
	for (int i = 0; i < s->nsucc; i++)
		if (s->succ[i] == to)
			return;
	grow_array((void **)&s->succ, &s->capsucc, s->nsucc, sizeof *s->succ);
	s->succ[s->nsucc++] = to;
}

/* Calls fn(definition, data) for each function a value names ("fn:U", or "fn:U1 fn:U2" for
 * c ? f1 : f2) that the program defines. Returns 0 when the value names no function. */
static int each_function(const struct program_index *ix, const char *value, int tu,
                         void (*fn)(const struct fn_ref *, void *), void *data)
{
	if (!value || !str_starts(value, "fn:"))
		return 0;
	for (const char *p = value; p && str_starts(p, "fn:");) {
		const char *end = strchr(p, ' ');
		char *usr = end ? xstrndup(p + 3, (size_t)(end - p - 3)) : xstrdup(p + 3);
		const struct fn_ref *r = index_resolve(ix, usr, tu);
		free(usr);
		if (r)
			fn(r, data);
		p = end ? end + 1 : NULL;
	}
	return 1;
}

struct into_slot {
	const struct program_index *ix;
	struct slot *s;
	int origin;
};

static void add_to_slot(const struct fn_ref *r, void *data)
{
	struct into_slot *t = data;
	add_fn(t->s, index_of_ref(t->ix, r), t->origin);
}

/* A value flows into slot `to`: functions directly (stored by the program whose main unit
 * k is in, or by library code), or whatever slot `from` holds. */
void fnptr_flow(struct fnptr *p, const struct program_index *ix, int k, const char *value,
                 const char *field, int to)
{
	if (to < 0 || !value)
		return;
	int tu = ix->fns[k].tu;
	struct into_slot t = {ix, &p->slots[to], ix->tu_has_main[tu] ? tu : -1};
	if (each_function(ix, value, ix->fns[k].tu, add_to_slot, &t))
		return;
	int from = slot_for(p, k, value, field, 1);
	if (from >= 0)
		fnptr_edge(p, from, to);
}

static void call_flows(struct fnptr *p, const struct program_index *ix, int k, const struct event *ev,
                       int callee)
{
	for (int i = 0; i < ev->nargs; i++) {
		const char *v = ev->args[i].path;
		int n;
		if (v && (str_starts(v, "fn:") || fnptr_is_param(v, &n)))
			fnptr_flow(p, ix, k, v, NULL, param_slot(p, callee, i, 1));
	}
}

void fnptr_solve(struct fnptr *p)
{
	int *work = xcalloc((size_t)(p->nslots ? p->nslots : 1), sizeof *work), nw = 0;
	unsigned char *queued = xcalloc((size_t)(p->nslots ? p->nslots : 1), 1);
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].n) {
			work[nw++] = i;
			queued[i] = 1;
		}
	while (nw) {
		int s = work[--nw];
		queued[s] = 0;
		for (int j = 0; j < p->slots[s].nsucc; j++) {
			int t = p->slots[s].succ[j], grew = 0;
			for (int f = 0; f < p->slots[s].n; f++)
				grew |= add_fn(&p->slots[t], p->slots[s].fns[f], p->slots[s].origin[f]);
			if (grew && !queued[t]) {
				queued[t] = 1;
				work[nw++] = t;
			}
		}
	}
	free(work);
	free(queued);
}

const struct slot *fnptr_slot_of_call(struct fnptr *p, int k, const char *path, const char *field)
{
	int i = slot_for(p, k, path, field, 0);
	return i < 0 ? NULL : &p->slots[i];
}

/* Arguments of calls through pointers reach the parameters of every candidate: a second
 * round once the first has said which candidates there are. */
static void pointer_call_flows(struct fnptr *p, const struct program_index *ix)
{
	for (int k = 0; k < ix->nfns; k++) {
		const struct function *fn = ix->fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind != EV_CALL || ev->callee || !ev->arg || !ev->nargs)
					continue;
				const struct slot *s = fnptr_slot_of_call(p, k, ev->arg, ev->type);
				for (int i = 0; s && i < s->n; i++) {
					int callee = s->fns[i];
					call_flows(p, ix, k, ev, callee);
					s = fnptr_slot_of_call(p, k, ev->arg, ev->type);   /* slots may have moved */
				}
			}
	}
}

void fnptr_build(struct analysis *a)
{
	struct fnptr *p = xcalloc(1, sizeof *p);
	const struct program_index *ix = &a->ix;
	a->fnptr = p;
	for (int k = 0; k < ix->nfns; k++) {
		const struct function *fn = ix->fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind == EV_STORE) {
					fnptr_flow(p, ix, k, ev->arg, ev->api, slot_for(p, k, ev->path, ev->type, 1));
				} else if (ev->kind == EV_CALL && ev->callee && ev->nargs) {
					const struct fn_ref *r = index_resolve(ix, ev->callee, ix->fns[k].tu);
					if (r)
						call_flows(p, ix, k, ev, index_of_ref(ix, r));
				}
			}
	}
	fnptr_solve(p);
	pointer_call_flows(p, ix);
	fnptr_paths_build(p, ix);
	fnptr_solve(p);
}

/* ---- in context: what each object was given ----------------------------------------- */

static struct value_list *stored_values(struct fnptr *p, const char *object, int create)
{
	int i;
	if (keymap_get_str(&p->stored, object, &i))
		return &p->vals[i];
	if (!create)
		return NULL;
	grow_array((void **)&p->vals, &p->capvals, p->nvals, sizeof *p->vals);
	i = p->nvals++;
	memset(&p->vals[i], 0, sizeof p->vals[i]);
	keymap_put_str(&p->stored, object, i);
	return &p->vals[i];
}

static void add_value(struct value_list *l, const char *v)
{
	for (int i = 0; i < l->n; i++)
		if (str_eq(l->v[i], v))
			return;
	grow_array((void **)&l->v, &l->cap, l->n, sizeof *l->v);
	l->v[l->n++] = xstrdup(v);
}

int fnptr_stored_into(const struct analysis *a, const char *object)
{
	return a->fnptr && stored_values(a->fnptr, object, 0) != NULL;
}

void fnptr_note_store(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED || !ev->path || !ev->arg)
		return;
	char *dest = frame_path(f, ev->path);
	char *value = str_starts(ev->arg, "fn:") ? xstrdup(ev->arg) : frame_path(f, ev->arg);
	if (dest && value) {
		/* Copied from another object: what that one was given, if known. */
		struct value_list *from = str_starts(value, "fn:") ? NULL : stored_values(a->fnptr, value, 0);
		int nfrom = from ? from->n : 0;
		char **copy = xcalloc((size_t)(nfrom ? nfrom : 1), sizeof *copy);
		for (int i = 0; i < nfrom; i++)
			copy[i] = xstrdup(from->v[i]);
		struct value_list *to = stored_values(a->fnptr, dest, 1);
		if (!nfrom)
			add_value(to, value);
		for (int i = 0; i < nfrom; i++) {
			add_value(to, copy[i]);
			free(copy[i]);
		}
		free(copy);
	}
	free(dest);
	free(value);
}

struct targets {
	const struct fn_ref **v;
	int n, cap;
};

static void push_target(const struct fn_ref *r, void *data)
{
	struct targets *t = data;
	for (int i = 0; i < t->n; i++)
		if (t->v[i] == r)
			return;
	grow_array((void **)&t->v, &t->cap, t->n, sizeof *t->v);
	t->v[t->n++] = r;
}

/* Functions the root-terms value v designates: itself, or what its object was given. */
static void context_targets(struct analysis *a, const char *v, int tu, struct targets *t)
{
	if (each_function(&a->ix, v, tu, push_target, t))
		return;
	const struct value_list *l = stored_values(a->fnptr, v, 0);
	for (int i = 0; l && i < l->n; i++)
		each_function(&a->ix, l->v[i], tu, push_target, t);
}

/* The TU of the main the walk's program starts from, or -1 where frames are shared by
 * several programs' walks (isolated walks, library entry points: one memo for all). The
 * program-wide slots hold what every executable of the compile database stored; a call
 * runs only what its own program links and stores. */
static int program_home(const struct analysis *a, const struct activation *f)
{
	const struct context *c = f->ctx;
	if (c->kind == CTX_ISOLATED || c->shares_frames)
		return -1;
	const struct context *root = a->ctxs[c->program];
	return root->entry ? root->entry->tu : -1;
}

int fnptr_targets(struct analysis *a, const struct activation *f, const char *slot,
                  const char *field, const char *containers, const struct fn_ref ***out)
{
	struct targets t = {0};
	*out = NULL;
	if (!slot && !field)
		return 0;
	char *v = slot ? frame_path(f, slot) : NULL;
	const char *bound = v ? bindings_value(f->ctx, v) : NULL;
	if (bound)
		each_function(&a->ix, bound, f->tu, push_target, &t);
	else if (v)
		context_targets(a, v, f->tu, &t);
	free(v);
	if (!t.n) {
		const struct slot *s = fnptr_paths_call(a->fnptr, containers, slot);
		if (!s)
			s = fnptr_slot_of_call(a->fnptr, f->fn_index, slot, field);
		int home = program_home(a, f);
		for (int i = 0; s && i < s->n; i++)
			if (index_in_program(&a->ix, home, a->ix.fns[s->fns[i]].tu) &&
			    index_in_program(&a->ix, home, s->origin[i]))
				push_target(&a->ix.fns[s->fns[i]], &t);
	}
	*out = t.v;
	return t.n;
}

/* A thread entry that runs a function its argument carries (ignition(arg) calls
 * ((struct capsule *)arg)->probe(capsule->payload)) when the walk saw which one the creator
 * stored there: that function is the real entry, started with what the creator stored as
 * its argument. */
int fnptr_trampoline(struct analysis *a, const struct fn_ref *entry, const char *targ,
                     const struct fn_ref **run, char **run_arg)
{
	if (!targ)
		return 0;
	struct call_arg arg0 = {.path = (char *)targ};
	const struct function *fn = entry->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			/* Unresolved, or one of the candidates the extractor saw: each names the
			 * pointer object, and what the creator gave that object decides. */
			if (ev->kind != EV_CALL || !(ev->flags & EVF_VIA_POINTER) || !ev->arg ||
			    !str_starts(ev->arg, "p:0"))
				continue;
			char *obj = path_substitute(ev->arg, &arg0, 1);
			struct targets t = {0};
			if (obj)
				context_targets(a, obj, entry->tu, &t);
			free(obj);
			if (t.n == 1)
				*run = t.v[0];
			free(t.v);
			if (t.n != 1)
				continue;
			char *x = ev->nargs ? path_substitute(ev->args[0].path, &arg0, 1) : NULL;
			const struct value_list *l = x ? stored_values(a->fnptr, x, 0) : NULL;
			*run_arg = l && l->n == 1 && !str_starts(l->v[0], "fn:") ? xstrdup(l->v[0]) : x;
			if (*run_arg != x)
				free(x);
			return 1;
		}
	return 0;
}

void fnptr_note_unresolved(struct analysis *a, const struct activation *f, const struct event *ev)
{
	struct fnptr *p = a->fnptr;
	if (keymap_get(&p->unresolved, hkey_of_pointer(ev), NULL))
		return;
	keymap_put(&p->unresolved, hkey_of_pointer(ev), p->nunres);
	grow_array((void **)&p->unres_ev, &p->capunres, p->nunres, sizeof *p->unres_ev);
	p->unres_fn = xrealloc(p->unres_fn, (size_t)p->capunres * sizeof *p->unres_fn);
	p->unres_ev[p->nunres] = ev;
	p->unres_fn[p->nunres++] = f->fn;
}

int fnptr_unresolved(const struct analysis *a, int i, const struct event **ev,
                     const struct function **fn)
{
	const struct fnptr *p = a->fnptr;
	if (!p || i >= p->nunres)
		return 0;
	*ev = p->unres_ev[i];
	*fn = p->unres_fn[i];
	return 1;
}

void fnptr_free(struct analysis *a)
{
	struct fnptr *p = a->fnptr;
	if (!p)
		return;
	fnptr_paths_free(p, a->ix.nfns);
	for (int i = 0; i < p->nslots; i++) {
		free(p->slots[i].fns);
		free(p->slots[i].origin);
		free(p->slots[i].succ);
	}
	free(p->slots);
	for (int i = 0; i < p->nvals; i++) {
		for (int j = 0; j < p->vals[i].n; j++)
			free(p->vals[i].v[j]);
		free(p->vals[i].v);
	}
	free(p->vals);
	keymap_free(&p->slot_of);
	keymap_free(&p->stored);
	keymap_free(&p->unresolved);
	free(p->unres_ev);
	free(p->unres_fn);
	free(p);
	a->fnptr = NULL;
}

/* A creation whose routine is not followed: its thread's code is not analysed, which a
 * clean result must not hide. */
void check_unresolved_threads(struct analysis *a)
{
	const struct event *ev;
	const struct function *fn;
	for (int i = 0; fnptr_unresolved(a, i, &ev, &fn); i++) {
		const char *what = ev->name ? ev->name : "?";
		char *msg = xasprintf("the thread started here runs '%s', which tsafe could not follow: "
		                      "its code is not analysed", what);
		struct finding *f = emit_finding(a, "thread-unresolved", msg, what);
		emit_location(a, f, fn, ev, "created here");
		free(msg);
	}
}
