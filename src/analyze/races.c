/* races.c — data-race: two accesses to one object from contexts that can run at the same
 * time, at least one a write, not both atomic, and no lock they both hold (a rwlock held
 * for reading on both sides does not order a write).
 *
 * Accesses are grouped into sites (function + line): the same `counter++` reached from two
 * threads is one site racing with itself. Each racing write site is reported once, paired
 * with one partner: a variable written in five unprotected places gives five findings to
 * fix, not the ten pairs they form, and one unprotected write read in eight places gives
 * one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct site {
	const struct function *fn;
	int line;
	int writes;      /* some access at this site writes */
	int plain_writes;  /* some of those writes is not atomic */
	int first;       /* index of its first access record in the sorted order */
	int count;
	int covered;
};

static int cmp_access(const void *pa, const void *pb, void *arg)
{
	const struct analysis *a = arg;
	const struct access_rec *x = &a->acc[*(const int *)pa], *y = &a->acc[*(const int *)pb];
	int px = a->ctxs[x->ctx]->program, py = a->ctxs[y->ctx]->program;
	if (px != py)
		return px - py;
	int c = strcmp(x->object, y->object);
	if (c)
		return c;
	c = strcmp(x->fn->file, y->fn->file);
	if (c)
		return c;
	if (x->ev->line != y->ev->line)
		return x->ev->line - y->ev->line;
	c = strcmp(x->fn->name, y->fn->name);
	if (c)
		return c;
	if (x->ev->col != y->ev->col)
		return x->ev->col - y->ev->col;
	/* A site's records with one lockset side by side: find_pair skips them as a run. */
	if (x->lockset != y->lockset)
		return x->lockset - y->lockset;
	return x->ctx - y->ctx;
}

#define FREE_RACE "a free racing with an access: the other side may use freed memory"

int records_share_lock(const struct access_rec *x, const struct access_rec *y)
{
	for (int i = 0; i < x->nlocks; i++)
		for (int j = 0; j < y->nlocks; j++)
			if (x->locks[i] == y->locks[j] && !(x->lock_shared[i] && y->lock_shared[j]))
				return 1;
	return 0;
}

int accesses_conflict(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	if (!x->write && !y->write)
		return 0;
	/* An object of one invocation of its owner context, seen from that context: each running
	 * instance has its own. */
	if (x->ctx == y->ctx && (object_owner(x->object) == x->ctx || (x->own_element && y->own_element) ||
	                         slot_pointee_own(a, x->ctx, x->object)))
		return 0;
	if ((x->atomic && y->atomic) || x->once || y->once)
		return 0;
	if (x->dying || y->dying)        /* on the way to abort(): a race in a crash */
		return 0;
	if (x->alone || y->alone)        /* no other thread exists: single_threaded.c */
		return 0;
	if (!contexts_concurrent(a, x->ctx, &x->when, y->ctx, &y->when))
		return 0;
	return !onceguard_excludes(a, x, y);
}

/* An access holding the lock its object is declared guarded by never races: the other
 * side, without it, breaks the declaration (declared.c reports it). */
static int ordered_by_locks(const struct access_rec *x, const struct access_rec *y)
{
	return x->guard_held || y->guard_held || records_share_lock(x, y);
}

int records_race(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	return (x->write || y->write) && !ordered_by_locks(x, y) && accesses_conflict(a, x, y) &&
	       !flag_publication_orders(a, x, y) && !flag_publication_orders(a, y, x) &&
	       !message_orders(a, x, y) && !message_orders(a, y, x) &&
	       !joined_slot_orders(a, x, y) && !joined_slot_orders(a, y, x) &&
	       !barrier_orders(a, x, y) && !barrier_orders(a, y, x) && !tokens_exclude(a, x, y) &&
	       !channel_orders(a, x, y);
}

/* The first racing pair of records between two sites, or 0. A site's records come in runs
 * of one lockset (cmp_access): a run whose locks order it with x is skipped whole, since a
 * library's well-locked object is reached from thousands of contexts. */
static int find_pair(const struct analysis *a, const int *order, const struct site *s,
                     const struct site *t, int *ri, int *rj)
{
	for (int i = 0; i < s->count; i++) {
		const struct access_rec *x = &a->acc[order[s->first + i]];
		for (int j = 0; j < t->count; j++) {
			const struct access_rec *y = &a->acc[order[t->first + j]];
			if (ordered_by_locks(x, y)) {
				while (j + 1 < t->count && a->acc[order[t->first + j + 1]].lockset == y->lockset)
					j++;
			} else if (records_race(a, x, y)) {
				*ri = order[s->first + i];
				*rj = order[t->first + j];
				return 1;
			}
		}
	}
	return 0;
}

/* What the source calls the object: its spelling, or for a free() the freed block. */
static char *spelling(const struct analysis *a, const struct access_rec *r)
{
	if (r->freeing) {        /* "s:FILE:job*" -> "*job" */
		const char *tail = strrchr(r->object, ':');
		tail = tail ? tail + 1 : r->object;
		size_t n = strlen(tail);
		return n && tail[n - 1] == '*' ? xasprintf("*%.*s", (int)(n - 1), tail) : xstrdup(tail);
	}
	return r->ev->name ? xstrdup(r->ev->name) : display_symbol(a, r->object);
}

static void add_side(struct analysis *a, struct finding *f, const struct access_rec *r)
{
	char *name = spelling(a, r);
	char *msg = xasprintf("%s of '%s'", r->freeing ? "free" : r->write ?
	                      (r->ev->flags & EVF_READ ? "read-modify-write" : "write") : "read", name);
	free(name);
	struct location *loc = emit_location(a, f, r->fn, r->ev, msg);
	free(msg);
	emit_thread(a, loc, a->ctxs[r->ctx]);
	loc->locks = emit_locks_text(a, r->locks, r->lock_shared, r->nlocks);
	emit_stack(a, loc, r->stack, r->nstack);
}

static void report_pair(struct analysis *a, const struct access_rec *x, const struct access_rec *y,
                        const char *kind, int warning)
{
	char *name = spelling(a, x);
	char *msg = xasprintf("data race on '%s' (%s)", name, kind);
	free(name);
	char *sym = display_symbol(a, x->object);
	struct finding *f = emit_finding(a, "data-race", msg, sym);
	if (warning) {
		free(f->severity);
		f->severity = xstrdup("warning");
	}
	add_side(a, f, x);
	add_side(a, f, y);
	free(msg);
	free(sym);
}

void races_report_pair(struct analysis *a, const struct access_rec *x, const struct access_rec *y,
                       const char *kind)
{
	report_pair(a, x, y, kind, 0);
}

/* Only code of one context that runs once touches it: nothing to race with. */
static int one_lone_context(const struct analysis *a, const int *order, int lo, int hi)
{
	int ctx = a->acc[order[lo]].ctx;
	if (a->ctxs[ctx]->multi)
		return 0;
	for (int i = lo + 1; i < hi; i++)
		if (a->acc[order[i]].ctx != ctx)
			return 0;
	return 1;
}

/* A locked write x whose race is with the unlocked write y of a site already in a
 * finding (a reset under the lock against an increment without it): that finding's fix,
 * taking the lock at y, fixes this race too, so it is no second finding. */
static int locked_against_reported(const struct access_rec *x, const struct access_rec *y)
{
	return x->nlocks && !y->nlocks && y->write && !y->atomic && !x->freeing && !y->freeing;
}

static void check_object(struct analysis *a, const int *order, int lo, int hi)
{
	if (one_lone_context(a, order, lo, hi))
		return;
	struct site *sites = xcalloc((size_t)(hi - lo), sizeof *sites);
	int n = 0;
	for (int i = lo; i < hi; i++) {
		const struct access_rec *r = &a->acc[order[i]];
		struct site *last = n ? &sites[n - 1] : NULL;
		if (last && last->fn == r->fn && last->line == r->ev->line) {
			last->count++;
			last->writes |= r->write;
			last->plain_writes |= r->write && !r->atomic;
			continue;
		}
		sites[n++] = (struct site){.fn = r->fn, .line = r->ev->line, .first = i, .count = 1,
		                           .writes = r->write, .plain_writes = r->write && !r->atomic};
	}
	/* Sites are in source order. A race needs a write, and fixing the write fixes every read
	 * it races with: each racing write site is reported once, with its first partner
	 * (preferring one not yet reported). Plain write sites lead first: an atomic write races
	 * only with the plain accesses around it, so a plain write's finding that pairs with it
	 * is that bug; an atomic write site leads only a race no plain write site reported
	 * (plain reads of an atomically bumped counter). */
	for (int k = 0; k < 2 * n; k++) {
		int s = k % n;
		if (sites[s].covered || !sites[s].writes || (k < n) != (sites[s].plain_writes != 0))
			continue;
		int best_i = -1, best_j = -1, best_t = -1;
		for (int pass = 0; pass < 2 && best_t < 0; pass++)
			for (int t = 0; t < n && best_t < 0; t++) {
				int ri, rj;
				if ((pass == 0) == (sites[t].covered && t != s))
					continue;
				if (find_pair(a, order, &sites[s], &sites[t], &ri, &rj)) {
					best_i = ri;
					best_j = rj;
					best_t = t;
				}
			}
		if (best_t < 0)
			continue;
		int partner_reported = sites[best_t].covered && best_t != s;
		sites[s].covered = sites[best_t].covered = 1;
		const struct access_rec *x = &a->acc[best_i], *y = &a->acc[best_j];
		if (partner_reported && locked_against_reported(x, y))
			continue;
		/* Primary: the earlier site, unless that one leads a finding of its own already:
		 * then this write site does, so no two findings start at one line; nor when the
		 * earlier one only writes atomically: the plain write is the one to fix. */
		int atomic_partner = sites[best_t].writes && !sites[best_t].plain_writes;
		if (best_t < s && !partner_reported && !atomic_partner) {
			const struct access_rec *tmp = x;
			x = y;
			y = tmp;
		}
		int warning;
		const char *kind = race_kind(a, order, lo, hi, x, y, &warning);
		if (x->freeing || y->freeing) {
			kind = FREE_RACE;
			warning = 0;
		}
		report_pair(a, x, y, kind, warning);
	}
	free(sites);
}

/* Does `object` lie inside the block `block` ("X*.f", "X*[]" inside "X*")? */
static int inside(const char *object, const char *block)
{
	size_t n = strlen(block);
	return strncmp(object, block, n) == 0 && (object[n] == '.' || object[n] == '[' ||
	                                          object[n] == '*');
}

/* free(p) racing with an access to a part of the block: the parts sort right after the
 * block itself (order[hi..]), while they share its name as a prefix. One finding per free. */
static void check_free(struct analysis *a, const int *order, int lo, int hi, int n)
{
	for (int i = lo; i < hi; i++) {
		const struct access_rec *x = &a->acc[order[i]];
		if (!x->freeing)
			continue;
		for (int j = hi; j < n && inside(a->acc[order[j]].object, x->object); j++) {
			const struct access_rec *y = &a->acc[order[j]];
			if (a->ctxs[y->ctx]->program == a->ctxs[x->ctx]->program && records_race(a, x, y)) {
				report_pair(a, x, y, FREE_RACE, 0);
				break;
			}
		}
	}
}

static int same_group(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	return a->ctxs[x->ctx]->program == a->ctxs[y->ctx]->program && strcmp(x->object, y->object) == 0;
}

/* Which threads main code at chain `when` runs alongside, as a string of 0s and 1s over
 * `threads`; computed once per distinct chain, as main reaches one chain many times. */
struct alongside {
	const int *threads;
	int nthreads;
	const unsigned char *creates;   /* by context: it starts threads */
	int depth;                   /* levels of a chain any comparison with a thread reads */
	struct keymap index;         /* (ctx, chain) -> its string in bits */
	char **bits;
	int nbits, cap;
};

static const char *threads_alongside(const struct analysis *a, struct alongside *al,
                                     const struct access_rec *r)
{
	struct keybuf kb = {0};
	kb_int(&kb, r->ctx);
	kb_int(&kb, r->when.pre);
	int n = r->when.n < al->depth ? r->when.n : al->depth;
	kb_int(&kb, n);
	for (int i = 0; i < n; i++) {
		kb_int(&kb, when_lv(&r->when, i)->pos);
		kb_int(&kb, when_lv(&r->when, i)->lo);
		kb_int(&kb, when_lv(&r->when, i)->hi);
		kb_int(&kb, when_lv(&r->when, i)->fn);
	}
	struct hkey key = kb_hash(&kb);
	kb_free(&kb);
	int at;
	if (keymap_get(&al->index, key, &at))
		return al->bits[at];
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < al->nthreads; i++)
		if (a->ctxs[al->threads[i]]->program == a->ctxs[r->ctx]->program)
			sb_addc(&sb, contexts_concurrent(a, r->ctx, &r->when, al->threads[i], NULL) ? '1' : '0');
	grow_array((void **)&al->bits, &al->cap, al->nbits, sizeof *al->bits);
	al->bits[al->nbits] = sb_detach(&sb);
	keymap_put(&al->index, key, al->nbits);
	return al->bits[al->nbits++];
}

/* The longest chain of a thread's start or end in main (or of one of its instances): a
 * comparison of main's chains with them reads no deeper level, so main's records that part
 * only below it run alongside the same threads. */
static int thread_chain_depth(const struct analysis *a)
{
	int d = 0;
	for (int t = 0; t < a->nctxs; t++) {
		const struct context *c = a->ctxs[t];
		if (c->kind != CTX_THREAD)
			continue;
		d = c->start.n > d ? c->start.n : d;
		d = c->end.n > d ? c->end.n : d;
		for (int k = 0; k < c->ninst; k++) {
			d = c->inst[k].start.n > d ? c->inst[k].start.n : d;
			d = c->inst[k].end.n > d ? c->inst[k].end.n : d;
		}
	}
	return d;
}

/* What decides whether a record races: its object, site, kind, locks, and (for main and
 * threads that start threads) which threads can run alongside it. Main reaches one site through many call chains; records
 * that agree on all of these are one for the race check. */
static struct hkey race_signature(const struct analysis *a, struct alongside *al,
                                  const struct access_rec *r, struct keybuf *kb)
{
	kb_reset(kb);
	kb_str(kb, r->object);
	kb_int(kb, r->ctx);
	kb_int(kb, (long)(intptr_t)r->ev);
	kb_int(kb, r->write | r->atomic << 1 | r->dying << 2 | r->own_element << 3 | r->guard_held << 4 |
	       r->alone << 5);
	for (int i = 0; i < r->nlocks; i++)
		kb_int(kb, r->locks[i] * 2 + (r->lock_shared[i] != 0));
	kb_int(kb, -2);
	for (int i = 0; i < r->ntokens; i++)
		kb_int(kb, r->tokens[i]);
	kb_int(kb, messages_past_receipt(a, r));   /* where a receiver got a message */
	if (a->ctxs[r->ctx]->kind == CTX_MAIN || al->creates[r->ctx]) {
		kb_int(kb, -1);
		kb_str(kb, threads_alongside(a, al, r));
	}
	return kb_hash(kb);
}

/* Indices of the records that differ in what decides a race; returns how many. */
static int distinct_records(const struct analysis *a, int *order)
{
	/* The thread contexts, once: the contexts also hold one per function analysed alone. */
	int *threads = xcalloc((size_t)(a->nctxs ? a->nctxs : 1), sizeof *threads), nthreads = 0;
	for (int t = 0; t < a->nctxs; t++)
		if (a->ctxs[t]->kind == CTX_THREAD)
			threads[nthreads++] = t;
	/* A thread that starts threads meets them depending on where its code runs, as main. */
	unsigned char *creates = xcalloc((size_t)(a->nctxs ? a->nctxs : 1), 1);
	for (int t = 0; t < nthreads; t++)
		if (a->ctxs[threads[t]]->parent)
			creates[a->ctxs[threads[t]]->parent->id] = 1;
	struct alongside al = {.threads = threads, .nthreads = nthreads, .creates = creates,
	                       .depth = thread_chain_depth(a)};
	struct keymap seen = {0};
	struct keybuf kb = {0};
	int n = 0;
	for (int i = 0; i < a->nacc; i++) {
		struct hkey sig = race_signature(a, &al, &a->acc[i], &kb);
		if (!keymap_get(&seen, sig, NULL)) {
			keymap_put(&seen, sig, i);
			order[n++] = i;
		}
	}
	for (int i = 0; i < al.nbits; i++)
		free(al.bits[i]);
	free(al.bits);
	keymap_free(&al.index);
	keymap_free(&seen);
	kb_free(&kb);
	free(threads);
	free(creates);
	return n;
}

/* Numbers each record's lockset (locks, modes, guard_held): equal numbers, equal sets. */
static void intern_locksets(struct analysis *a)
{
	struct keymap ids = {0};
	struct keybuf kb = {0};
	for (int i = 0; i < a->nacc; i++) {
		struct access_rec *r = &a->acc[i];
		kb_reset(&kb);
		kb_int(&kb, r->guard_held);
		for (int k = 0; k < r->nlocks; k++)
			kb_int(&kb, r->locks[k] * 2 + (r->lock_shared[k] != 0));
		struct hkey key = kb_hash(&kb);
		if (!keymap_get(&ids, key, &r->lockset)) {
			r->lockset = ids.n;
			keymap_put(&ids, key, r->lockset);
		}
	}
	kb_free(&kb);
	keymap_free(&ids);
}

void check_races(struct analysis *a)
{
	declared_resolve(a);
	flags_index_writes(a);
	channels_index(a);
	intern_locksets(a);
	int *order = xcalloc((size_t)(a->nacc ? a->nacc : 1), sizeof *order);
	int n = distinct_records(a, order), from = a->out->n;
	qsort_r(order, (size_t)n, sizeof *order, cmp_access, a);
	/* Library code linked into many programs: each program's accesses are a group of their
	 * own, since two programs never share memory. */
	for (int lo = 0; lo < n;) {
		int hi = lo + 1;
		while (hi < n && same_group(a, &a->acc[order[hi]], &a->acc[order[lo]]))
			hi++;
		check_object(a, order, lo, hi);
		check_guarded(a, order, lo, hi);
		check_free(a, order, lo, hi, n);
		lo = hi;
	}
	free(order);
	races_merge_members(a, from);
	check_handoff_races(a);
}
