/* cache.h — the facts cache of `tsafe scan` (see cache.c). */
#ifndef TSAFE_CACHE_H
#define TSAFE_CACHE_H

#include "cli.h"
#include "extract/extract.h"

/* The facts-cache key of u when the facts stored for it are current (nothing it reads has
 * changed), else NULL. Reads no facts: a scan whose analysis results are cached needs none. */
char *cache_probe(struct store *st, const struct compile_unit *u, const char *config_path);
/* Loads the facts stored for file under key: 1, or 0 when they are gone or stale. */
int cache_load(struct store *st, const char *file, const char *key, struct tu_facts *out);
/* Stores freshly extracted facts with their key and header list. 0 or -1 (store_errmsg). */
int cache_save(struct store *st, const struct compile_unit *u, const char *config_path,
               struct tu_facts *tu, const struct extract_deps *d);

#endif
