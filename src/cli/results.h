/* results.h — the analysis results cache of `tsafe scan` (see results.c). */
#ifndef TSAFE_RESULTS_H
#define TSAFE_RESULTS_H

#include "analyze/analyze.h"
#include "pool.h"
#include "store/store.h"

/* The key of the analysis of the pool's units, or NULL when some unit has none. */
char *results_key(const struct scan_pool *pool, const char *root);
/* 1 and *found filled with the findings of the run that analysed these inputs, 0 when
 * there is none (or key is NULL), -1 on a store error. */
int results_reuse(struct store *st, const char *key, struct finding_list *found,
                  struct stored_results *prev);
/* Records that `run` holds the findings for key. 0 or -1 (store_errmsg). */
int results_remember(struct store *st, const char *key, long run, const struct analyze_stats *stats);

#endif
