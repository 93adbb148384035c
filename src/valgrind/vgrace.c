/* vgrace.c — a Helgrind "Race" or a DRD "ConflictingAccess" as a data-race finding. Helgrind
 * gives both accesses; DRD gives the one it caught (the other thread's segment has no
 * access stack), so its finding has one side. The variable comes from the description
 * Valgrind adds (global var "x", data symbol "prof", or "inside prof.version," when run
 * with --read-var-info); heap
 * memory is named by where its block was allocated, which becomes a location too. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* "read"/"write" when the note is one of the racing accesses, else NULL. */
static const char *access_kind(const char *t)
{
	if (!t)
		return NULL;
	if (strstr(t, "during read") || strstr(t, "previous read") || strstr(t, "Conflicting load"))
		return "read";
	if (strstr(t, "during write") || strstr(t, "previous write") || strstr(t, "Conflicting store"))
		return "write";
	return NULL;
}

/* The thread a note's text names: Helgrind's <hthreadid>, or DRD's "by thread N". */
static int note_thread(const struct vg_note *n)
{
	if (n->hthreadid)
		return n->hthreadid;
	const char *by = n->text ? strstr(n->text, "by thread ") : NULL;
	return by ? atoi(by + 10) : 0;
}

/* The variable a description names: 'inside NAME,' (var-info), 'var "NAME"', 'symbol "NAME"'.
 * New string, or NULL. */
static char *variable_of(const char *t)
{
	const char *p;
	if (!t)
		return NULL;
	if ((p = strstr(t, "var \"")) || (p = strstr(t, "symbol \""))) {
		p = strchr(p, '"') + 1;
		const char *q = strchr(p, '"');
		if (!q)
			return NULL;
		/* A function's static variable is a local symbol "buf.0" to the compiler. */
		const char *dot = memrchr(p, '.', (size_t)(q - p));
		if (dot && dot + 1 < q && strspn(dot + 1, "0123456789") == (size_t)(q - dot - 1))
			q = dot;
		return xstrndup(p, (size_t)(q - p));
	}
	/* "inside a block of size 4 alloc'd", "inside an unallocated block" (freed) name none. */
	if ((p = strstr(t, " inside ")) && !str_starts(p, " inside a ") && !str_starts(p, " inside an ")) {
		p += 8;
		size_t n = strcspn(p, ", ");
		return n ? xstrndup(p, n) : NULL;
	}
	return NULL;
}

/* "table[3]" -> "table[]": one object for every element, as the static pass names it. */
static char *without_indices(const char *name)
{
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = name; *p; p++) {
		sb_addc(&sb, *p);
		if (*p == '[')
			while (p[1] && p[1] != ']')
				p++;
	}
	return sb_detach(&sb);
}

struct race_parts {
	const struct vg_note *sides[2];
	int nsides;
	char *var;                   /* variable name, or NULL */
	const struct vg_note *alloc; /* heap: the note whose stack allocated the block */
};

static void collect(const struct vg_error *e, struct race_parts *r)
{
	for (int i = 0; i < e->nnotes; i++) {
		const struct vg_note *n = &e->notes[i];
		if (access_kind(n->text) && n->stack.n && r->nsides < 2)
			r->sides[r->nsides++] = n;
		else if (!r->var && (r->var = variable_of(n->text)))
			continue;
		else if (!r->alloc && n->stack.n && (str_eq(n->tag, "allocation_context") ||
		                                     (n->text && strstr(n->text, "alloc'd"))))
			r->alloc = n;
	}
}

/* Symbol and message: the variable, or the heap block by its allocating function. */
static void naming(const struct vg_build *b, const struct race_parts *r, char **sym, char **msg)
{
	int u = r->alloc ? vg_user_frame(&r->alloc->stack) : -1;
	if (r->var) {
		*sym = without_indices(r->var);
		*msg = xasprintf("data race on '%s'", r->var);
	} else if (u >= 0) {
		const struct vg_frame *fr = &r->alloc->stack.frames[u];
		char *file = vg_frame_file(b->o, fr);
		*sym = xasprintf("heap:%s:%s", file, fr->fn);
		*msg = xasprintf("data race on a heap block allocated in %s", fr->fn);
		free(file);
	} else {
		*sym = xstrdup("?");
		*msg = xstrdup("data race");
	}
}

/* "the memory at 0x0010c060" from "Conflicting load by thread 3 at 0x0010c060 size 8": an
 * access that names no variable keeps its address, which joins it to another report of the
 * same run on the same memory (vg_join_by_address). New string. */
static char *memory_at(const char *text)
{
	size_t n;
	const char *at = vg_address_in(text, &n);
	return at ? xasprintf("the memory at %.*s", (int)n, at) : xstrdup("the memory");
}

void vg_race_finding(struct vg_build *b, struct finding_list *out, const struct vg_error *e)
{
	struct race_parts r = {0};
	collect(e, &r);
	char *sym, *msg;
	naming(b, &r, &sym, &msg);
	char *what = r.var ? xasprintf("'%s'", r.var) : memory_at(r.nsides ? r.sides[0]->text : NULL);
	vg_new_finding(b, out, "data-race", msg, sym);
	for (int i = 0; i < r.nsides; i++) {
		char *m = xasprintf("%s of %s", access_kind(r.sides[i]->text), what);
		struct location *loc = vg_add_location(b, &r.sides[i]->stack, m);
		if (loc)
			loc->thread = vg_thread_desc(b, note_thread(r.sides[i]));
		free(m);
	}
	if (r.alloc)
		vg_add_location(b, &r.alloc->stack, VG_ALLOC_MESSAGE);
	free(what);
	free(r.var);
}
