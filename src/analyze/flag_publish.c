/* flag_publish.c — data published by a flag under a condition's mutex: the writer fills
 * the data, then sets the flag holding the mutex (and signals); a reader waits in a loop
 * that re-tests the flag under that mutex, and touches the data after the loop. The
 * reader's access happens after the writer's: the write of the flag is released by the
 * writer's unlock and acquired by the reader's lock that saw it set.
 *
 * Kept conservative, since a wrong "ordered" hides a real race:
 *  - every name the wait loop re-tests must be such a flag (a loop that also leaves on
 *    `closing` proves nothing about the data);
 *  - every write of the flag (by its last name) holds the wait's mutex and comes after the
 *    data write in the writer's own context, or is made by main before any thread exists;
 *  - the writer runs once (not a thread started many times), and the data write and the
 *    flag write, like the wait and the reader's access, are ordered in their context's
 *    entry function outside any loop that holds both (a second round could write the
 *    data again after the flag was seen).
 *
 * A countdown latch (or a count up to a bound) publishes what many instances of a thread
 * wrote: each counts once under the mutex after its data write, and the wait leaves only
 * when the count reached its bound, so after every instance's count. There the writer may
 * be started many times (not at any time: a bounded set), when every write of the flag in
 * it is an update of the count (++, --, +=: a read-modify-write) made once per run, in no
 * loop at any level of its chain (one instance counting twice could reach the bound for
 * another). Not told apart: a wait that leaves on the first count (`while (!done)` after
 * `done++` in each instance) rather than on the bound. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct flag_wait {
	int ctx;
	struct when when;
	int mutex;                   /* interned class of the wait's mutex */
	char *names;                 /* what the loop re-tests, space-separated */
	char *flags;                 /* those names but the bases of members (catalog in
	                                catalog.loaded): set by flags_index_writes */
};

struct flag_writes {                 /* the write records of one flag name */
	int *rec;
	int n, cap;
};

void flags_on_wait(struct analysis *a, const struct activation *f, const struct event *ev, int key)
{
	if (f->ctx->kind == CTX_ISOLATED || !ev->type || !ev->type[0] || !(ev->flags & EVF_IN_LOOP) ||
	    key < 0)
		return;
	struct flag_wait w = {.ctx = f->ctx->id, .mutex = class_intern(a, a->lock_keys[key].cls)};
	frame_when(a, f, ev, &w.when);
	for (int i = 0; i < a->nflag_waits; i++) {
		const struct flag_wait *o = a->flag_waits[i];
		if (o->ctx == w.ctx && o->mutex == w.mutex && when_lv(&o->when, 0)->pos == when_lv(&w.when, 0)->pos &&
		    str_eq(o->names, ev->type))
			return;
	}
	struct flag_wait *n = xcalloc(1, sizeof *n);
	*n = w;
	n->names = xstrdup(ev->type);
	grow_array((void **)&a->flag_waits, &a->cap_flag_waits, a->nflag_waits, sizeof *a->flag_waits);
	a->flag_waits[a->nflag_waits++] = n;
}

/* Spelling s reads a member of `name`: "name.x", "name->x" (whole words). */
static int spelled_as_base(const char *s, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = s ? strstr(s, name) : NULL; p; p = strstr(p + 1, name)) {
		int starts = p == s || !(p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
		                         ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z'));
		if (starts && (p[len] == '.' || (p[len] == '-' && p[len + 1] == '>')))
			return 1;
	}
	return 0;
}

/* A name the loop re-tests only as the base of a member it reads there (the object, not
 * a flag of its own). */
static int loop_base(const struct analysis *a, const struct flag_wait *w, const char *name)
{
	for (int r = 0; r < a->nacc; r++) {
		const struct access_rec *x = &a->acc[r];
		if (x->ctx == w->ctx && x->when.n > 0 && when_lv(&x->when, 0)->pos >= when_lv(&w->when, 0)->lo &&
		    when_lv(&x->when, 0)->pos <= when_lv(&w->when, 0)->hi && spelled_as_base(x->ev->name, name))
			return 1;
	}
	return 0;
}

static void find_flags(const struct analysis *a, struct flag_wait *w)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, "");
	for (const char *p = w->names; *p;) {
		size_t len = strcspn(p, " ");
		char *name = xstrndup(p, len);
		if (!loop_base(a, w, name))
			sb_addf(&sb, "%s%s", sb.len ? " " : "", name);
		free(name);
		p += len + (p[len] == ' ');
	}
	w->flags = sb_detach(&sb);
}

void flags_index_writes(struct analysis *a)
{
	if (!a->nflag_waits)
		return;
	struct strbuf nm;
	sb_init(&nm);
	for (int i = 0; i < a->nflag_waits; i++)
		find_flags(a, a->flag_waits[i]);
	for (int i = 0; i < a->nflag_waits; i++)
		for (const char *p = a->flag_waits[i]->flags; *p;) {
			size_t len = strcspn(p, " ");
			char *name = xstrndup(p, len);
			if (!keymap_get_str(&a->flag_names, name, NULL)) {
				grow_array((void **)&a->flag_writes, &a->cap_flag_writes, a->nflag_writes,
				           sizeof *a->flag_writes);
				a->flag_writes[a->nflag_writes] = xcalloc(1, sizeof(struct flag_writes));
				keymap_put_str(&a->flag_names, name, a->nflag_writes++);
			}
			free(name);
			p += len + (p[len] == ' ');
		}
	for (int r = 0; r < a->nacc; r++) {
		if (!a->acc[r].write)
			continue;
		signals_last_name(a->acc[r].object, &nm);
		int k;
		if (!nm.buf || !keymap_get_str(&a->flag_names, nm.buf, &k))
			continue;
		struct flag_writes *fw = a->flag_writes[k];
		grow_array((void **)&fw->rec, &fw->cap, fw->n, sizeof *fw->rec);
		fw->rec[fw->n++] = r;
	}
	sb_free(&nm);
}

static int holds(const struct access_rec *r, int cls)
{
	for (int i = 0; i < r->nlocks; i++)
		if (r->locks[i] == cls && !r->lock_shared[i])
			return 1;
	return 0;
}

/* r runs once each time its context runs: in no loop at any level of its chain. */
static int once_per_run(const struct when *w)
{
	for (int i = 0; i < w->n; i++)
		if (when_lv(w, i)->lo != when_lv(w, i)->hi)
			return 0;
	return w->n > 0;
}

/* Flag `name` is set only under `mutex` after x, in x's context (or by main before any
 * thread exists), and at least once after x; `counted`: each of those writes updates a
 * count once per run (see the top). */
static int set_after(const struct analysis *a, const char *name, int mutex, const struct access_rec *x,
                     int counted)
{
	int k;
	if (!keymap_get_str(&a->flag_names, name, &k))
		return 0;
	const struct flag_writes *fw = a->flag_writes[k];
	int after = 0;
	for (int i = 0; i < fw->n; i++) {
		const struct access_rec *r = &a->acc[fw->rec[i]];
		if (a->ctxs[r->ctx]->program != a->ctxs[x->ctx]->program)
			continue;
		if (r->when.pre && a->ctxs[r->ctx]->kind == CTX_MAIN)
			continue;
		if (r->ctx != x->ctx || !holds(r, mutex) || !when_entry_before(&x->when, &r->when))
			return 0;
		if (counted && (!(r->ev->flags & EVF_READ) || !once_per_run(&r->when)))
			return 0;
		after = 1;
	}
	return after;
}

static int runs_once(const struct context *c)
{
	return (c->kind == CTX_MAIN || c->kind == CTX_THREAD) && !c->multi && !c->unbounded && !c->library;
}

/* A thread started several times, as a bounded set (the instances a latch counts). */
static int runs_counted(const struct context *c)
{
	return c->kind == CTX_THREAD && c->multi && !c->unbounded && !c->library;
}

/* Wait w is left only once x's flag write was seen. */
static int wait_publishes(const struct analysis *a, const struct flag_wait *w, const struct access_rec *x,
                          int counted)
{
	int any = 0;
	for (const char *p = w->flags; *p;) {
		size_t len = strcspn(p, " ");
		char *name = xstrndup(p, len);
		int ok = set_after(a, name, w->mutex, x, counted);
		free(name);
		if (!ok)
			return 0;
		any = 1;
		p += len + (p[len] == ' ');
	}
	return any;
}

int flag_publication_orders(const struct analysis *a, const struct access_rec *x,
                            const struct access_rec *y)
{
	if (!a->nflag_waits || x->ctx == y->ctx)
		return 0;
	int counted = runs_counted(a->ctxs[x->ctx]);
	if (!counted && !runs_once(a->ctxs[x->ctx]))
		return 0;
	for (int i = 0; i < a->nflag_waits; i++) {
		const struct flag_wait *w = a->flag_waits[i];
		if (w->ctx == y->ctx && when_entry_before(&w->when, &y->when) && wait_publishes(a, w, x, counted))
			return 1;
	}
	return 0;
}

void flags_free(struct analysis *a)
{
	for (int i = 0; i < a->nflag_waits; i++) {
		free(a->flag_waits[i]->names);
		free(a->flag_waits[i]->flags);
		free(a->flag_waits[i]);
	}
	free(a->flag_waits);
	for (int i = 0; i < a->nflag_writes; i++) {
		free(a->flag_writes[i]->rec);
		free(a->flag_writes[i]);
	}
	free(a->flag_writes);
	keymap_free(&a->flag_names);
}
