/* vgconfirm.c — a race Valgrind found that is a race already known (from the static pass,
 * or from the other Valgrind tool) becomes that finding: same fingerprint and symbol, so the
 * store keeps one finding with evidence from each engine, and a static finding seen at run
 * time is confirmed. Sides are compared by file, function and line; the static pass and
 * Valgrind name objects differently (access paths, symbol names), so the objects are
 * compared by their last component only. DRD names one access and no static variable: its
 * race joins a known race on a global when the static facts show its access touching that
 * global (vg_join_by_object), or another report of the same run on the same address that
 * did (vg_join_by_address). */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "store/accesses.h"
#include "internal.h"

/* The racing accesses of a finding: its locations but a heap block's allocation site. */
int vg_sides(const struct finding *f, const struct location **out)
{
	int n = 0;
	for (int i = 0; i < f->nlocs && n < 2; i++)
		if (!str_eq(f->locs[i].message, VG_ALLOC_MESSAGE))
			out[n++] = &f->locs[i];
	return n;
}

static int same_site(const struct location *a, const struct location *b)
{
	return a->line == b->line && str_eq(a->file, b->file) && str_eq(a->func, b->func);
}

/* The object's own name: after the last ':' of an access path, without array brackets
 * (Valgrind names one element, or the whole array). New string. */
static char *object_name(const char *s)
{
	const char *colon = strrchr(s, ':');
	struct strbuf sb;
	sb_init(&sb);
	int depth = 0;
	for (const char *p = colon ? colon + 1 : s; *p; p++) {
		depth += *p == '[';
		if (!depth)
			sb_addc(&sb, *p);
		depth -= *p == ']' && depth;
	}
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

int vg_same_object(const char *known, const char *vg)
{
	if (!vg || !strcmp(vg, "?") || str_starts(vg, "heap:"))
		return 1;
	if (!known)
		return 0;
	/* Without --read-var-info Valgrind names the variable, not the member ("prof" for
	 * prof.version): a prefix up to a '.' agrees. */
	char *a = object_name(known), *b = object_name(vg);
	size_t n = strlen(b);
	int same = !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '.');
	free(a);
	free(b);
	return same;
}

/* Does Valgrind's name vg stand for the whole of the known object, not one of its
 * members ("table" for table[].used, "stats" for stats.failed)? */
static int names_container(const char *known, const char *vg)
{
	if (!known || !vg || !strcmp(vg, "?") || str_starts(vg, "heap:"))
		return 0;
	char *a = object_name(known), *b = object_name(vg);
	size_t n = strlen(b);
	int whole = n && !strncmp(a, b, n) && a[n] == '.';
	free(a);
	free(b);
	return whole;
}

static int same_function(const struct location *q, const struct location *p)
{
	return str_eq(q->file, p->file) && str_eq(q->func, p->func);
}

/* Valgrind's side q and a known side p a few lines apart in one function (the check
 * read another field of the object there, or the fill wrote one). */
static int near_site(const struct location *q, const struct location *p)
{
	return same_function(q, p) && abs(q->line - p->line) <= 4;
}

/* 3: both sides match; 2: Valgrind's only side is one of the known two; 1: Valgrind names
 * the object holding the known member, one side at a known site and the other in the
 * known other side's function, or each side near a known one (the unlocked check read
 * fields the static pass followed and fields it did not, whose static races joined this
 * one: one bug); 0: no match. */
static int match(const struct finding *f, const struct finding *k)
{
	const struct location *fs[2], *ks[2];
	int nf = vg_sides(f, fs), nk = vg_sides(k, ks);
	if (!str_eq(k->rule, "data-race") || nk != 2 || !nf || !vg_same_object(k->symbol, f->symbol))
		return 0;
	if (nf == 1)
		return same_site(fs[0], ks[0]) || same_site(fs[0], ks[1]) ? 2 : 0;
	if ((same_site(fs[0], ks[0]) && same_site(fs[1], ks[1])) ||
	    (same_site(fs[0], ks[1]) && same_site(fs[1], ks[0])))
		return 3;
	if (!names_container(k->symbol, f->symbol))
		return 0;
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++)
			if (same_function(fs[1 - a], ks[1 - b]) &&
			    (same_site(fs[a], ks[b]) ||
			     (near_site(fs[a], ks[b]) && near_site(fs[1 - a], ks[1 - b]))))
				return 1;
	return 0;
}

static void copy_location(struct location *to, const struct location *from)
{
	to->file = xstrdup(from->file);
	to->line = from->line;
	to->col = from->col;
	to->func = xstrdup(from->func);
	to->message = xstrdup(from->message);
	to->thread = xstrdup(from->thread);
	to->locks = xstrdup(from->locks);
	for (int i = 0; i < from->nstack; i++)
		finding_add_frame(to, from->stack[i].func, from->stack[i].file, from->stack[i].line);
}

/* Takes k's identity; a one-sided race matched at one of k's sites (take_side) also takes
 * k's other side, so the stored finding still shows both accesses. */
static void adopt(struct finding *f, const struct finding *k, int take_side)
{
	const struct location *fs[2], *ks[2];
	int nf = vg_sides(f, fs);
	free(f->fingerprint);
	f->fingerprint = xstrdup(k->fingerprint);
	free(f->symbol);
	f->symbol = xstrdup(k->symbol);
	if (nf != 1 || !take_side)
		return;
	vg_sides(k, ks);
	const struct location *other = same_site(fs[0], ks[0]) ? ks[1] : ks[0];
	copy_location(finding_add_loc(f), other);
}

void vg_confirm(struct finding_list *l, const struct finding_list *known)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (!str_eq(f->rule, "data-race"))
			continue;
		int best = 0;
		const struct finding *bk = NULL;
		for (int j = 0; j < known->n && best < 3; j++) {
			int m = match(f, &known->items[j]);
			if (m > best) {
				best = m;
				bk = &known->items[j];
			}
		}
		if (bk && !str_eq(bk->fingerprint, f->fingerprint))
			adopt(f, bk, 1);
	}
	finding_list_unique(l, 0);
}

/* Does the static facts' access at the side's line touch the object `path`? */
static int accesses_object(struct facts_at *fc, const struct location *side, const char *path,
                           int sibling)
{
	if (!side->file || side->line <= 0)
		return 0;
	char *file = side->file[0] == '/' ? xstrdup(side->file)
	                                  : xasprintf("%s/%s", fc->root, side->file);
	struct stored_access_list at = {0};
	fc->err |= store_accesses_at(fc->st, file, side->line, &at) != 0;
	int yes = 0;
	for (int i = 0; i < at.n && !yes; i++) {
		char *rel = root_relative_text(fc->root, at.items[i].path);   /* as symbols are */
		yes = str_eq(rel, path) || (sibling && symbols_sibling_members(rel, path));
		free(rel);
	}
	stored_access_list_free(&at);
	free(file);
	return yes;
}

/* Is the side a few lines from one of the known race's, in its function? There an access
 * to another member of the same object is the same unlocked check or locked fill, whose
 * races the static pass reports once (analyze/race_members.c). */
static int near_known(const struct location *side, const struct location **ks)
{
	return near_site(side, ks[0]) || near_site(side, ks[1]);
}

void vg_join_by_object(struct facts_at *fc, struct finding_list *l, const struct finding_list *known)
{
	for (int i = 0; fc->st && i < l->n; i++) {
		struct finding *f = &l->items[i];
		const struct location *fs[2];
		if (!str_eq(f->rule, "data-race") || vg_sides(f, fs) != 1)
			continue;
		for (int j = 0; j < known->n; j++) {
			const struct finding *k = &known->items[j];
			const struct location *ks[2];
			if (str_eq(k->fingerprint, f->fingerprint))
				break;              /* already that finding */
			if (!str_eq(k->rule, "data-race") || vg_sides(k, ks) != 2 || !k->symbol ||
			    !(str_starts(k->symbol, "g:") || str_starts(k->symbol, "s:")) ||
			    !accesses_object(fc, fs[0], k->symbol, near_known(fs[0], ks)))
				continue;
			adopt(f, k, 0);
			break;
		}
	}
	finding_list_unique(l, 0);
}

/* Does one of g's locations name the address a (n characters)? */
static int names_address(const struct finding *g, const char *a, size_t n)
{
	for (int i = 0; i < g->nlocs; i++) {
		size_t m;
		const char *b = vg_address_in(g->locs[i].message, &m);
		if (b && m == n && !strncmp(a, b, n))
			return 1;
	}
	return 0;
}

void vg_join_by_address(struct finding_list *l)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		const struct location *fs[2];
		size_t n;
		const char *a = str_eq(f->rule, "data-race") && str_eq(f->symbol, "?") &&
		                vg_sides(f, fs) == 1 ? vg_address_in(fs[0]->message, &n) : NULL;
		for (int j = 0; a && j < l->n; j++) {
			const struct finding *g = &l->items[j];
			if (j == i || !str_eq(g->rule, "data-race") || !g->symbol ||
			    str_eq(g->symbol, "?") || !str_eq(g->engine, f->engine) ||
			    !names_address(g, a, n))
				continue;
			adopt(f, g, 0);
			break;
		}
	}
	finding_list_unique(l, 0);
}
