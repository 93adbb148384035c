/* vgmtunsafe.c — a race on the shared storage an MT-unsafe library function returns
 * (ctime's buffer, localtime's struct tm, getpwnam's passwd): Valgrind sees a thread read
 * that storage while another thread's call of the same function rewrites it, and reports
 * a race with no variable name. The call is the bug, which the static pass reports as an
 * mt-unsafe-call: a race one side of which is that call, or reads through the local its
 * result was stored in (`s = ctime(&t); … strlen(s)`) after it in the same function, is
 * that finding's consequence: kept, marked, naming it (one bug, one finding). */
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* An unsuppressed mt-unsafe-call of l or known at file:line, or NULL. */
static const struct finding *unsafe_call_at(const struct finding_list *l,
                                            const struct finding_list *known,
                                            const char *file, int line)
{
	const struct finding_list *lists[] = {l, known};
	for (int w = 0; w < 2; w++)
		for (int i = 0; lists[w] && i < lists[w]->n; i++) {
			const struct finding *m = &lists[w]->items[i];
			if (str_eq(m->rule, "mt-unsafe-call") && !m->suppressed && m->nlocs &&
			    m->locs[0].line == line && str_eq(m->locs[0].file, file))
				return m;
		}
	return NULL;
}

/* Does `path` designate the object `local` or what it points to ("l:f:s", "l:f:s*")? */
static int through(const char *path, const char *local)
{
	size_t n = strlen(local);
	return path && !strncmp(path, local, n) && strchr("*.[", path[n]) != NULL;
}

static int uses(const struct event *ev, const char *local)
{
	if (through(ev->path, local) || through(ev->arg, local))
		return 1;
	for (int k = 0; k < ev->nargs; k++)
		if (through(ev->args[k].path, local))
			return 1;
	return 0;
}

/* Does event (b, i) of fn, at the side's line, use the result of the call (cb, ci)? */
static int reads_result(const struct function *fn, int cb, int ci, int line)
{
	const char *local = fn->blocks[cb].events[ci].path;
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line == line && uses(ev, local) && facts_reaches(fn, cb, ci, b, i))
				return 1;
		}
	return 0;
}

/* The mt-unsafe-call whose storage the side touches, or NULL. */
static const struct finding *unsafe_storage(struct facts_at *fc, const struct location *side,
                                            const struct finding_list *l,
                                            const struct finding_list *known)
{
	const struct finding *m = unsafe_call_at(l, known, side->file, side->line);
	const struct function *fn = m ? NULL : facts_function_at(fc, side->file, side->line);
	for (int b = 0; fn && b < fn->nblocks && !m; b++)
		for (int i = 0; i < fn->blocks[b].nevents && !m; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->kind != EV_CALL || !ev->path || !str_starts(ev->path, "l:"))
				continue;
			const struct finding *call = unsafe_call_at(l, known, side->file, ev->line);
			if (call && reads_result(fn, b, i, side->line))
				m = call;
		}
	return m;
}

char *vg_mtunsafe_consequence(struct facts_at *fc, const struct finding *f,
                              const struct finding_list *l, const struct finding_list *known)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	for (int k = 0; k < n; k++) {
		if (!s[k]->file)
			continue;
		const struct finding *m = unsafe_storage(fc, s[k], l, known);
		if (m)
			return xasprintf("likely the same bug as the MT-unsafe call of '%s' at %s:%d: the "
			                 "memory is the shared storage it returns, which another thread's "
			                 "call rewrites", m->symbol ? m->symbol : "?", m->locs[0].file,
			                 m->locs[0].line);
	}
	return NULL;
}
