/* race_kind.c — what kind of data race a finding is, so that a maintainer fixes the ones
 * that corrupt data first. Every race is kept; the kind only words and ranks it:
 *   - two writes, or a read-modify-write racing with an access: shared data can be lost or
 *     torn (error);
 *   - a statistics counter: every write to the object is an increment or another
 *     read-modify-write (x++, x += n), nothing assigns it, no function that updates it also
 *     reads it, and it is read while the increments go on (a report taken on the fly,
 *     approximate anyway): a lost update miscounts (warning). A count read only once its writers are joined is the program's
 *     result: losing updates there is an error;
 *   - a flag: assigned plainly from at most two places (set, reset), never
 *     read-modify-written, and read in a loop that polls it: a stale read only delays the
 *     poller (warning; C11's fix is a relaxed atomic);
 *   (writes made while no other thread exists — main's setup before its first thread, code
 *   after a single-threaded check — initialise the object: they count as neither kind's
 *   assignments);
 *   - two writes that store the same constant (found = 1 from every worker): whichever
 *     lands last, the value is the same (warning; C11's fix is a relaxed atomic store);
 *   - otherwise a write racing with a read (error). */
#include <string.h>

#include "internal.h"

struct object_use {
	int rmw_writes, plain_writes, plain_write_sites, polled, pointer;
};

/* A write no other thread can see being made: it sets the object up. */
static int initialising(const struct analysis *a, const struct access_rec *r)
{
	return r->write && (r->alone || (r->when.pre && a->ctxs[r->ctx]->kind == CTX_MAIN));
}

static void object_use(const struct analysis *a, const int *order, int lo, int hi,
                       struct object_use *u)
{
	memset(u, 0, sizeof *u);
	const struct access_rec *last = NULL;      /* records are sorted by site */
	for (int i = lo; i < hi; i++) {
		const struct access_rec *r = &a->acc[order[i]];
		const struct event *ev = r->ev;
		if (ev->type && strchr(ev->type, '*'))
			u->pointer = 1;
		if (initialising(a, r))
			continue;
		if (r->write && (ev->flags & EVF_READ))
			u->rmw_writes++;
		else if (r->write) {
			u->plain_writes++;
			if (!last || last->fn != r->fn || last->ev->line != ev->line)
				u->plain_write_sites++;
			last = r;
		} else if (ev->flags & EVF_IN_LOOP)
			u->polled = 1;
	}
}

static int rmw(const struct access_rec *r)
{
	return r->write && (r->ev->flags & EVF_READ);
}

/* Is some plain read of the object concurrent with one of its increments, and made by code
 * that only reads it (a report)? A function that both reads and updates it (a container's
 * length, a refcount tested after its decrement) uses the value: that is data. */
static int read_on_the_fly(const struct analysis *a, const int *order, int lo, int hi)
{
	for (int i = lo; i < hi; i++) {
		const struct access_rec *r = &a->acc[order[i]];
		if (!r->write || initialising(a, r))
			continue;
		for (int j = lo; j < hi; j++)
			if (!a->acc[order[j]].write && a->acc[order[j]].fn == r->fn)
				return 0;
	}
	for (int i = lo; i < hi; i++) {
		const struct access_rec *r = &a->acc[order[i]];
		if (r->write)
			continue;
		for (int j = lo; j < hi; j++) {
			const struct access_rec *w = &a->acc[order[j]];
			if (rmw(w) && contexts_concurrent(a, r->ctx, &r->when, w->ctx, &w->when))
				return 1;
		}
	}
	return 0;
}

static int same_constant(const struct access_rec *x, const struct access_rec *y)
{
	return x->write && y->write && !rmw(x) && !rmw(y) && x->ev->api && y->ev->api &&
	       strcmp(x->ev->api, y->ev->api) == 0;
}

const char *race_kind(const struct analysis *a, const int *order, int lo, int hi,
                      const struct access_rec *x, const struct access_rec *y, int *warning)
{
	struct object_use u;
	object_use(a, order, lo, hi, &u);
	*warning = 0;
	if (u.rmw_writes && !u.plain_writes && read_on_the_fly(a, order, lo, hi)) {
		*warning = 1;
		return "statistics counter, only incremented: updates can be lost; fix: "
		       "atomic_fetch_add_explicit with memory_order_relaxed";
	}
	if (!u.rmw_writes && u.plain_write_sites <= 2 && u.polled && !u.pointer &&
	    !(x->write && y->write)) {
		*warning = 1;
		return "flag written and polled; fix: a relaxed atomic (atomic_store_explicit and "
		       "atomic_load_explicit with memory_order_relaxed)";
	}
	if (same_constant(x, y)) {
		*warning = 1;
		return "both writes store the same value: none is lost; fix: a relaxed atomic "
		       "(atomic_store_explicit with memory_order_relaxed)";
	}
	if (x->write && y->write)
		return rmw(x) || rmw(y) ? "read-modify-write of shared data: updates can be lost"
		                        : "write-write: one of the values is lost";
	if (rmw(x) || rmw(y))
		return "read-modify-write of shared data: updates can be lost";
	return "a write racing with a read";
}
