/* cache.h — the facts cache of `tsafe scan` (see cache.c): probed by the scan, written by
 * the extractor processes. */
#ifndef TSAFE_CACHE_H
#define TSAFE_CACHE_H

#include "cachekey.h"
#include "common/compdb.h"
#include "facts/facts.h"
#include "store/store.h"

/* The facts-cache key of u when the facts stored for it are current (nothing it reads has
 * changed), else NULL. Reads no facts: a scan whose analysis results are cached needs none. */
char *cache_probe(struct store *st, const struct compile_unit *u, const char *config_path);
/* Loads the facts stored for file under key: 1, or 0 when they are gone or stale. */
int cache_load(struct store *st, const char *file, const char *key, struct tu_facts *out);
/* Stores freshly extracted facts with their key (tu->cache_key, set here) and header list.
 * A partial unit (parsed with errors) is stored under a key no probe matches: the scan
 * that parsed it loads it, the next one parses it again and shows its errors again.
 * 0 or -1 (store_errmsg). */
int cache_save(struct store *st, const struct compile_unit *u, const char *config_path,
               struct tu_facts *tu, const struct extract_deps *d, int partial);

#endif
