/* vgconsequence.c — a race that exists only because of another race the database already
 * reports: one bug, one finding. With --free-is-write, and with heap blocks named apart
 * from the pointers that carry them, Valgrind reports the consequences of a racy reference
 * count or a racy publication as races of their own:
 *
 *   - a free guarded by a count decremented with a plain `--`, on every path to it, when
 *     that decrement is reported as a race: the early free is that race's doing;
 *   - a heap block filled in the function that allocated it and published through a plain
 *     write of a global pointer, when that write is reported as a race: the reader may see
 *     the pointer before the fill because of that race.
 *
 * The consequence is kept, marked as that race's (not counted), naming it. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* An unsuppressed data race of l or known, other than f, with a location at file:line. */
static const struct finding *race_at(const struct finding_list *l, const struct finding_list *known,
                                     const struct finding *f, const char *file, int line)
{
	const struct finding_list *lists[] = {l, known};
	for (int w = 0; w < 2; w++)
		for (int i = 0; lists[w] && i < lists[w]->n; i++) {
			const struct finding *r = &lists[w]->items[i];
			if (r == f || !str_eq(r->rule, "data-race") || r->suppressed ||
			    str_eq(r->fingerprint, f->fingerprint))
				continue;
			for (int k = 0; k < r->nlocs; k++)
				if (r->locs[k].line == line && str_eq(r->locs[k].file, file))
					return r;
		}
	return NULL;
}

/* A plain (not atomic) read-modify-write of a member of `block` ("p:0" -> "p:0*.refs"). */
static int plain_count(const struct event *ev, const void *block)
{
	const char *b = block;
	size_t n = strlen(b);
	return ev->kind == EV_ACCESS && !(ev->flags & EVF_ATOMIC) && (ev->flags & EVF_READ) &&
	       (ev->flags & EVF_WRITE) && ev->path && !strncmp(ev->path, b, n) &&
	       ev->path[n] == '*' && ev->path[n + 1] == '.';
}

struct ctx {
	struct facts_at *fc;
	const struct finding_list *l, *known;
	const struct finding *f;
};

/* The race of the count that guards the free at the side's line, or NULL. */
static const struct finding *racy_count(const struct ctx *c, const struct location *side)
{
	const struct function *fn = facts_function_at(c->fc, side->file, side->line);
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line != side->line || ev->kind != EV_CALL || !str_eq(ev->name, "free") ||
			    !ev->nargs || !ev->args[0].path)
				continue;
			const char *block = ev->args[0].path + (ev->args[0].path[0] == '&');
			if (!facts_always_before(fn, b, i, plain_count, block))
				continue;
			for (int k = 0; k < fn->nblocks; k++)
				for (int e = 0; e < fn->blocks[k].nevents; e++) {
					const struct event *cnt = &fn->blocks[k].events[e];
					const struct finding *r = plain_count(cnt, block) &&
						facts_reaches(fn, k, e, b, i)
						? race_at(c->l, c->known, c->f, side->file, cnt->line) : NULL;
					if (r)
						return r;
				}
		}
	return NULL;
}

/* The race of the plain global write that publishes the block allocated at alloc. */
static const struct finding *racy_publication(const struct ctx *c, const struct location *alloc)
{
	int ab, ai;
	const struct function *fn = facts_function_at(c->fc, alloc->file, alloc->line);
	if (!fn || !facts_first_event_at(fn, alloc->line, &ab, &ai))
		return NULL;
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			const struct finding *r = ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE) &&
				!(ev->flags & EVF_ATOMIC) && ev->path && !strchr(ev->path, '*') &&
				(str_starts(ev->path, "g:") || str_starts(ev->path, "s:")) &&
				facts_reaches(fn, ab, ai, b, i)
				? race_at(c->l, c->known, c->f, alloc->file, ev->line) : NULL;
			if (r)
				return r;
		}
	return NULL;
}

static char *because(const struct finding *r, const char *what)
{
	const struct location *at = r->nlocs ? &r->locs[0] : NULL;
	return xasprintf("likely the same bug as the data race on '%s' at %s:%d: %s",
	                 r->symbol && strrchr(r->symbol, ':') ? strrchr(r->symbol, ':') + 1
	                                                      : r->symbol ? r->symbol : "?",
	                 at && at->file ? at->file : "?", at ? at->line : 0, what);
}

char *vg_consequence(struct facts_at *fc, const struct finding *f, const struct finding_list *l,
                     const struct finding_list *known)
{
	struct ctx c = {fc, l, known, f};
	const struct location *s[2], *alloc = NULL;
	int n = vg_sides(f, s);
	for (int k = 0; k < n; k++) {
		const struct finding *r = racy_count(&c, s[k]);
		if (r)
			return because(r, "the block is freed after a count decremented without "
			                  "synchronisation, so a holder may still use it");
	}
	for (int i = 0; i < f->nlocs && !alloc; i++)
		if (str_eq(f->locs[i].message, VG_ALLOC_MESSAGE))
			alloc = &f->locs[i];
	const struct finding *r = alloc ? racy_publication(&c, alloc) : NULL;
	return r ? because(r, "the block is published through that pointer without "
	                      "synchronisation, so a reader may see it before it is filled")
	         : NULL;
}
