/* facts_at.c — the stored static facts at a source position (facts_at.h): the function
 * defined at a file and line of a stack, loaded with its whole unit on first use; the lock
 * class and thread entry the facts give a line; and two questions of one function's
 * control flow. */
#include <stdlib.h>
#include <string.h>

#include "accesses.h"
#include "common/findkit.h"
#include "common/util.h"
#include "facts_at.h"

static const struct function *in_unit(const struct tu_facts *tu, const char *file, int line)
{
	for (int i = 0; i < tu->nfuncs; i++) {
		const struct function *fn = &tu->funcs[i];
		if (fn->nblocks && fn->line <= line && line <= fn->end_line && str_eq(fn->file, file))
			return fn;
	}
	return NULL;
}

const struct function *facts_function_at(struct facts_at *fc, const char *file, int line)
{
	if (!file || line <= 0 || !fc->st)
		return NULL;
	char *abs = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", fc->root, file);
	const struct function *fn = NULL;
	for (int i = 0; i < fc->ntus && !fn; i++)
		fn = in_unit(&fc->tus[i], abs, line);
	if (!fn) {
		struct tu_facts tu;
		int found = store_facts_at(fc->st, abs, line, &tu);
		fc->err |= found < 0;
		if (found == 1) {
			fc->tus = append_zeroed(fc->tus, &fc->ntus, sizeof *fc->tus);
			fc->tus[fc->ntus - 1] = tu;
			fn = in_unit(&fc->tus[fc->ntus - 1], abs, line);
		}
	}
	free(abs);
	return fn;
}

void facts_at_free(struct facts_at *fc)
{
	for (int i = 0; i < fc->ntus; i++)
		tu_facts_free(&fc->tus[i]);
	free(fc->tus);
	memset(fc, 0, sizeof *fc);
}

int facts_first_event_at(const struct function *fn, int line, int *block, int *idx)
{
	int best = -1;
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line == line && (best < 0 || ev->pos < best)) {
				best = ev->pos;
				*block = b;
				*idx = i;
			}
		}
	return best >= 0;
}

int facts_always_before(const struct function *fn, int block, int idx,
                        int (*is_mark)(const struct event *, const void *), const void *arg)
{
	for (int i = 0; i < idx; i++)
		if (is_mark(&fn->blocks[block].events[i], arg))
			return 1;
	/* Can the entry reach the event's block without passing a marked event? */
	char *seen = xcalloc((size_t)fn->nblocks, 1);
	int *todo = xcalloc((size_t)fn->nblocks, sizeof *todo);
	int n = 0, reached = 0;
	todo[n++] = 0;
	seen[0] = 1;
	while (n && !reached) {
		int b = todo[--n];
		if (b == block) {
			reached = 1;
			break;
		}
		int cut = 0;
		for (int i = 0; i < fn->blocks[b].nevents && !cut; i++)
			cut = is_mark(&fn->blocks[b].events[i], arg);
		for (int s = 0; !cut && s < fn->blocks[b].nsuccs; s++) {
			int t = fn->blocks[b].succs[s];
			if (t >= 0 && t < fn->nblocks && !seen[t]) {
				seen[t] = 1;
				todo[n++] = t;
			}
		}
	}
	free(seen);
	free(todo);
	return !reached;
}

/* Adds cls (when it names a lock) to the distinct classes seen; 0 once a second differs. */
static int note_class(const char *cls, const char **only)
{
	if (!cls || !*cls)
		return 1;
	if (*only && strcmp(*only, cls))
		return 0;
	*only = cls;
	return 1;
}

char *facts_lock_class_at(struct facts_at *fc, const char *file, int line)
{
	const struct function *fn = facts_function_at(fc, file, line);
	const char *only = NULL;
	int unique = 1;
	for (int b = 0; fn && b < fn->nblocks && unique; b++)
		for (int i = 0; i < fn->blocks[b].nevents && unique; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line != line)
				continue;
			if (ev->kind == EV_LOCK || ev->kind == EV_UNLOCK || ev->kind == EV_COND_WAIT)
				unique = note_class(ev->lock_class, &only);
			else if (ev->kind == EV_CALL)
				for (int k = 0; k < ev->nargs && unique; k++)
					unique = note_class(ev->args[k].lock_class, &only);
		}
	return unique && only ? root_relative_text(fc->root, only) : NULL;
}

const char *facts_thread_entry_at(struct facts_at *fc, const char *file, int line)
{
	const struct function *fn = facts_function_at(fc, file, line);
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->kind == EV_THREAD_CREATE && ev->line == line && ev->name)
				return ev->name;
		}
	return NULL;
}

const struct function *facts_function_by_usr(struct facts_at *fc, const char *usr)
{
	for (int t = 0; usr && t < fc->ntus; t++)
		for (int i = 0; i < fc->tus[t].nfuncs; i++) {
			const struct function *fn = &fc->tus[t].funcs[i];
			if (fn->nblocks && str_eq(fn->usr, usr))
				return fn;
		}
	return NULL;
}

int facts_reaches(const struct function *fn, int b1, int i1, int b2, int i2)
{
	if (b1 == b2 && i2 > i1)
		return 1;
	char *seen = xcalloc((size_t)fn->nblocks, 1);
	int *todo = xcalloc((size_t)fn->nblocks, sizeof *todo);
	int n = 0, reached = 0;
	todo[n++] = b1;
	while (n && !reached) {
		int b = todo[--n];
		for (int s = 0; s < fn->blocks[b].nsuccs && !reached; s++) {
			int t = fn->blocks[b].succs[s];
			if (t < 0 || t >= fn->nblocks || seen[t])
				continue;
			seen[t] = 1;
			reached = t == b2;
			todo[n++] = t;
		}
	}
	free(seen);
	free(todo);
	return reached;
}

int facts_always_passes(const struct function *fn,
                        int (*is_mark)(const struct event *, const void *), const void *arg)
{
	/* Block 1 is the single exit (facts.h): every path to it, before its first event. */
	return fn->nblocks > 1 && facts_always_before(fn, 1, 0, is_mark, arg);
}

/* Must-held locks of one function: per block, two bit sets over its first 64 classes (held
 * exclusively, held for reading), intersected where paths meet. */
struct held_sets {
	unsigned long long excl, read;
};

static int class_index(const char **classes, int *n, const char *cls)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(classes[i], cls))
			return i;
	if (*n >= 64)
		return -1;
	classes[*n] = cls;
	return (*n)++;
}

/* The lock operation of the facts themselves: an acquire or release naming a class. */
static int class_op(const struct event *ev, void *arg, struct held_op *op)
{
	(void)arg;
	/* a semaphore bounds how many enter; it excludes nobody (README, Locksets) */
	if ((ev->kind != EV_LOCK && ev->kind != EV_UNLOCK) || !ev->lock_class || !*ev->lock_class ||
	    ev->lock_kind == LK_SEM)
		return 0;
	*op = (struct held_op){ev->lock_class, ev->kind == EV_LOCK && !(ev->flags & EVF_UNCERTAIN),
	                       (ev->flags & EVF_SHARED) != 0};
	return 1;
}

static void held_step(const struct event *ev, facts_held_op step, void *arg, const char **classes,
                      int *n, struct held_sets *h)
{
	struct held_op op;
	if (!step(ev, arg, &op) || !op.lock)
		return;
	int c = class_index(classes, n, op.lock);
	if (c < 0)
		return;
	unsigned long long bit = 1ULL << c;
	h->excl &= ~bit;
	h->read &= ~bit;
	if (op.acquire) {
		if (op.shared)
			h->read |= bit;
		else
			h->excl |= bit;
	}
}

int facts_locks_held_by(const struct function *fn, int b, int i, facts_held_op step, void *arg,
                        struct held_lock *out, int max)
{
	const char *classes[64];
	int ncls = 0;
	struct held_sets *in = xcalloc((size_t)fn->nblocks, sizeof *in);
	char *reached = xcalloc((size_t)fn->nblocks, 1);
	reached[0] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int k = 0; k < fn->nblocks; k++) {
			if (!reached[k])
				continue;
			struct held_sets h = in[k];
			for (int e = 0; e < fn->blocks[k].nevents; e++)
				held_step(&fn->blocks[k].events[e], step, arg, classes, &ncls, &h);
			for (int s = 0; s < fn->blocks[k].nsuccs; s++) {
				int t = fn->blocks[k].succs[s];
				if (t <= 0 || t >= fn->nblocks)
					continue;
				struct held_sets meet = reached[t]
					? (struct held_sets){in[t].excl & h.excl, in[t].read & h.read} : h;
				if (!reached[t] || meet.excl != in[t].excl || meet.read != in[t].read) {
					in[t] = meet;
					reached[t] = 1;
					changed = 1;
				}
			}
		}
	}
	struct held_sets h = in[b];
	for (int e = 0; e < i && e < fn->blocks[b].nevents; e++)
		held_step(&fn->blocks[b].events[e], step, arg, classes, &ncls, &h);
	int n = 0;
	for (int c = 0; c < ncls && n < max; c++)
		if ((h.excl | h.read) & (1ULL << c))
			out[n++] = (struct held_lock){classes[c], !(h.excl & (1ULL << c))};
	free(in);
	free(reached);
	return n;
}

int facts_locks_held_at(const struct function *fn, int b, int i, struct held_lock *out, int max)
{
	return facts_locks_held_by(fn, b, i, class_op, NULL, out, max);
}

int facts_ordered_after(const struct function *fn, int line,
                        int (*is_mark)(const struct event *, const void *), const void *arg)
{
	int b, i;
	if (facts_first_event_at(fn, line, &b, &i))
		return facts_always_before(fn, b, i, is_mark, arg);
	const struct event *last = NULL;
	for (int k = 0; k < fn->nblocks; k++)
		for (int e = 0; e < fn->blocks[k].nevents; e++) {
			const struct event *ev = &fn->blocks[k].events[e];
			if (ev->line < line && (!last || ev->line > last->line ||
			                        (ev->line == last->line && ev->pos > last->pos))) {
				last = ev;
				b = k;
				i = e;
			}
		}
	return last && (is_mark(last, arg) || facts_always_before(fn, b, i, is_mark, arg));
}

static int block_written_after(const struct function *fn, const char *heap, int b, int i,
                               int skip_cycle)
{
	for (int k = 0; k < fn->nblocks; k++)
		for (int e = 0; e < fn->blocks[k].nevents; e++) {
			const struct event *ev = &fn->blocks[k].events[e];
			if (ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE) && path_within(ev->path, heap) &&
			    facts_reaches(fn, b, i, k, e) && !(skip_cycle && facts_reaches(fn, k, e, b, i)))
				return 1;
		}
	return 0;
}

int facts_block_written_after(const struct function *fn, const char *heap, int b, int i)
{
	return block_written_after(fn, heap, b, i, 0);
}

int facts_block_written_after_exit(const struct function *fn, const char *heap, int b, int i)
{
	return block_written_after(fn, heap, b, i, 1);
}
