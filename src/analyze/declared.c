/* declared.c — what the code declares with Clang's thread-safety annotations, checked as
 * facts by the lock analysis (the extractor reads them, annotations.c):
 *  - GUARDED_BY(m) / PT_GUARDED_BY(m) on a variable or member names the lock of its data:
 *    an access holding m never races (the other side is the bug), and one without it that
 *    can run alongside an access holding it is `guard-not-held`;
 *  - REQUIRES(m) / REQUIRES_SHARED(m) on a function: its body runs holding m (its accesses
 *    are under m even where the analysis cannot see a caller take it: an exported library
 *    function), and a call without m held is `guard-not-held` at the call;
 *  - EXCLUDES(m): a call with m held is `excluded-lock-held` (the callee takes m itself).
 * A capability is the object the annotation names (a struct holding the mutex, or the
 * mutex): a lock held inside it (its instance path starts with the capability's) holds it.
 * Functions declared no_thread_safety_analysis are not checked, as Clang does not. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_need(const struct event *ev)
{
	return ev->kind == EV_DECLARE && !(ev->flags & (EVF_EXCLUDES | EVF_DECLARED));
}

void declared_build(struct analysis *a)
{
	a->needs = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof *a->needs);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		const struct block *b = fn->nblocks ? &fn->blocks[0] : NULL;
		int i = 0;
		while (b && i < b->nevents && b->events[i].kind == EV_DECLARE)
			i++;
		for (int j = 0; j < i; j++)
			if (is_need(&b->events[j]))
				a->needs[k] = b;      /* its first events declare what it needs */
	}
}

void declared_free(struct analysis *a)
{
	free(a->needs);
	a->needs = NULL;
}

/* inst lies inside capability object cap: "s:F:m.lock" inside "s:F:m". */
static int inside_cap(const char *inst, const char *cap)
{
	size_t n = strlen(cap);
	return strncmp(inst, cap, n) == 0 && (!inst[n] || inst[n] == '.' || inst[n] == '[');
}

static int held_in(const struct analysis *a, const struct lstate *s, const char *cap)
{
	for (int i = 0; i < s->n; i++)
		if (s->e[i].mask == LS_HELD && inside_cap(a->lock_keys[s->e[i].key].instance, cap))
			return 1;
	return 0;
}

/* Calls fn(cap) for every capability the functions on f's chain declare they run under. */
static int chain_needs(const struct analysis *a, const struct activation *f,
                       int (*fn)(const char *cap, void *ctx), void *ctx)
{
	for (const struct activation *g = f; g; g = g->caller) {
		const struct block *b = a->needs ? a->needs[g->fn_index] : NULL;
		for (int i = 0; b && i < b->nevents && b->events[i].kind == EV_DECLARE; i++) {
			if (!is_need(&b->events[i]))
				continue;
			char *cap = frame_path(g, b->events[i].path);
			int stop = cap && fn(cap, ctx);
			free(cap);
			if (stop)
				return 1;
		}
	}
	return 0;
}

static int covers(const char *cap, void *ctx)
{
	return inside_cap(ctx, cap);
}

static int unchecked(const struct function *fn)
{
	return (fn->flags & FNF_UNCHECKED) != 0;
}

/* ---- the calls ---- */

static void add_declared_misuse(struct analysis *a, const char *rule, const struct activation *g,
                                const struct event *at, const struct event *decl,
                                const struct function *decl_fn)
{
	struct misuse_rec *m = misuse_add(a, rule, g, at, -1);
	m->other = decl;
	m->other_fn = decl_fn;
}

void declared_on_event(struct analysis *a, const struct activation *f, const struct event *ev,
                       const struct lstate *s)
{
	/* Declared at a call of a body the program lacks: checked in the caller itself. */
	int at_call = (ev->flags & EVF_DECLARED) != 0;
	const struct activation *g = at_call ? f : f->caller;
	const struct event *at = at_call ? ev : f->call;
	if (!g || !at || unchecked(g->fn) || f->ctx->kind == CTX_ISOLATED || frame_dies(a, g, at))
		return;
	char *cap = frame_path(f, ev->path);
	if (!cap || cap[0] == '?' || cap[0] == '&') {
		free(cap);
		return;
	}
	int held = held_in(a, s, cap) || chain_needs(a, g, covers, cap);
	if ((ev->flags & EVF_EXCLUDES) && held_in(a, s, cap))
		add_declared_misuse(a, "excluded-lock-held", g, at, ev, at_call ? g->fn : f->fn);
	else if (!(ev->flags & EVF_EXCLUDES) && !held)
		add_declared_misuse(a, "guard-not-held", g, at, ev, at_call ? g->fn : f->fn);
	free(cap);
}

/* ---- the accesses ---- */

struct cap_list {
	const struct analysis *a;
	const struct lstate *s;
	struct access_rec *r;
};

static int note_cap(const char *cap, void *ctx)
{
	struct cap_list *c = ctx;
	struct access_rec *r = c->r;
	if (r->guard && inside_cap(r->guard, cap))
		r->guard_held = 1;
	if (held_in(c->a, c->s, cap))
		return 0;
	for (int i = 0; i < r->ncaps; i++)
		if (str_eq(r->caps[i], cap))
			return 0;
	r->caps = xrealloc(r->caps, (size_t)(r->ncaps + 1) * sizeof *r->caps);
	r->caps[r->ncaps++] = xstrdup(cap);
	return 0;
}

void declared_on_access(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct lstate *s, struct access_rec *r)
{
	if (ev->kind == EV_ACCESS && ev->lock_class && !unchecked(f->fn)) {
		char *g = frame_path(f, ev->lock_class);
		if (g && g[0] != '?' && g[0] != '&') {
			r->guard = g;
			r->guard_held = held_in(a, s, g);
		} else {
			free(g);
		}
	}
	struct cap_list c = {a, s, r};
	chain_needs(a, f, note_cap, &c);
}

/* Capabilities an access runs under by declaration become the classes of the locks inside
 * them, once every lock is known: then they intersect like locks held. */
void declared_resolve(struct analysis *a)
{
	struct keymap inside = {0};
	for (int k = 0; k < a->nlock_keys; k++) {
		const char *inst = a->lock_keys[k].instance;
		const char *root = strrchr(inst, ':');
		int cls = class_intern(a, a->lock_keys[k].cls);
		for (const char *p = root ? root : inst; ; p++) {
			if (*p == '.' || *p == '[' || !*p) {
				char *prefix = xasprintf("%.*s", (int)(p - inst), inst);
				if (!keymap_get_str(&inside, prefix, NULL))
					keymap_put_str(&inside, prefix, cls);
				free(prefix);
			}
			if (!*p)
				break;
		}
	}
	for (int i = 0; i < a->nacc; i++) {
		struct access_rec *r = &a->acc[i];
		for (int j = 0; j < r->ncaps; j++) {
			int cls;
			if (!keymap_get_str(&inside, r->caps[j], &cls))
				continue;
			r->locks = xrealloc(r->locks, (size_t)(r->nlocks + 1) * sizeof *r->locks);
			r->lock_shared = xrealloc(r->lock_shared, (size_t)(r->nlocks + 1));
			r->locks[r->nlocks] = cls;
			r->lock_shared[r->nlocks++] = 0;
		}
	}
	keymap_free(&inside);
}

/* ---- guard-not-held on accesses ---- */

static void add_access(struct analysis *a, struct finding *fd, const struct access_rec *r,
                       const char *what)
{
	struct location *loc = emit_location(a, fd, r->fn, r->ev, what);
	emit_thread(a, loc, a->ctxs[r->ctx]);
	loc->locks = emit_locks_text(a, r->locks, r->lock_shared, r->nlocks);
	emit_stack(a, loc, r->stack, r->nstack);
}

static const char *verb(const struct access_rec *r)
{
	return r->write ? (r->ev->flags & EVF_READ ? "read-modify-write" : "write") : "read";
}

static void report_unguarded(struct analysis *a, const struct access_rec *y, const struct access_rec *x)
{
	const char *name = y->ev->name ? y->ev->name : "?";
	/* "s:F:jobs.mutex" -> "jobs.mutex": the guarding object as the code names it */
	const char *colon = strrchr(y->guard, ':');
	const char *guard = colon ? colon + 1 : y->guard;
	char *msg = xasprintf("'%s' is declared guarded by '%s', but this %s does not hold it "
	                      "(it can run alongside a %s that does)", name, guard, verb(y), verb(x));
	char *sym = display_symbol(a, y->object);
	struct finding *fd = emit_finding(a, "guard-not-held", msg, sym);
	char *here = xasprintf("%s of '%s' without '%s'", verb(y), name, guard);
	add_access(a, fd, y, here);
	free(here);
	here = xasprintf("%s of '%s' holding '%s'", verb(x), x->ev->name ? x->ev->name : name, guard);
	add_access(a, fd, x, here);
	free(here);
	free(msg);
	free(sym);
}

void check_guarded(struct analysis *a, const int *order, int lo, int hi)
{
	const struct function *last_fn = NULL;
	int last_line = -1;
	for (int i = lo; i < hi; i++) {
		const struct access_rec *y = &a->acc[order[i]];
		if (!y->guard || y->guard_held || (y->fn == last_fn && y->ev->line == last_line))
			continue;
		for (int j = lo; j < hi; j++) {
			const struct access_rec *x = &a->acc[order[j]];
			if (x->guard_held && accesses_conflict(a, x, y)) {
				report_unguarded(a, y, x);
				last_fn = y->fn;
				last_line = y->ev->line;
				break;
			}
		}
	}
}
