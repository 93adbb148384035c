/* vgtrylock.c — Helgrind's lock-order errors that cannot deadlock. Helgrind adds an edge to
 * its lock-order graph for every acquisition, a successful trylock included, and reports a
 * cycle when the reverse order shows up. But a thread whose second lock of an edge was taken
 * by a trylock never waited for it: a cycle through that edge cannot deadlock (the static
 * and runtime engines order nothing by a trylock either). Such an error is kept, since
 * Helgrind reported it, but marked likely benign with the reason, so it counts neither in
 * the exit status nor at the gate.
 *
 * Helgrind's XML gives two second acquisitions: the error's own stack (the reverse order)
 * and the "followed by a later acquisition" stack of the order established before. A stack
 * acquires by a try operation (rules/locks.tsv, op "try", and the project's wrappers) when a
 * frame above its first user frame is named after one (Valgrind's wrapper, when its symbols
 * are installed), or else when the user frame's source line calls one. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/source.h"
#include "common/util.h"
#include "internal.h"

static const char *try_api(const char *name, size_t n)
{
	char buf[128];
	if (n == 0 || n >= sizeof buf)
		return NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	const struct lock_api *api = lockapi_find(buf);
	return api && api->op == LOP_TRY ? api->func : NULL;
}

/* The first try operation the text calls ("ident (" ), or NULL. */
static const char *try_call_in(const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		if (!isalpha((unsigned char)text[i]) && text[i] != '_') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '_'))
			i++;
		size_t j = i;
		while (j < len && isspace((unsigned char)text[j]))
			j++;
		const char *api = j < len && text[j] == '(' ? try_api(text + start, i - start) : NULL;
		if (api)
			return api;
	}
	return NULL;
}

/* The try operation stack s acquires its lock with, or NULL. */
static const char *try_acquisition(const struct vg_stack *s)
{
	int u = vg_user_frame(s);
	if (u < 0)
		return NULL;
	for (int i = 0; i < u; i++) {
		const char *fn = s->frames[i].fn;
		const char *api = fn ? try_api(fn, strcspn(fn, "@")) : NULL;
		if (api)
			return api;
	}
	const struct vg_frame *fr = &s->frames[u];
	char *path = fr->dir && fr->dir[0] == '/' ? xasprintf("%s/%s", fr->dir, fr->file)
	                                          : xstrdup(fr->file);
	size_t len = 0;
	const char *text = source_line(NULL, path, fr->line, &len);
	free(path);
	return text ? try_call_in(text, len) : NULL;
}

void vg_trylock_benign(struct vg_build *b, const struct vg_error *e)
{
	if (!e->nnotes)
		return;
	const struct vg_stack *second[2] = {&e->notes[0].stack, NULL};
	for (int i = 1; i < e->nnotes; i++)
		if (e->notes[i].text && strstr(e->notes[i].text, "followed by a later acquisition"))
			second[1] = &e->notes[i].stack;
	for (int i = 0; i < 2; i++) {
		const char *api = second[i] ? try_acquisition(second[i]) : NULL;
		if (!api)
			continue;
		int u = vg_user_frame(second[i]);
		const struct vg_frame *fr = &second[i]->frames[u];
		char *file = vg_frame_file(b->o, fr);
		vg_mark_benign_reason(b->f, xasprintf("likely benign: the second lock of one order "
		                      "was taken by %s() at %s:%d, which does not wait, so the cycle "
		                      "cannot deadlock", api, file, fr->line));
		free(file);
		return;
	}
}
