/* watch_heap.c — heap candidates. The static pass names a heap block by its allocation
 * site, "h:FILE:LINE" followed by the access path inside it (".deposits", ".q.head"). The
 * block's address exists only at run time, so the runtime watches it from its allocation:
 * it interposes malloc, calloc and realloc and, only for calls whose return address lies
 * in the allocation line's code (the DWARF line table's ranges for FILE:LINE), watches the
 * new block at the candidate's offsets. The offsets come from the DWARF of the struct type
 * that has the path's first member (in the units of FILE; when several types have it,
 * they must agree on the offsets). A block without a member path is watched at its first
 * word. Allocations through a project's wrapper (xmalloc) return into the wrapper, not
 * into FILE:LINE, and are not followed. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "watch_internal.h"

struct heap_path {
	char *file;                 /* canonical absolute */
	int line;
	const char *rest;           /* into the symbol */
};

static int parse(const char *symbol, const char *root, struct heap_path *out)
{
	/* FILE:LINE then the path: the last ':' followed by digits that end the symbol or
	 * start the path (a file name may hold '.' and ':'). */
	const char *body = symbol + 2, *colon = NULL, *rest = NULL;
	for (const char *p = strchr(body, ':'); p; p = strchr(p + 1, ':')) {
		size_t digits = strspn(p + 1, "0123456789");
		if (digits && (!p[1 + digits] || strchr(".[*", p[1 + digits]))) {
			colon = p + 1;
			rest = p + 1 + digits;
		}
	}
	if (!colon || colon - 1 == body)
		return -1;
	char *file = xstrndup(body, (size_t)(colon - 1 - body));
	char *abs = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", root, file);
	char real[PATH_MAX];
	out->file = xstrdup(realpath(abs, real) ? real : abs);
	out->line = atoi(colon);
	out->rest = rest;
	free(abs);
	free(file);
	return out->line > 0 ? 0 : -1;
}

static int has_member(Dwarf_Die *rec, const char *name, size_t len)
{
	Dwarf_Die m;
	if (dwarf_child(rec, &m) != 0)
		return 0;
	do {
		const char *n = dwarf_diename(&m);
		if (dwarf_tag(&m) == DW_TAG_member && n && strlen(n) == len && !strncmp(n, name, len))
			return 1;
	} while (dwarf_siblingof(&m, &m) == 0);
	return 0;
}

struct type_search {
	const char *path;           /* ".member…" */
	struct regions found;
	int nfound, disagree;
};

static void consider(struct type_search *s, Dwarf_Die *type)
{
	size_t len = strcspn(s->path + 1, ".[*");
	struct regions r;
	if (!has_member(type, s->path + 1, len) || watch_walk(*type, s->path, &r))
		return;
	if (s->nfound++ == 0)
		s->found = r;
	else if (r.n != s->found.n || memcmp(r.r, s->found.r, (size_t)r.n * sizeof r.r[0]))
		s->disagree = 1;
}

/* Struct and union types among die's children (and one level into functions, for types
 * defined inside them). */
static void search_types(struct type_search *s, Dwarf_Die *parent, int depth)
{
	Dwarf_Die d;
	if (dwarf_child(parent, &d) != 0)
		return;
	do {
		int tag = dwarf_tag(&d);
		if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
		    !dwarf_hasattr(&d, DW_AT_declaration))
			consider(s, &d);
		else if (tag == DW_TAG_subprogram && depth == 0)
			search_types(s, &d, 1);
	} while (dwarf_siblingof(&d, &d) == 0);
}

/* Whether the unit's main file is file. */
static int unit_of(Dwarf_Die *cu, const char *file)
{
	char *path = watch_cu_path(cu);
	int yes = str_eq(path, file);
	free(path);
	return yes;
}

/* The regions of the block the path names: from the struct type with its first member
 * in the units of the allocation's file. */
static const char *block_regions(Dwarf **dw, int n, const struct heap_path *hp, struct regions *out)
{
	if (!*hp->rest) {
		out->n = 1;
		out->r[0] = (struct region){0, 8};   /* clamped to the block at run time */
		return NULL;
	}
	if (hp->rest[0] != '.' || strchr(hp->rest, '*'))
		return "the racing object is reached through a pointer or an array inside the "
		       "heap block";
	struct type_search s = {.path = hp->rest};
	for (int m = 0; m < n; m++) {
		Dwarf_Off off = 0, next;
		size_t hsize;
		for (; dw[m] && dwarf_nextcu(dw[m], off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
			Dwarf_Die cu;
			if (dwarf_offdie(dw[m], off + hsize, &cu) && unit_of(&cu, hp->file))
				search_types(&s, &cu, 0);
		}
	}
	if (!s.nfound)
		return "no struct type with that member is in the allocating file's debugging "
		       "information";
	if (s.disagree)
		return "several struct types with that member place it differently";
	*out = s.found;
	return NULL;
}

static void add_range(struct watch_plan *w, int site, const char *module, uint64_t lo, uint64_t hi)
{
	grow_array((void **)&w->ranges, &w->cap_ranges, w->nranges, sizeof *w->ranges);
	w->ranges[w->nranges++] = (struct watch_alloc_range){site, module, lo, hi};
}

/* The code of FILE:LINE in one module, from its line table: one range per row of that
 * line (up to the next row's address). */
static void line_ranges(struct watch_plan *w, int site, int m, Dwarf *dw, const struct heap_path *hp)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	for (; dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t nlines;
		if (!dwarf_offdie(dw, off + hsize, &cu) || dwarf_getsrclines(&cu, &lines, &nlines))
			continue;
		const char *last_name = NULL;
		int last_same = 0;
		for (size_t i = 0; i + 1 < nlines; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i), *after = dwarf_onesrcline(lines, i + 1);
			int lineno;
			bool end;
			Dwarf_Addr lo, hi;
			if (dwarf_lineno(l, &lineno) || lineno != hp->line || dwarf_lineendsequence(l, &end) ||
			    end || dwarf_lineaddr(l, &lo) || dwarf_lineaddr(after, &hi) || hi <= lo)
				continue;
			const char *name = dwarf_linesrc(l, NULL, NULL);
			if (name != last_name) {
				char real[PATH_MAX];
				last_name = name;
				last_same = name && str_eq(realpath(name, real) ? real : name, hp->file);
			}
			if (last_same)
				add_range(w, site, w->modules[m], lo, hi);
		}
	}
}

/* The site number of the allocation line (one per line, whichever candidates share it),
 * its ranges added when new; -1 when the line has no code. */
static int site_of(struct watch_plan *w, Dwarf **dw, const struct heap_path *hp)
{
	char *key = xasprintf("%s:%d", hp->file, hp->line);
	for (int i = 0; i < w->nsites; i++)
		if (str_eq(w->site_keys[i], key)) {
			free(key);
			return i;
		}
	int first_range = w->nranges;
	for (int m = 0; m < w->nmodules; m++)
		line_ranges(w, w->nsites, m, dw[m], hp);
	if (w->nranges == first_range) {
		free(key);
		return -1;
	}
	grow_array((void **)&w->site_keys, &w->cap_sites, w->nsites, sizeof *w->site_keys);
	w->site_keys[w->nsites] = key;
	return w->nsites++;
}

void watch_heap_resolve(struct watch_plan *w, int cand, Dwarf **dw, const char *root)
{
	struct watch_cand *c = &w->c[cand];
	struct heap_path hp = {0};
	struct regions r;
	if (parse(c->f->symbol, root, &hp)) {
		c->why_not = "the heap block's allocation site cannot be read from the finding";
	} else if ((c->why_not = block_regions(dw, w->nmodules, &hp, &r)) == NULL) {
		int site = site_of(w, dw, &hp);
		if (site < 0) {
			c->why_not = "its allocation line has no code in the program's line table";
		} else {
			c->first_target = w->nt;
			for (int i = 0; i < r.n; i++)
				watch_add_words(w, cand, NULL, r.r[i].off, r.r[i].size,
				                watch_has_read_side(c->f), site);
		}
	}
	free(hp.file);
}
