/* baseline_compare.c — which findings are new, fixed or unchanged against a baseline.
 * Identity is the fingerprint alone, so line shifts and unrelated edits change nothing. */
#include "baseline.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int has(const char **sorted, int n, const char *key)
{
	return key && n && bsearch(&key, sorted, (size_t)n, sizeof *sorted, cmp_strp) != NULL;
}

/* The fingerprints of l (suppressed findings included), sorted for lookups. */
static const char **list_fingerprints(const struct finding_list *l, int *n)
{
	const char **fps = xcalloc((size_t)l->n + 1, sizeof *fps);
	*n = 0;
	for (int i = 0; i < l->n; i++)
		if (l->items[i].fingerprint)
			fps[(*n)++] = l->items[i].fingerprint;
	qsort(fps, (size_t)*n, sizeof *fps, cmp_strp);
	return fps;
}

static const char **baseline_fingerprints(const struct baseline *b)
{
	const char **fps = xcalloc((size_t)b->n + 1, sizeof *fps);
	for (int i = 0; i < b->n; i++)
		fps[i] = b->items[i].fingerprint;
	qsort(fps, (size_t)b->n, sizeof *fps, cmp_strp);
	return fps;
}

/* By fingerprint, then by position, so the first of equal entries sorts first. */
static int cmp_index(const void *pa, const void *pb, void *base)
{
	const struct baseline *bl = base;
	int a = *(const int *)pa, b = *(const int *)pb;
	int c = strcmp(bl->items[a].fingerprint, bl->items[b].fingerprint);
	return c ? c : (a > b) - (a < b);
}

/* dup[i] = 1 when entry i repeats the fingerprint of an earlier entry (a hand-merged file). */
static char *duplicates(const struct baseline *b)
{
	int *idx = xcalloc((size_t)b->n + 1, sizeof *idx);
	char *dup = xcalloc((size_t)b->n + 1, 1);
	for (int i = 0; i < b->n; i++)
		idx[i] = i;
	qsort_r(idx, (size_t)b->n, sizeof *idx, cmp_index, (void *)b);
	for (int i = 1; i < b->n; i++)
		dup[idx[i]] = !strcmp(b->items[idx[i]].fingerprint, b->items[idx[i - 1]].fingerprint);
	free(idx);
	return dup;
}

void baseline_compare(const struct baseline *b, const struct finding_list *l,
                      struct baseline_diff *d)
{
	memset(d, 0, sizeof *d);
	d->added = xcalloc((size_t)l->n + 1, sizeof *d->added);
	d->fixed = xcalloc((size_t)b->n + 1, sizeof *d->fixed);
	const char **base = baseline_fingerprints(b);
	for (int i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		if (f->suppressed)
			d->suppressed++;
		else if (has(base, b->n, f->fingerprint))
			d->unchanged++;
		else
			d->added[d->nadded++] = i;
	}
	int ncur;
	const char **cur = list_fingerprints(l, &ncur);
	char *dup = duplicates(b);
	for (int i = 0; i < b->n; i++)
		if (!dup[i] && !has(cur, ncur, b->items[i].fingerprint))
			d->fixed[d->nfixed++] = i;
	free(dup);
	free(cur);
	free(base);
}

void baseline_diff_free(struct baseline_diff *d)
{
	free(d->added);
	free(d->fixed);
	memset(d, 0, sizeof *d);
}
