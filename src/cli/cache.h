/* cache.h — the facts cache of `tsafe scan` (see cache.c). */
#ifndef TSAFE_CACHE_H
#define TSAFE_CACHE_H

#include "cli.h"
#include "extract/extract.h"

/* 1 and *out filled when the stored facts are current; 0 otherwise. */
int cache_lookup(struct store *st, const struct compile_unit *u, const char *config_path,
                 struct tu_facts *out);
/* Stores freshly extracted facts with their key and header list. 0 or -1 (store_errmsg). */
int cache_save(struct store *st, const struct compile_unit *u, const char *config_path,
               struct tu_facts *tu, const struct extract_deps *d);

#endif
