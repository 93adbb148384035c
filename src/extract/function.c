/* function.c — one function definition to a struct function: its identity, then its body as
 * a CFG (entry block 0, exit block 1), then the loop ranges of its events. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static CXCursor body_of(CXCursor decl)
{
	CXCursor *v;
	int n = cursor_children(decl, &v);
	CXCursor body = clang_getNullCursor();
	for (int i = 0; i < n; i++)
		if (clang_getCursorKind(v[i]) == CXCursor_CompoundStmt)
			body = v[i];
	free(v);
	return body;
}

static void identify(struct xtu *x, struct function *fn, CXCursor decl)
{
	fn->usr = cursor_usr(decl);
	fn->name = cursor_name(decl);
	CXFile file;
	unsigned line, end;
	CXSourceRange r = clang_getCursorExtent(decl);
	clang_getExpansionLocation(clang_getCursorLocation(decl), &file, &line, NULL, NULL);
	clang_getExpansionLocation(clang_getRangeEnd(r), NULL, &end, NULL, NULL);
	fn->file = xstrdup(canonical_file(x, file));
	fn->line = (int)line;
	fn->end_line = (int)(end >= line ? end : line);
	if (clang_Cursor_getStorageClass(decl) == CX_SC_Static)
		fn->flags |= FNF_STATIC;
	CXType rt = clang_getCanonicalType(clang_getResultType(clang_getCursorType(decl)));
	if (rt.kind == CXType_Pointer || rt.kind == CXType_Bool)
		fn->flags |= FNF_NONZERO_OK;
	int np = clang_Cursor_getNumArguments(decl);
	fn->nparams = np > 0 ? np : 0;
}

/* loop_lo/loop_hi: the pos range of the outermost loop around each event. */
static void set_loop_ranges(struct xfn *f)
{
	for (int b = 0; b < f->fn->nblocks; b++)
		for (int e = 0; e < f->fn->blocks[b].nevents; e++) {
			struct event *ev = &f->fn->blocks[b].events[e];
			ev->loop_lo = ev->loop_hi = ev->pos;
			for (int r = 0; r < f->nranges; r++)
				if (ev->pos >= f->ranges[r][0] && ev->pos <= f->ranges[r][1]) {
					ev->loop_lo = f->ranges[r][0];
					ev->loop_hi = f->ranges[r][1];
				}
		}
}

static void xfn_free(struct xfn *f)
{
	for (int i = 0; i < f->nlocals; i++) {
		struct local *l = &f->locals[i];
		free(l->name);
		free(l->alias);
		free(l->from);
		free(l->aff_src);
		free(l->alias_class);
		free(l->alias_field);
		free(l->copy_of);
		free(l->ring_head);
		for (int j = 0; j < l->nfns; j++) {
			free(l->fns[j].usr);
			free(l->fns[j].name);
		}
		free(l->fns);
	}
	free(f->locals);
	cond_atom_free(f);
	for (int i = 0; i < f->nlabels; i++)
		free(f->labels[i].name);
	free(f->labels);
	free(f->jumps);
	free(f->loops);
	free(f->loop_parts);
	free(f->ranges);
}

/* What the function declares it runs under, as the first events of its entry block. */
static void declare_needs(struct xfn *f, CXCursor decl)
{
	struct declared_need needs[8];
	int unchecked = 0;
	int n = declared_needs_of(f->x, decl, needs, 8, &unchecked);
	if (unchecked)
		f->fn->flags |= FNF_UNCHECKED;
	for (int i = 0; i < n; i++) {
		struct event *ev = emit_at(f, EV_DECLARE, f->fn->line, 1);
		ev->flags |= needs[i].flags;
		ev->path = needs[i].path;
		ev->name = needs[i].text;
	}
}

void extract_function(struct xtu *x, CXCursor decl)
{
	CXCursor body = body_of(decl);
	if (is_null_cursor(body))
		return;
	struct function *fn = tu_add_function(x->out);
	identify(x, fn, decl);
	struct xfn f = {.x = x, .fn = fn, .decl = decl, .name = fn->name};
	f.cond_try = clang_getNullCursor();
	status_lock_end(&f);
	f.watch_call = clang_getNullCursor();
	f.watch_pos = -1;
	new_block(&f);   /* 0: entry */
	new_block(&f);   /* 1: exit */
	f.cur = 0;
	prepass_function(&f, body);
	declare_needs(&f, decl);
	walk_stmt(&f, body);
	if (f.cur >= 0) {   /* falling off the end returns at the closing brace */
		unsigned line, col;
		clang_getExpansionLocation(clang_getRangeEnd(clang_getCursorExtent(body)), NULL,
		                           &line, &col, NULL);
		emit_at(&f, EV_RETURN, (int)line, col > 1 ? (int)col - 1 : (int)col);
		end_path(&f, 1);
	}
	set_loop_ranges(&f);
	xfn_free(&f);
}
