/* watch_sites.c — which traps count for a candidate: a trap is an access to the watched
 * word, but not every access to it is one of the finding's. A static finding names its
 * two accesses by file and line; a trap counts only when its PC (a data breakpoint traps
 * after the access, so the instruction before it) maps through the DWARF line table to
 * one of those lines, in any of its inlined frames. Unrelated code touching the same
 * address (a reused heap block, a neighbour's memset, the runtime's own reads) then
 * neither confirms the race nor passes for one of its accesses. A candidate watched
 * without a finding (no scan) has no sites: every trap counts. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"
#include "watch.h"

#define SITE_FRAMES 8

static char *absolute(const char *file, const char *root)
{
	char *abs = file[0] == '/' || !root ? xstrdup(file) : xasprintf("%s/%s", root, file);
	char real[PATH_MAX];
	if (realpath(abs, real)) {
		free(abs);
		abs = xstrdup(real);
	}
	return abs;
}

void watch_sites_of(struct watch_cand *c, const char *root)
{
	for (int i = 0; c->f && i < c->f->nlocs && i < 2; i++) {
		const struct location *l = &c->f->locs[i];
		if (!l->file || l->line <= 0)
			continue;
		c->sites[c->nsites].file = absolute(l->file, root);
		c->sites[c->nsites++].line = l->line;
	}
}

void watch_sites_free(struct watch_cand *c)
{
	for (int i = 0; i < c->nsites; i++)
		free(c->sites[i].file);
	c->nsites = 0;
}

static int is_site(const struct watch_cand *c, const struct sym_frame *f)
{
	for (int i = 0; i < c->nsites; i++)
		if (f->line == c->sites[i].line && str_eq(f->file, c->sites[i].file))
			return 1;
	return 0;
}

int watch_at_site(struct dyn_process *p, const struct watch_cand *c, uint64_t pc)
{
	if (!c->nsites)
		return 1;
	struct sym_frame fr[SITE_FRAMES];
	int n = sym_pc(process_sym(p), pc, 1, fr, SITE_FRAMES), yes = 0;
	for (int i = 0; i < n; i++) {
		yes |= is_site(c, &fr[i]);
		sym_frame_clear(&fr[i]);
	}
	return yes;
}
