/* takes.c — objects taken out of a shared container: `v = P; … P = v->next;` reads the
 * pointer a container slot P holds (a queue's or a list's head) into local v, then unlinks
 * that object by storing its successor into P. From then on v no longer designates what P
 * designates: it holds the taken object. Its paths become "l:FUNC:v@take…" and an EV_TAKE
 * event tells the analysis where, so that it can decide (analyze/handover.c) whether the
 * take happened under a lock and the object is the taker's alone. The reverse, a block the
 * function allocated stored into a shared slot, is an EV_PUT. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* A pointer value read from an object (a slot): not an address, not a parameter itself,
 * not an object taken already. */
static int loaded_alias(const char *alias)
{
	if (!alias || alias[0] == '&' || alias[0] == '?' || strstr(alias, "@take"))
		return 0;
	if (str_starts(alias, "p:")) {
		const char *p = alias + 2;
		while (*p >= '0' && *p <= '9')
			p++;
		return *p != '\0';          /* p:0*.head, not p:0 */
	}
	return 1;
}

/* value == slot "*." FIELD: the successor of the object the slot holds (v->next). */
static int successor_of(const char *value, const char *slot)
{
	size_t n = strlen(slot);
	if (!value || strncmp(value, slot, n) != 0 || strncmp(value + n, "*.", 2) != 0)
		return 0;
	return strcspn(value + n + 2, ".*[") == strlen(value + n + 2);
}

/* `S = v` with v a local holding a block this function allocated, S shared: the block is
 * put where others can reach it (a list of thread handles: analyze/results.c). */
static void note_put(struct xfn *f, CXCursor l, CXCursor rhs, const char *slot)
{
	CXCursor v = strip_expr(rhs);
	if (clang_getCursorKind(v) != CXCursor_DeclRefExpr || !path_is_shared(slot))
		return;
	struct local *local = local_find(f, clang_getCursorReferenced(v));
	if (!local || !local->alias || !str_starts(local->alias, "&h:"))
		return;
	struct event *ev = emit(f, EV_PUT, l);
	ev->path = xstrdup(slot);
	ev->arg = xstrdup(local->alias);
}

void note_take(struct xfn *f, CXCursor lhs, CXCursor rhs)
{
	CXCursor l = strip_implicit(lhs);
	char *slot = path_of(f, l);
	if (!slot || slot[0] == '&') {
		free(slot);
		return;
	}
	note_put(f, l, rhs, slot);
	char *value = value_path(f, rhs);
	if (successor_of(value, slot)) {
		for (int i = 0; i < f->nlocals; i++) {
			struct local *v = &f->locals[i];
			if (!loaded_alias(v->alias) || !str_eq(v->alias, slot) || v->escapes)
				continue;
			struct event *ev = emit(f, EV_TAKE, l);
			ev->path = xstrdup(slot);
			ev->arg = xasprintf("l:%s:%s@take", f->name, v->name);
			ev->name = cursor_text(f->x, l);
			ev->api = xasprintf("%d", v->alias_pos);
			free(v->alias);
			v->alias = xstrdup(ev->arg);
		}
	}
	free(value);
	free(slot);
}
