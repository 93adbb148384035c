/* vgpublish.c — races between the code that filled an object and a reader, when the static
 * facts show the object was handed over in an order Helgrind and DRD do not see:
 *
 *   - lazy atomic publication: a heap block filled in the function that allocated it, then
 *     published through an atomic store, exchange or compare-and-swap of a global pointer
 *     (there, or, when that function returns the block — a constructor — in the caller on
 *     the allocation's stack, after the call), and read after an atomic load of that
 *     pointer on every path. Release/acquire orders the fill
 *     before the read, but the tools do not model C11 or GCC atomics (on x86 an acquire
 *     load is a plain move). A relaxed operation orders nothing: not judged.
 *   - handed over through another release/acquire channel (an atomic index or flag, a
 *     semaphore: store/facts_handover.c), as ring slots and double-checked initialisation
 *     are;
 *   - filled before the reader's thread existed: the write ran in main (the bottom of the
 *     writer's stack: run once, by one thread), which created the reading thread, before
 *     that pthread_create and never after it.
 *
 * The creation case needs both accesses; publication takes a lone read too (Helgrind may
 * keep no stack of the fill, DRD names one access) when the allocating function writes
 * the block only before publishing it. */
#include <stdlib.h>
#include <string.h>

#include "common/atomic_order.h"
#include "common/util.h"
#include "internal.h"
#include "store/facts_handover.h"

static int is_global_path(const char *p)
{
	return p && (str_starts(p, "g:") || str_starts(p, "s:") || str_starts(p, "fs:"));
}

struct acquire_query {
	struct facts_at *fc;
	const char *object;          /* the published pointer's path */
	int depth;
	int take;                    /* only an acquire exchange (it takes what it swaps out) */
	const char *file;            /* the file of the function asked about */
};

/* An atomic load of the object that is not relaxed, or a call of a function that does one
 * on every path before it returns (the lazy getter). */
static int acquires(const struct event *ev, const void *arg)
{
	const struct acquire_query *q = arg;
	if (ev->kind == EV_ACCESS)
		return (ev->flags & EVF_ATOMIC) && (ev->flags & EVF_READ) && str_eq(ev->path, q->object) &&
		       (!q->take || atomic_line_takes(NULL, q->file, ev->line));
	if (ev->kind != EV_CALL || !ev->callee || q->depth >= 3)
		return 0;
	const struct function *callee = facts_function_by_usr(q->fc, ev->callee);
	if (!callee)
		return 0;
	struct acquire_query deeper = {q->fc, q->object, q->depth + 1, q->take, callee->file};
	return facts_always_passes(callee, acquires, &deeper);
}

/* The first event of fn at `line`, with its function (NULL when none). */
static const struct function *event_at(struct facts_at *fc, const char *file, int line,
                                       int *b, int *i)
{
	const struct function *fn = facts_function_at(fc, file, line);
	return fn && facts_first_event_at(fn, line, b, i) ? fn : NULL;
}

/* Is the side ordered after an acquire load of object (take: an acquire exchange of it),
 * in some function of its stack? */
static int after_acquire(struct facts_at *fc, const struct location *side, const char *object,
                         int take)
{
	struct acquire_query q = {fc, object, 0, take, NULL};
	for (int k = 0; k < side->nstack; k++) {
		const struct frame *fr = &side->stack[k];
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		q.file = fn ? fn->file : NULL;
		if (fn && facts_ordered_after(fn, fr->line, acquires, &q))
			return 1;
	}
	return 0;
}

static int read_after_acquire(struct facts_at *fc, const struct location *side, const char *object)
{
	return after_acquire(fc, side, object, 0);
}

/* A read after an acquire of the pointer; or any access after an acquire exchange that
 * took it (the block is then the taker's alone: a list drained at once, then relinked
 * and freed). */
static const char *side_verb(const struct location *side)
{
	return str_starts(side->message, "read") ? "read" : "used";
}

static const char *acquire_verb(const struct location *side)
{
	return str_starts(side->message, "read") ? "load" : "exchange";
}

static int used_after_acquire(struct facts_at *fc, const struct location *side, const char *object)
{
	return str_starts(side->message, "read") ? read_after_acquire(fc, side, object)
	                                         : after_acquire(fc, side, object, 1);
}

/* The publication of a block allocated in fn at (ab, ai): an atomic write of a global
 * pointer, not relaxed, that can follow the allocation (NULL when none). */
static const struct event *publication(const struct function *fn, int ab, int ai, int *pb, int *pi)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->kind == EV_ACCESS && (ev->flags & EVF_ATOMIC) && (ev->flags & EVF_WRITE) &&
			    is_global_path(ev->path) && facts_reaches(fn, ab, ai, b, i) && !atomic_line_relaxed(NULL, fn->file, ev->line)) {
				*pb = b;
				*pi = i;
				return ev;
			}
		}
	return NULL;
}

static const struct location *alloc_site(const struct finding *f)
{
	for (int i = 0; i < f->nlocs; i++)
		if (str_eq(f->locs[i].message, VG_ALLOC_MESSAGE))
			return &f->locs[i];
	return NULL;
}

static const char *short_name(const char *path)
{
	const char *c = strrchr(path, ':');
	return c ? c + 1 : path;
}

/* Does fn return the block allocated at `heap` ("h:FILE:LINE")? */
static int returns_block(const struct function *fn, const char *heap)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->kind == EV_RETURN && ev->path && ev->path[0] == '&' &&
			    str_eq(ev->path + 1, heap))
				return 1;
		}
	return 0;
}

/* Does the source of fn, after `line`, go through the local `local` ("l:F:x"): `x->`,
 * `x[`, `*x`? The facts record no access through a local pointer a call's result went
 * to, so the caller's text is read: a constructor's block its caller still writes after
 * publishing it is not judged. */
static int deref_after(const struct function *fn, const char *local, int line)
{
	const char *name = strrchr(local, ':');
	for (int l = line + 1; name && l <= fn->end_line; l++)
		if (vg_line_derefs(fn->file, l, name + 1))
			return 1;
	return 0;
}

/* Where a block is published: the function, the event, and the object through which that
 * function still reaches the block (the heap path in the allocating function, the local
 * the constructor's result went to in its caller). */
struct published {
	const struct function *fn;
	int b, i;
	const struct event *ev;
	const char *file;            /* the publishing function's file, as the finding names it */
	char *block;
	int cas;                     /* published by a compare-and-swap (in a retry loop) */
};

/* Can the publishing function write the block after publishing it? A write on the retry
 * loop of a compare-and-swap (the new node's next set to the head just read) runs before
 * the attempt that succeeds. */
static int written_after_publication(const struct function *fn, const struct published *p,
                                     int pb, int pi)
{
	return p->cas ? facts_block_written_after_exit(fn, p->block, pb, pi)
	              : facts_block_written_after(fn, p->block, pb, pi);
}

/* The publication of the block allocated at alloc, in the allocating function or, when it
 * returns the block, in its caller on the allocation's stack after the call. */
static int find_publication(struct facts_at *fc, const struct location *alloc,
                            struct published *p)
{
	int ab, ai;
	const struct function *fn = event_at(fc, alloc->file, alloc->line, &ab, &ai);
	if (!fn)
		return 0;
	char *heap = xasprintf("h:%s:%d", fn->file, alloc->line);
	p->fn = fn;
	p->file = alloc->file;
	p->ev = publication(fn, ab, ai, &p->b, &p->i);
	if (p->ev || alloc->nstack < 2 || !returns_block(fn, heap)) {
		p->block = heap;
		return p->ev != NULL;
	}
	free(heap);
	const struct frame *up = &alloc->stack[1];
	int cb, ci;
	const struct function *caller = event_at(fc, up->file, up->line, &cb, &ci);
	for (int i = ci; caller && i < caller->blocks[cb].nevents; i++) {
		const struct event *call = &caller->blocks[cb].events[i];
		if (call->line != up->line)
			break;
		if (call->kind != EV_CALL || !str_eq(call->callee, fn->usr))
			continue;
		p->fn = caller;
		p->file = up->file;
		p->ev = publication(caller, cb, i, &p->b, &p->i);
		if (p->ev && call->path && deref_after(caller, call->path, p->ev->line))
			p->ev = NULL;
		p->block = p->ev ? xstrdup(call->path ? call->path : "?") : NULL;
		return p->ev != NULL;
	}
	p->block = NULL;
	return 0;
}

static char *judge_publication(struct facts_at *fc, const struct location *alloc,
                               const struct location **s, int nsides, const struct published *p)
{
	const struct function *fn = p->fn;
	const struct event *pub = p->ev;
	int pb = p->b, pi = p->i;
	if (nsides == 1) {
		/* Valgrind kept no stack of the fill: the one side must be a read after the
		 * acquire (any access after an exchange that took the block), and the publishing
		 * function must not write the block once published. */
		int ok = !written_after_publication(fn, p, pb, pi) && used_after_acquire(fc, s[0], pub->path);
		return ok ? xasprintf("likely benign: the block allocated at %s:%d is filled before "
		                      "it is published through atomic '%s' (%s:%d), and %s at "
		                      "%s:%d after an atomic %s of it: release/acquire orders them, "
		                      "which Valgrind does not model", alloc->file, alloc->line,
		                      short_name(pub->path), p->file, pub->line, side_verb(s[0]),
		                      s[0]->file, s[0]->line, acquire_verb(s[0]))
		          : NULL;
	}
	int ab, ai;
	const struct function *afn = event_at(fc, alloc->file, alloc->line, &ab, &ai);
	for (int k = 0; k < 2; k++) {
		/* s[k] fills the block in the allocating function before the publication (a
		 * constructor returns before its caller publishes) */
		int wb, wi;
		const struct function *wfn = event_at(fc, s[k]->file, s[k]->line, &wb, &wi);
		int before = wfn && wfn == fn ? facts_reaches(fn, wb, wi, pb, pi) &&
		                                (!facts_reaches(fn, pb, pi, wb, wi) || p->cas)
		                              : wfn && wfn == afn && afn != fn;
		if (!before || !used_after_acquire(fc, s[1 - k], pub->path))
			continue;
		return xasprintf("likely benign: the block is filled at %s:%d before it is published "
		                 "through atomic '%s' (%s:%d), and %s at %s:%d after an atomic %s "
		                 "of it: release/acquire orders them, which Valgrind does not model",
		                 s[k]->file, s[k]->line, short_name(pub->path), p->file, pub->line,
		                 side_verb(s[1 - k]), s[1 - k]->file, s[1 - k]->line,
		                 acquire_verb(s[1 - k]));
	}
	return NULL;
}

/* Two accesses handed over by a release/acquire channel: an index of a ring, a flag set
 * after a double-checked initialisation (store/facts_handover.c). */
static char *handover(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2], *alloc = alloc_site(f);
	int n = vg_sides(f, s);
	if (n == 2)
		return facts_handover(fc, s[0], s[1]);
	return n == 1 && alloc && str_starts(s[0]->message, "read")
		? facts_handover_block(fc, alloc, s[0]) : NULL;
}

static char *lazy_publication(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2], *alloc = alloc_site(f);
	int nsides = alloc ? vg_sides(f, s) : 0;
	if (!nsides)
		return NULL;
	struct published p = {0};
	int found = find_publication(fc, alloc, &p);
	p.cas = found && atomic_line_compares(NULL, p.fn->file, p.ev->line);
	char *reason = found ? judge_publication(fc, alloc, s, nsides, &p) : NULL;
	free(p.block);
	return reason;
}

/* Publication through a pointer, or handed over through another channel. */
char *vg_lazy_publication(struct facts_at *fc, const struct finding *f)
{
	char *reason = lazy_publication(fc, f);
	return reason ? reason : handover(fc, f);
}

/* "thread #3 'worker' created at a.c:57" -> a.c, 57 (file new string), or NULL. */
static char *creation_site(const char *thread, int *line)
{
	const char *at = thread ? strstr(thread, " created at ") : NULL;
	const char *colon = at ? strrchr(at, ':') : NULL;
	if (!colon)
		return NULL;
	*line = atoi(colon + 1);
	return xstrndup(at + 12, (size_t)(colon - at - 12));
}

/* Did `writer` run in main, which created reader's thread, before that creation and never
 * after it? */
static int before_creation(struct facts_at *fc, const struct location *writer,
                           const struct location *reader)
{
	int line, cb, ci;
	char *file = creation_site(reader->thread, &line);
	const struct function *cfn = file ? event_at(fc, file, line, &cb, &ci) : NULL;
	free(file);
	if (!cfn || !writer->nstack)
		return 0;
	const struct frame *bottom = &writer->stack[writer->nstack - 1];
	const struct function *wfn = facts_function_at(fc, bottom->file, bottom->line);
	const struct event *ce = &cfn->blocks[cb].events[ci];
	if (wfn != cfn || !str_eq(cfn->name, "main") || ce->kind != EV_THREAD_CREATE)
		return 0;
	/* Every event of the writer's line (a `for` header's init and increment) must be unable
	 * to follow the creation, and one of them must lead to it. */
	int leads = 0;
	for (int b = 0; b < cfn->nblocks; b++)
		for (int i = 0; i < cfn->blocks[b].nevents; i++) {
			if (cfn->blocks[b].events[i].line != bottom->line)
				continue;
			if (facts_reaches(cfn, cb, ci, b, i))
				return 0;
			leads |= facts_reaches(cfn, b, i, cb, ci);
		}
	return leads;
}

char *vg_filled_before_threads(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	if (vg_sides(f, s) != 2)
		return NULL;
	for (int k = 0; k < 2; k++)
		if (before_creation(fc, s[k], s[1 - k]))
			return xasprintf("likely benign: %s:%d ran before the thread of the other access "
			                 "was created (%s), and never after it: thread creation orders "
			                 "them", s[k]->file, s[k]->line,
			                 strstr(s[1 - k]->thread, "created at ") + 11);
	return NULL;
}

