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
