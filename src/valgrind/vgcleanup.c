/* vgcleanup.c — Helgrind's "unlocked a not-locked lock" in a cancellation cleanup handler.
 * A thread cancelled inside pthread_cond_wait re-acquires the wait's mutex before its
 * cleanup handlers run (POSIX); glibc does it in the wait's unwinding, where Helgrind does
 * not see it, so the handler's unlock of that mutex looks like an unlock of a lock not
 * held. Likely benign when the static facts show the handler was pushed (the frame under
 * it is a pthread_cleanup_push line) while the mutex was held, a wait on that mutex
 * before the matching pop, and no unlock of it between them: the thread holds it at every
 * cancellation point the handler covers. */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/source.h"
#include "common/util.h"
#include "internal.h"

/* Does the source line of fn spell `word`? */
static int line_says(const struct function *fn, int line, const char *word)
{
	size_t len;
	const char *text = source_line(NULL, fn->file, line, &len);
	size_t n = strlen(word);
	for (size_t i = 0; text && i + n <= len; i++)
		if (!strncmp(text + i, word, n))
			return 1;
	return 0;
}

static int is_class(struct facts_at *fc, const char *cls, const char *symbol)
{
	char *rel = cls ? root_relative_text(fc->root, cls) : NULL;
	int same = str_eq(rel, symbol);
	free(rel);
	return same;
}

/* Is `mutex` held for sure at the first event of fn at `line`? */
static int held_at_line(struct facts_at *fc, const struct function *fn, int line, const char *mutex)
{
	int b, i;
	struct held_lock h[VG_MAX_HELD];
	if (!facts_first_event_at(fn, line, &b, &i))
		return 0;
	int n = facts_locks_held_at(fn, b, i, h, VG_MAX_HELD), held = 0;
	for (int k = 0; k < n && !held; k++)
		held = !h[k].shared && is_class(fc, h[k].lock_class, mutex);
	return held;
}

/* Between the lines push and pop of fn: a wait on mutex, and no unlock of it? */
static int waits_holding(struct facts_at *fc, const struct function *fn, int push, int pop,
                         const char *mutex)
{
	int waits = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line <= push || ev->line >= pop || !is_class(fc, ev->lock_class, mutex))
				continue;
			if (ev->kind == EV_UNLOCK)
				return 0;
			waits |= ev->kind == EV_COND_WAIT;
		}
	return waits;
}

static char *cleanup_reason(struct facts_at *fc, const struct finding *f)
{
	const struct location *at = f->nlocs ? &f->locs[0] : NULL;
	if (!at || at->nstack < 2 || !f->symbol || !*f->symbol)
		return NULL;
	const struct frame *push = &at->stack[1];
	const struct function *fn = facts_function_at(fc, push->file, push->line);
	if (!fn || !line_says(fn, push->line, "pthread_cleanup_push"))
		return NULL;
	int pop = push->line + 1;
	while (pop <= fn->end_line && !line_says(fn, pop, "pthread_cleanup_pop"))
		pop++;
	if (pop > fn->end_line || !held_at_line(fc, fn, push->line, f->symbol) ||
	    !waits_holding(fc, fn, push->line, pop, f->symbol))
		return NULL;
	return xasprintf("likely benign: the cleanup handler pushed at %s:%d while '%s' was held "
	                 "unlocks it after a cancellation in the condition wait before the pop at "
	                 "line %d: the cancelled wait re-locks the mutex before the handlers run "
	                 "(glibc does it where Helgrind does not see it), and nothing between "
	                 "the push and the pop unlocks it", push->file, push->line, f->symbol, pop);
}

void vg_cleanup_unlocks(struct facts_at *fc, struct finding_list *l)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (!str_eq(f->rule, "unlock-not-held") || f->suppressed || !str_eq(f->engine, "helgrind"))
			continue;
		char *reason = cleanup_reason(fc, f);
		if (reason)
			vg_mark_benign_reason(f, reason);
	}
}
