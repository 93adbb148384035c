/* cachekey.h — the facts-cache key of a translation unit and the header list kept between
 * scans, so that "has anything it reads changed?" needs no parse (and no libclang).
 *
 * Cache protocol (no parse for an unchanged TU):
 *   1. meta = store_tu_meta_get(file); if set, extract_deps_from_meta(meta, &d) and
 *      key = extract_cache_key(file, argv, argc, d.headers, d.nheaders);
 *      store_facts_load(file, key) == 1 means the stored facts are current.
 *   2. Otherwise extract_tu_deps(&opts, file, &tu, &d) (tu.cache_key is set), then
 *      store_facts_save(tu) and store_tu_meta_set(file, extract_deps_to_meta(&d)).
 * The key hashes TSAFE_VERSION, the tsafe-extract executable's contents (a rebuilt extractor
 * of the same version makes new facts), argv, the file's contents and, for every header,
 * its path and contents (a header that disappeared hashes differently), so any edit
 * invalidates it.
 */
#ifndef TSAFE_CACHEKEY_H
#define TSAFE_CACHEKEY_H

/* Headers a TU included, canonical absolute paths, sorted and unique. */
struct extract_deps {
	char **headers;
	int nheaders;
};

/* Hex xxh3-128 of the contents of the executable `exe` in this process's own directory
 * (tsafe and tsafe-extract live side by side, in the build tree and once installed), or
 * "missing": what identifies a build, where the version string does not. New string. */
char *cache_build_digest(const char *exe);

/* Hex xxh3-128 of TSAFE_VERSION, the tsafe-extract executable (cache_build_digest), argv, the contents of file and of every header (path and
 * contents; a missing file hashes as missing). New string. */
char *extract_cache_key(const char *file, const char *const *argv, int argc,
                        const char *const *headers, int nheaders);

/* The header list as text for store_tu_meta_set (one path per line), and back. */
char *extract_deps_to_meta(const struct extract_deps *d);
void extract_deps_from_meta(const char *meta, struct extract_deps *d);
void extract_deps_free(struct extract_deps *d);

#endif
