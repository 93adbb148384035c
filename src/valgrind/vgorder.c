/* vgorder.c — lock-order errors judged with what the database knows (Helgrind's, and the
 * runtime's read-lock cycles). Helgrind
 * adds an edge for every nested acquisition and reports any cycle, in any thread; the other
 * engines report a cycle only when its orders can really interleave. With the static facts
 * and the runtime's edges stored, a cycle is kept but marked likely benign when:
 *
 *   - every acquisition in it is a read lock of a rwlock (readers do not exclude each
 *     other: glibc's default rwlocks prefer readers, so such a cycle cannot deadlock);
 *   - the static facts show every acquisition of it holding one same other lock, taken
 *     exclusively in its function or a caller on its stack (a gate);
 *   - the runtime saw each of its orders taken while holding one same other lock (a gate:
 *     two threads cannot be inside the cycle at once), or saw one thread take them all;
 *   - the static pass saw each of its orders, over every path, and reported no inversion of
 *     these locks (a gate lock, one thread before the others exist, a crash path).
 *
 * A cycle the static pass or the runtime reported is theirs (identity.h) and stays. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"
#include "store/edges.h"

/* The classes of "A -> B -> C" (new strings); how many. */
static int split_classes(const char *symbol, char ***out)
{
	char **v = NULL;
	int n = 0;
	for (const char *p = symbol; p && *p;) {
		const char *end = strstr(p, " -> ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		v = append_zeroed(v, &n, sizeof *v);
		v[n - 1] = xstrndup(p, len);
		p += len + (end ? 4 : 0);
	}
	*out = v;
	return n;
}

static int member(char **set, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (str_eq(set[i], s))
			return 1;
	return 0;
}

/* Is every lock taken at the finding's locations a read lock? */
static int reads_only(struct facts_at *fc, const struct finding *f)
{
	int reads = 0;
	for (int i = 0; i < f->nlocs; i++) {
		const struct function *fn = facts_function_at(fc, f->locs[i].file, f->locs[i].line);
		for (int b = 0; fn && b < fn->nblocks; b++)
			for (int k = 0; k < fn->blocks[b].nevents; k++) {
				const struct event *ev = &fn->blocks[b].events[k];
				if (ev->line != f->locs[i].line || ev->kind != EV_LOCK)
					continue;
				if (!(ev->flags & EVF_SHARED) || ev->lock_kind != LK_RWLOCK)
					return 0;
				reads++;
			}
	}
	return reads >= 2;
}

/* The edges of `engine` between two classes of the cycle (of a one-class cycle: within
 * it); 0 when some class has none out. */
static int edges_within(const struct stored_edge_list *all, const char *engine, char **cls, int n,
                        const struct stored_edge ***out)
{
	const struct stored_edge **v = NULL;
	int nv = 0;
	for (int i = 0; i < all->n; i++) {
		const struct stored_edge *e = &all->items[i];
		/* two locks of one class (two shelves, two accounts) nest in one class's edge */
		if (str_eq(e->run_engine, engine) && (n == 1 || strcmp(e->from, e->to)) &&
		    member(cls, n, e->from) && member(cls, n, e->to)) {
			v = append_zeroed(v, &nv, sizeof *v);
			v[nv - 1] = e;
		}
	}
	for (int c = 0; c < n && nv; c++) {
		int out_edge = 0;
		for (int i = 0; i < nv && !out_edge; i++)
			out_edge = str_eq(v[i]->from, cls[c]);
		if (!out_edge)
			nv = 0;
	}
	if (!nv) {
		free(v);
		v = NULL;
	}
	*out = v;
	return nv;
}

/* A class every edge was taken holding (new string), or NULL. */
static char *common_gate(const struct stored_edge **e, int n)
{
	for (int g = 0; g < e[0]->ngates; g++) {
		int all = 1;
		for (int i = 1; i < n && all; i++) {
			all = 0;
			for (int k = 0; k < e[i]->ngates && !all; k++)
				all = str_eq(e[i]->gates[k], e[0]->gates[g]);
		}
		if (all)
			return xstrdup(e[0]->gates[g]);
	}
	return NULL;
}

static int one_thread(const struct stored_edge **e, int n)
{
	for (int i = 0; i < n; i++)
		if (e[i]->threads != 1 || !e[i]->thread_key || e[i]->run != e[0]->run ||
		    !str_eq(e[i]->thread_key, e[0]->thread_key))
			return 0;
	return 1;
}

/* Did the static pass report an inversion over these classes? */
static int static_inversion(const struct finding_list *known, char **cls, int n)
{
	for (int i = 0; i < known->n; i++) {
		const struct finding *k = &known->items[i];
		if (!str_eq(k->rule, "lock-order-inversion") || !k->engines || !strstr(k->engines, "static"))
			continue;
		char **kc;
		int kn = split_classes(k->symbol, &kc), same = kn > 0;
		for (int j = 0; j < kn; j++) {
			same = same && member(cls, n, kc[j]);
			free(kc[j]);
		}
		free(kc);
		if (same)
			return 1;
	}
	return 0;
}

/* A lock every acquisition of the cycle holds exclusively, by the static facts (its
 * locations whose line takes a lock; a lock of the cycle itself does not count): a gate
 * (new string), or NULL. */
static char *static_gate(struct facts_at *fc, const struct finding *f, char **cls, int n)
{
	char *cand[VG_MAX_HELD];
	int nc = -1;
	for (int i = 0; i < f->nlocs && nc != 0; i++) {
		char *c = facts_lock_class_at(fc, f->locs[i].file, f->locs[i].line);
		int takes = c != NULL;
		free(c);
		if (!takes)
			continue;
		struct held_lock h[VG_MAX_HELD];
		int nh = vg_held_by(fc, &f->locs[i], h), kept = 0;
		if (nc < 0) {
			nc = 0;
			for (int k = 0; k < nh; k++)
				if (!h[k].shared && vg_one_object(h[k].lock_class) &&
				    !member(cls, n, h[k].lock_class))
					cand[nc++] = xstrdup(h[k].lock_class);
		} else {
			for (int g = 0; g < nc; g++) {
				int held = 0;
				for (int k = 0; k < nh && !held; k++)
					held = str_eq(h[k].lock_class, cand[g]) && !h[k].shared;
				if (held)
					cand[kept++] = cand[g];
				else
					free(cand[g]);
			}
			nc = kept;
		}
		vg_held_free(h, nh);
	}
	for (int g = 1; g < nc; g++)
		free(cand[g]);
	return nc > 0 ? cand[0] : NULL;
}

static char *reason_for(struct facts_at *fc, const struct finding *f, char **cls, int n,
                        const struct stored_edge_list *edges, const struct finding_list *known)
{
	if (reads_only(fc, f))
		return xstrdup("likely benign: every acquisition in the cycle is a read lock of a "
		               "rwlock; readers do not exclude each other (glibc's rwlocks prefer "
		               "readers), so it cannot deadlock");
	if (static_inversion(known, cls, n) || !(str_eq(f->engine, "helgrind") ||
	                                         str_eq(f->engine, "drd")))
		return NULL;     /* the static pass, which sees every path, says it can; the
		                    runtime judged gates and threads itself */
	char *sg = static_gate(fc, f, cls, n);
	if (sg) {
		char *why = xasprintf("likely benign: every acquisition of the cycle holds '%s' "
		                      "(static facts), so two threads cannot be inside it at once",
		                      str_starts(sg, "field:") ? sg + 6
		                      : strrchr(sg, ':') ? strrchr(sg, ':') + 1 : sg);
		free(sg);
		return why;
	}
	const struct stored_edge **e;
	int ne = edges_within(edges, "runtime", cls, n, &e);
	char *reason = NULL;
	char *gate = ne ? common_gate(e, ne) : NULL;
	if (gate) {
		const char *name = strrchr(gate, ':') ? strrchr(gate, ':') + 1 : gate;
		reason = xasprintf("likely benign: the runtime saw every order of the cycle taken "
		                   "while holding '%s', so two threads cannot be inside it at once",
		                   str_starts(gate, "field:") ? gate + 6 : name);
	}
	else if (ne && one_thread(e, ne))
		reason = xstrdup("likely benign: the runtime saw one thread take every order of the "
		                 "cycle, and no other thread take any");
	free(gate);
	free(e);
	if (reason)
		return reason;
	ne = edges_within(edges, "static", cls, n, &e);
	free(e);
	return ne ? xstrdup("likely benign: the static pass sees every order of the cycle, on "
	                    "every path, and none of them can interleave with another (a common "
	                    "lock, one thread before the others start, or a crash path)")
	          : NULL;
}

int judge_lock_orders(struct facts_at *fc, struct finding_list *l, const struct finding_list *known)
{
	struct stored_edge_list edges = {0};
	int loaded = 0;
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (!str_eq(f->rule, "lock-order-inversion") || f->suppressed || !f->symbol || !*f->symbol)
			continue;
		if (!loaded++ && fc->st && store_edges_current(fc->st, &edges))
			return -1;
		char **cls;
		int n = split_classes(f->symbol, &cls);
		char *reason = reason_for(fc, f, cls, n, &edges, known);
		if (reason)
			vg_mark_benign_reason(f, reason);
		for (int k = 0; k < n; k++)
			free(cls[k]);
		free(cls);
	}
	stored_edge_list_free(&edges);
	return fc->err ? -1 : 0;
}
