/* cache.c — the facts cache of `tsafe scan`, over the extractor's cache protocol
 * (extract.h): a TU whose file, headers and flags are unchanged is loaded from the database
 * instead of being parsed again. The project's .tsafe.json counts as one more header, since
 * its lock wrappers change what is extracted. */
#include <stdlib.h>

#include "cache.h"
#include "common/util.h"

static char *key_for(const struct compile_unit *u, const char *config_path, const struct extract_deps *d)
{
	const char **files = xcalloc((size_t)d->nheaders + 1, sizeof *files);
	int n = 0;
	for (int i = 0; i < d->nheaders; i++)
		files[n++] = d->headers[i];
	if (config_path)
		files[n++] = config_path;
	char *key = extract_cache_key(u->file, (const char *const *)u->argv, u->argc, files, n);
	free(files);
	return key;
}

int cache_lookup(struct store *st, const struct compile_unit *u, const char *config_path,
                 struct tu_facts *out)
{
	char *meta = store_tu_meta_get(st, u->file);
	if (!meta)
		return 0;
	struct extract_deps d = {0};
	extract_deps_from_meta(meta, &d);
	char *key = key_for(u, config_path, &d);
	int rc = store_facts_load(st, u->file, key, out);
	free(key);
	extract_deps_free(&d);
	free(meta);
	return rc == 1;
}

int cache_save(struct store *st, const struct compile_unit *u, const char *config_path,
               struct tu_facts *tu, const struct extract_deps *d)
{
	free(tu->cache_key);
	tu->cache_key = key_for(u, config_path, d);
	char *meta = extract_deps_to_meta(d);
	int rc = store_facts_save(st, tu);
	if (rc == 0)
		rc = store_tu_meta_set(st, u->file, meta);
	free(meta);
	return rc;
}
