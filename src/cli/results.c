/* results.c — the analysis results cache of `tsafe scan`: a re-scan of unchanged code
 * takes the findings of the run that analysed the same inputs, instead of loading every
 * unit's facts and analysing the whole program again.
 *
 * The key hashes what the analysis reads: every analysed unit's facts-cache key (which
 * covers its file, headers, flags, .tsafe.json, the rules data, tsafe's version and the
 * extractor's build), in compile-database order, the project root findings are relative
 * to, and the tsafe executable that analyses (a rebuilt one analyses again). */
#include <stdlib.h>

#include "cache/cachekey.h"
#include "common/keymap.h"
#include "common/util.h"
#include "results.h"

char *results_key(const struct scan_pool *pool, const char *root)
{
	struct keybuf kb = {0};
	kb_str(&kb, "tsafe " TSAFE_VERSION);
	char *build = cache_build_digest("tsafe");
	kb_str(&kb, build);
	free(build);
	kb_str(&kb, root);
	for (int i = 0; i < pool->db->n; i++) {
		if (pool->status[i] == UNIT_FAILED) {
			kb_str(&kb, "failed");
			kb_str(&kb, pool->db->units[i].file);
			continue;
		}
		/* A unit with errors is parsed every time, and its key does not cover the
		 * config: such a program is always analysed. */
		if (pool->status[i] == UNIT_PARTIAL || !pool->facts[i].cache_key) {
			kb_free(&kb);
			return NULL;
		}
		kb_str(&kb, pool->facts[i].file);
		kb_str(&kb, pool->facts[i].cache_key);
	}
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	return xasprintf("%016llx%016llx", (unsigned long long)k.hi, (unsigned long long)k.lo);
}

int results_reuse(struct store *st, const char *key, struct finding_list *found,
                  struct stored_results *prev)
{
	int rc = key ? store_results_get(st, key, prev) : 0;
	if (rc != 1)
		return rc;
	struct finding_query q = {.run = prev->run};
	if (store_findings_load(st, &q, found))
		return -1;
	for (int i = 0; i < found->n; i++) {
		free(found->items[i].engine);   /* this run's own evidence: static */
		found->items[i].engine = NULL;
	}
	return 1;
}

int results_remember(struct store *st, const char *key, long run, const struct analyze_stats *stats)
{
	struct stored_results r = {.run = run, .programs = stats->programs, .threads = stats->threads,
	                           .truncated = stats->truncated};
	return key && run > 0 ? store_results_put(st, key, &r) : 0;
}
