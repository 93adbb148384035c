/* watch_static.c — a race the watch engine finds on a variable it watched on its own (no
 * scan candidate: watch_globals.c), judged with the static facts. When the database holds
 * a scan whose facts record accesses to that very variable at both sides' lines, the
 * static pass saw the two accesses and reported no race between them: it found them
 * ordered or protected by what it models and the watch engine's clocks do not (a mutex's
 * unlock -> lock, a flag published under a condition's mutex, per-thread elements). The
 * finding is kept, marked likely benign with that reason, as the Valgrind engines' alarms
 * the static facts explain are (never deleted: a run sees what it runs). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "facts/facts.h"
#include "internal.h"
#include "store/facts_at.h"
#include "store/facts_handover.h"
#include "watch_internal.h"

/* The variable a facts path names: "s:/a/b.c:data[]" and "g:stats.hits" -> "data",
 * "stats". */
static int names_variable(const char *path, const char *var)
{
	if (!path || !var || !(str_starts(path, "s:") || str_starts(path, "g:")))
		return 0;
	const char *p = strrchr(path, ':') + 1;
	size_t n = strcspn(p, ".[*");
	return strlen(var) == n && !strncmp(p, var, n);
}

/* The facts record an access to `var` at file:line. */
static int access_at(struct facts_at *fc, const char *file, int line, const char *var)
{
	const struct function *fn = file ? facts_function_at(fc, file, line) : NULL;
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == EV_ACCESS && ev->line == line && names_variable(ev->path, var))
				return 1;
		}
	return 0;
}

static void mark_benign(struct finding *f, char *reason)
{
	f->suppressed = 1;
	f->benign = 1;
	free(f->suppress_reason);
	f->suppress_reason = reason;
}

int watch_static_explains(struct facts_at *fc, struct finding *f, const char *var)
{
	if (!fc || !fc->st || f->nlocs < 2)
		return 0;
	/* handed over by release/acquire atomics, which the clocks do not follow */
	char *handover = facts_handover(fc, &f->locs[0], &f->locs[1]);
	if (handover) {
		mark_benign(f, handover);
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (!access_at(fc, f->locs[i].file, f->locs[i].line, var))
			return 0;
	mark_benign(f, xasprintf(
		"likely benign: the static pass analysed both accesses to '%s' and found them ordered "
		"or protected by synchronisation the watch engine's clocks do not follow (a mutex's "
		"unlock -> lock)", var));
	return 1;
}
