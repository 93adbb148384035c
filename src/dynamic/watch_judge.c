/* watch_judge.c — what one process's watch records say about each candidate. Two
 * recorded accesses to one watched word confirm the race when they come from different
 * threads, at least one wrote, no lock was held by both (a lock both held only for
 * reading does not count), and neither is ordered before the other by the program's
 * synchronisation: a is before b when b's vector clock already covered a's epoch (the
 * runtime's clocks follow create, join, semaphores, conditions, barriers and
 * pthread_once; the second also locks, counted only between two unlocked accesses). The confirmed finding is the static one (its
 * fingerprint), seen by the "watch" engine, with both run-time stacks. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"
#include "watch.h"
#include "watch_internal.h"

/* a's epoch is covered by b's clock. A lock's unlock -> lock orders the two only when
 * neither access held a lock: an object handed over through a locked pointer or queue,
 * touched by each thread in turn outside any lock, is ordered as it is; two accesses in
 * critical sections are judged by their locks, so that two sections under different
 * locks (or a read lock each) race even when the run happened to order them. */
static int ordered_before(const struct rt_watch_hit *a, const struct rt_watch_hit *b)
{
	const uint32_t *clock = a->nlocks || b->nlocks ? b->vc : b->lvc;
	return a->epoch && a->epoch <= clock[a->thread % RT_WATCH_VC];
}

static int common_lock(const struct rt_watch_hit *a, const struct rt_watch_hit *b)
{
	for (uint32_t i = 0; i < a->nlocks && i < RT_WATCH_LOCKS; i++)
		for (uint32_t j = 0; j < b->nlocks && j < RT_WATCH_LOCKS; j++)
			if ((a->locks[i] & ~(uint64_t)RTWH_SHARED_LOCK) ==
			        (b->locks[j] & ~(uint64_t)RTWH_SHARED_LOCK) &&
			    !(a->locks[i] & b->locks[j] & RTWH_SHARED_LOCK))
				return 1;
	return 0;
}

int watch_races(const struct rt_watch_hit *a, const struct rt_watch_hit *b)
{
	return a->addr == b->addr && a->thread && b->thread && a->thread != b->thread &&
	       ((a->flags | b->flags) & RTWH_WRITE) && !common_lock(a, b) &&
	       !ordered_before(a, b) && !ordered_before(b, a);
}

static const char *access_word(const struct rt_watch_hit *h)
{
	return h->flags & RTWH_WRITE ? "write" : "read";
}

/* The names of the locks a hit held, as the runtime's classes call them. */
static char *lock_names(struct dyn_process *p, const struct rt_watch_hit *h)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, "");
	for (uint32_t i = 0; i < h->nlocks && i < RT_WATCH_LOCKS; i++) {
		uint64_t addr = h->locks[i] & ~(uint64_t)RTWH_SHARED_LOCK;
		const char *name = NULL;
		for (int k = 1; k < p->cap_classes && !name; k++)
			if (p->classes[k].defined && p->classes[k].addr == addr)
				name = p->classes[k].name;
		if (i)
			sb_add(&sb, ", ");
		if (name)
			sb_add(&sb, name);
		else
			sb_addf(&sb, "lock at 0x%llx", (unsigned long long)addr);
	}
	return sb_detach(&sb);
}

static void add_side(const struct dyn_ctx *c, struct finding *f, struct dyn_process *p,
                     const struct rt_watch_hit *h, const char *label)
{
	char *msg = xasprintf("%s of '%s' seen at run time (hardware watchpoint)", access_word(h), label);
	struct location *l = dyn_add_location(c, f, p, h->stack, msg);
	free(msg);
	l->thread = xstrdup(dyn_thread_desc(p, h->thread));
	l->locks = lock_names(p, h);
}

/* The label of a candidate: its static message's quoted object. */
static const char *label_of(struct watch_cand *k)
{
	if (!k->label && k->f) {
		const char *q = k->f->message ? strchr(k->f->message, '\'') : NULL;
		const char *e = q ? strchr(q + 1, '\'') : NULL;
		k->label = q && e ? xstrndup(q + 1, (size_t)(e - q - 1)) : xstrdup(k->f->symbol);
	}
	return k->label;
}

/* The static finding, seen by the watch engine; without one (no scan), a finding of its
 * own, identified like any other by its sides' code. */
static void confirm(const struct dyn_ctx *c, struct dyn_process *p, struct watch_cand *k,
                    const struct rt_watch_hit *a, const struct rt_watch_hit *b)
{
	struct finding *f;
	if (k->f) {
		f = finding_list_add(c->out);
		f->rule = xstrdup(k->f->rule);
		f->severity = xstrdup(k->f->severity);
		f->message = xstrdup(k->f->message);
		f->symbol = xstrdup(k->f->symbol);
		f->fingerprint = xstrdup(k->f->fingerprint);
	} else {
		char *msg = xasprintf("data race on '%s'", label_of(k));
		f = dyn_finding(c, "data-race", msg, k->symbol);
		free(msg);
	}
	free(f->engine);
	f->engine = xstrdup("watch");
	add_side(c, f, p, a, label_of(k));
	add_side(c, f, p, b, label_of(k));
	if (!k->f) {
		finding_fingerprint(f, c->opts->root);
		watch_static_explains(c->opts->facts, f, label_of(k));
	}
	k->confirmed = 1;
}

/* The best racing pair among a candidate's hits: both with stacks if any. Two atomic
 * read-modify-writes never race. */
static void judge(const struct dyn_ctx *c, struct dyn_process *p, struct watch_cand *k,
                  const struct rt_watch_hit **h, const char *atomic, int n)
{
	const struct rt_watch_hit *ba = NULL, *bb = NULL;
	int best = -1;
	for (int i = 0; i < n && best < 2; i++)
		for (int j = i + 1; j < n && best < 2; j++) {
			if ((atomic[i] && atomic[j]) || !watch_races(h[i], h[j]))
				continue;
			int score = (h[i]->stack != 0) + (h[j]->stack != 0);
			if (score > best) {
				best = score;
				ba = h[i];
				bb = h[j];
			}
		}
	if (ba)
		confirm(c, p, k, ba, bb);
}

/* The group of each target as the runtime packs them (watch_targets.c): file order, up
 * to four debug registers, two for a target whose reads matter. */
static int group_of(const struct watch_plan *w, int target, int *ngroups)
{
	int g = 0, regs = 0, mine = 0;
	for (int i = 0; i < w->nt; i++) {
		int need = w->t[i].rw ? 2 : 1;
		if (i > 0 && regs + need > 4) {
			g++;
			regs = 0;
		}
		regs += need;
		if (i == target)
			mine = g;
	}
	*ngroups = g + 1;
	return mine;
}

/* How long each candidate was armed: the process's watching time times its share of
 * the slices. */
static void add_watched_time(struct watch_plan *w, double seconds)
{
	for (int i = 0; i < w->n; i++) {
		struct watch_cand *k = &w->c[i];
		int ngroups = 1, groups = 0, last = -1;
		for (int t = k->first_target; t < k->first_target + k->ntargets; t++) {
			int g = group_of(w, t, &ngroups);
			groups += g != last;
			last = g;
		}
		k->watched_s += seconds * groups / ngroups;
	}
}

static void note_state(struct watch_plan *w, const struct rt_watch_state *s, uint64_t *start)
{
	if (s->status == RTW_ON) {
		w->processes_on++;
		*start = s->at_ns;
	} else if (s->status == RTW_DENIED) {
		w->denied_err = (int)s->err;
	} else if (s->status != RTW_PROGRAM_SIGTRAP) {
		w->status_off = (int)s->status;
	}
}

/* Whether candidate k watches the word of target t: its own, or the same word that
 * another candidate's target holds (the runtime arms a word once per group, so the traps
 * of a word shared by two findings carry one target's number). */
static int watches_word(const struct watch_plan *w, int k, uint32_t t)
{
	const struct watch_target *a = &w->t[t];
	if (a->cand == k)
		return 1;
	const struct watch_cand *c = &w->c[k];
	for (int i = c->first_target; i < c->first_target + c->ntargets; i++) {
		const struct watch_target *b = &w->t[i];
		if (b->link_addr == a->link_addr && b->site == a->site && str_eq(b->module, a->module))
			return 1;
	}
	return 0;
}

void dyn_watch(const struct dyn_ctx *c, struct dyn_process *p, struct watch_plan *w)
{
	const struct rt_watch_hit **hits = xcalloc((size_t)p->nwatch + 1, sizeof *hits);
	int nhits = 0;
	uint64_t start = 0, end = 0, armed = 0, rested = 0;
	long *counted = xcalloc((size_t)w->n + 1, sizeof *counted);
	for (int i = 0; i < p->nwatch; i++) {
		const struct rt_rec *r = p->watch[i];
		if (r->type == RT_WATCH_STATE) {
			note_state(w, (const void *)r, &start);
		} else if (r->type == RT_WATCH_HIT) {
			const struct rt_watch_hit *h = (const void *)r;
			if (h->target < (uint32_t)w->nt)
				hits[nhits++] = h;
		} else if (r->type == RT_WATCH_END) {
			const struct rt_watch_end *e = (const void *)r;
			end = e->at_ns;
			armed = e->armed_ticks;
			rested = e->rested_ticks;
			for (uint32_t k = 0; k < e->n; k++)
				if (e->t[k].target < (uint32_t)w->nt)
					counted[w->t[e->t[k].target].cand] += e->t[k].hits;
		}
	}
	/* Threads that switch often rest their watches part of the time (the runtime's
	 * budget): the watched time is the armed share of the tick periods. */
	double share = armed + rested ? (double)armed / (double)(armed + rested) : 1.0;
	if (start && end > start)
		add_watched_time(w, (double)(end - start) / 1e9 * share);
	const struct rt_watch_hit **mine = xcalloc((size_t)nhits + 1, sizeof *mine);
	char *atomic = xcalloc((size_t)nhits + 1, 1);
	for (int k = 0; k < w->n; k++) {
		int n = 0;
		uint32_t threads[64];
		int nthreads = 0;
		long elsewhere = 0;
		for (int i = 0; i < nhits; i++) {
			if (!watches_word(w, k, hits[i]->target))
				continue;
			if (!watch_at_site(p, &w->c[k], hits[i]->pc)) {
				elsewhere++;
				continue;
			}
			mine[n++] = hits[i];
			int seen = 0;
			for (int t = 0; t < nthreads && !seen; t++)
				seen = threads[t] == hits[i]->thread;
			if (!seen && nthreads < 64)
				threads[nthreads++] = hits[i]->thread;
		}
		/* Without sites every trap counts, also those not written as records. */
		w->c[k].hits += !w->c[k].nsites && counted[k] > n ? counted[k] : n;
		w->c[k].elsewhere += elsewhere;
		w->c[k].threads = nthreads > w->c[k].threads ? nthreads : w->c[k].threads;
		if (n > 1 && !w->c[k].confirmed && !w->c[k].atomic) {
			int any = 0;
			for (int i = 0; i < n; i++)
				any |= atomic[i] = (char)watch_hit_atomic(p, mine[i]->pc);
			/* Without a scan a word updated atomically is used atomically: its atomic
			 * loads are plain moves, indistinguishable from a racing read. */
			w->c[k].atomic = any && !w->c[k].f;
			if (!w->c[k].atomic)
				judge(c, p, &w->c[k], mine, atomic, n);
		}
	}
	free(mine);
	free(atomic);
	free(counted);
	free(hits);
}
