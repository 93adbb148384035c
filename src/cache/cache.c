/* cache.c — the facts cache of `tsafe scan`, over the cache protocol of cachekey.h: a TU whose file, headers and flags are unchanged is loaded from the database
 * instead of being parsed again. The project's .tsafe.json and tsafe's rules data count as
 * more headers, since lock wrappers and the lock API catalogue change what is extracted. */
#include <stdlib.h>

#include "cache.h"
#include "common/rules.h"
#include "common/util.h"

/* The extractor's key over the unit's file, headers and flags, plus the files that change
 * what is extracted without being included: .tsafe.json and the rules data. */
static char *key_for(const struct compile_unit *u, const char *config_path, const struct extract_deps *d)
{
	char *rules[8];
	int nrules = 0;
	while (nrules < 8 && (rules[nrules] = rules_file(nrules)))
		nrules++;
	const char **files = xcalloc((size_t)(d->nheaders + 1 + nrules), sizeof *files);
	int n = 0;
	for (int i = 0; i < d->nheaders; i++)
		files[n++] = d->headers[i];
	if (config_path)
		files[n++] = config_path;
	for (int i = 0; i < nrules; i++)
		files[n++] = rules[i];
	char *key = extract_cache_key(u->file, (const char *const *)u->argv, u->argc, files, n);
	free(files);
	for (int i = 0; i < nrules; i++)
		free(rules[i]);
	return key;
}

char *cache_probe(struct store *st, const struct compile_unit *u, const char *config_path)
{
	char *meta = store_tu_meta_get(st, u->file);
	if (!meta)
		return NULL;
	struct extract_deps d = {0};
	extract_deps_from_meta(meta, &d);
	char *key = key_for(u, config_path, &d);
	char *stored = store_facts_key(st, u->file);
	if (!stored || !str_eq(stored, key)) {
		free(key);
		key = NULL;
	}
	free(stored);
	extract_deps_free(&d);
	free(meta);
	return key;
}

int cache_load(struct store *st, const char *file, const char *key, struct tu_facts *out)
{
	return store_facts_load(st, file, key, out) == 1;
}

int cache_save(struct store *st, const struct compile_unit *u, const char *config_path,
               struct tu_facts *tu, const struct extract_deps *d, int partial)
{
	free(tu->cache_key);
	tu->cache_key = key_for(u, config_path, d);
	if (partial) {      /* kept for this scan to load, never current for the next one */
		char *k = xasprintf("partial:%s", tu->cache_key);
		free(tu->cache_key);
		tu->cache_key = k;
	}
	char *meta = extract_deps_to_meta(d);
	int rc = store_facts_save(st, tu);
	if (rc == 0)
		rc = store_tu_meta_set(st, u->file, meta);
	free(meta);
	return rc;
}
