/* finding.c — memory of findings: the growable lists and their release.
 * (Identity and display order live in fingerprint.c.) */
#include "finding.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct finding *finding_list_add(struct finding_list *l)
{
	grow_array((void **)&l->items, &l->cap, l->n, sizeof *l->items);
	struct finding *f = &l->items[l->n++];
	memset(f, 0, sizeof *f);
	return f;
}

struct location *finding_add_loc(struct finding *f)
{
	f->locs = append_zeroed(f->locs, &f->nlocs, sizeof *f->locs);
	return &f->locs[f->nlocs - 1];
}

void finding_add_frame(struct location *loc, const char *func, const char *file, int line)
{
	loc->stack = append_zeroed(loc->stack, &loc->nstack, sizeof *loc->stack);
	struct frame *fr = &loc->stack[loc->nstack - 1];
	fr->func = xstrdup(func);
	fr->file = xstrdup(file);
	fr->line = line;
}

void location_free(struct location *loc)
{
	free(loc->file);
	free(loc->func);
	free(loc->message);
	free(loc->thread);
	free(loc->locks);
	for (int i = 0; i < loc->nstack; i++) {
		free(loc->stack[i].func);
		free(loc->stack[i].file);
	}
	free(loc->stack);
	memset(loc, 0, sizeof *loc);
}

void finding_free(struct finding *f)
{
	if (!f)
		return;
	free(f->rule);
	free(f->severity);
	free(f->message);
	free(f->symbol);
	free(f->engine);
	free(f->fingerprint);
	for (int i = 0; i < f->nlocs; i++)
		location_free(&f->locs[i]);
	free(f->locs);
	free(f->suppress_reason);
	free(f->engines);
	memset(f, 0, sizeof *f);
}

void finding_list_free(struct finding_list *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++)
		finding_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}
