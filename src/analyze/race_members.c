/* race_members.c — one finding for the races of several members of one object between the
 * same two stretches of code: an unlocked check reading a slot's `used`, key and value
 * while a locked fill writes them is one bug (take the lock for the check), not one
 * finding per field. Races of the members of one parent object (`table[].used`,
 * `table[].backend`) whose sides are, pairwise, in one function, under the same locks, in
 * the same thread and a few lines apart, keep the first of them. */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "internal.h"

enum { NEAR_LINES = 4 };

static int near_site(const struct location *p, const struct location *q)
{
	return str_eq(p->file, q->file) && str_eq(p->func, q->func) && str_eq(p->locks, q->locks) &&
	       str_eq(p->thread, q->thread) && abs(p->line - q->line) <= NEAR_LINES;
}

static int one_bug(const struct finding *f, const struct finding *g)
{
	if (!str_eq(f->rule, "data-race") || !str_eq(g->rule, "data-race") || f->nlocs != 2 ||
	    g->nlocs != 2 || !symbols_sibling_members(f->symbol, g->symbol))
		return 0;
	const struct location *p = f->locs, *q = g->locs;
	return (near_site(&p[0], &q[0]) && near_site(&p[1], &q[1])) ||
	       (near_site(&p[0], &q[1]) && near_site(&p[1], &q[0]));
}

void races_merge_members(struct analysis *a, int from)
{
	struct finding_list *l = a->out;
	int n = from;
	for (int i = from; i < l->n; i++) {
		int j = from;
		while (j < n && !one_bug(&l->items[j], &l->items[i]))
			j++;
		if (j == n) {
			l->items[n++] = l->items[i];
			continue;
		}
		/* the finding kept is the one whose first side comes first in the source */
		struct finding *kept = &l->items[j], *f = &l->items[i];
		if (f->locs[0].line < kept->locs[0].line) {
			struct finding tmp = *kept;
			*kept = *f;
			*f = tmp;
		}
		finding_free(f);
	}
	l->n = n;
}
