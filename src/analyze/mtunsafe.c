/* mtunsafe.c — mt-unsafe-call: a call of a function with hidden shared state (a static
 * buffer, a hidden seed; rules/mt-unsafe.tsv, which follows glibc's documented thread-safety
 * attributes) is reported when another call that uses the same state can run at the same
 * time: the same call in a thread with several instances, or another function of that state
 * (ctime in main while a thread calls gmtime). The finding names both calls. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "common/rules.h"

static const char *state_of(const struct misuse_rec *m)
{
	const struct mt_unsafe *mu = mt_unsafe_find(m->ev->name);
	return mu && mu->state ? mu->state : m->ev->name;
}

/* The first call on the same hidden state that can run alongside m, or NULL. */
static const struct misuse_rec *concurrent_call(const struct analysis *a, const struct misuse_rec *m)
{
	for (int i = 0; i < a->nmis; i++) {
		const struct misuse_rec *o = &a->mis[i];
		if (strcmp(o->rule, "mt-unsafe-call") != 0 || strcmp(state_of(o), state_of(m)) != 0)
			continue;
		if (contexts_concurrent(a, m->ctx, &m->when, o->ctx, &o->when))
			return o;
	}
	return NULL;
}

static void add_call(struct analysis *a, struct finding *f, const struct misuse_rec *m,
                     const char *what)
{
	char *here = xasprintf("%s '%s'", what, m->ev->name);
	struct location *loc = emit_location(a, f, m->fn, m->ev, here);
	emit_thread(a, loc, a->ctxs[m->ctx]);
	emit_stack(a, loc, m->stack, m->nstack);
	free(here);
}

static void report(struct analysis *a, const struct misuse_rec *m, const struct misuse_rec *o)
{
	const struct mt_unsafe *mu = mt_unsafe_find(m->ev->name);
	const char *with = o->ev == m->ev ? "itself in another thread"
	                                  : (o->ev->name ? o->ev->name : "another call");
	char *msg = xasprintf("'%s' is not thread-safe (%s) and can run at the same time as %s%s%s; "
	                      "use %s", m->ev->name, mu && mu->why ? mu->why : "MT-Unsafe",
	                      o->ev == m->ev ? "" : "'", with, o->ev == m->ev ? "" : "'",
	                      mu && mu->replacement ? mu->replacement : "a reentrant variant");
	struct finding *f = emit_finding(a, "mt-unsafe-call", msg, m->ev->name ? m->ev->name : "");
	add_call(a, f, m, "call to");
	add_call(a, f, o, "concurrent call to");
	free(msg);
}

void check_mt_unsafe(struct analysis *a)
{
	struct keymap done = {0};
	for (int i = 0; i < a->nmis; i++) {
		const struct misuse_rec *m = &a->mis[i];
		if (strcmp(m->rule, "mt-unsafe-call") != 0)
			continue;
		struct hkey k = hkey_of_pointer(m->ev);
		if (keymap_get(&done, k, NULL))
			continue;               /* one finding per call site */
		const struct misuse_rec *o = concurrent_call(a, m);
		if (!o)
			continue;
		keymap_put(&done, k, 1);
		report(a, m, o);
	}
	keymap_free(&done);
}
