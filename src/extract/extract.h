/* extract.h — libclang → struct tu_facts for one translation unit, and the cache key that lets
 * the CLI skip a TU whose file, headers and flags have not changed.
 *
 * Cache protocol (no parse for an unchanged TU):
 *   1. meta = store_tu_meta_get(file); if set, extract_deps_from_meta(meta, &d) and
 *      key = extract_cache_key(file, argv, argc, d.headers, d.nheaders);
 *      store_facts_load(file, key) == 1 means the stored facts are current.
 *   2. Otherwise extract_tu_deps(&opts, file, &tu, &d) (tu.cache_key is set), then
 *      store_facts_save(tu) and store_tu_meta_set(file, extract_deps_to_meta(&d)).
 * The key hashes TSAFE_VERSION, argv, the file's contents and, for every header, its path and
 * contents (a header that disappeared hashes differently), so any edit invalidates it.
 */
#ifndef TSAFE_EXTRACT_H
#define TSAFE_EXTRACT_H

#include "facts/facts.h"

struct extract_opts {
	const char *const *argv;  /* full compiler argv, argv[0] the compiler, including the source
	                             file (as in compile_commands.json); NULL: just "cc file" */
	int argc;
	const char *directory;    /* the command's working directory; NULL: the current one */
};

/* Headers a TU included, canonical absolute paths, sorted and unique. */
struct extract_deps {
	char **headers;
	int nheaders;
};

/* Parses one TU and fills *out (zeroed first). Returns 0 on success, -1 when the TU could not
 * be parsed at all (out->parse_failed = 1, out->diagnostics says why). Error diagnostics of a
 * TU that still parsed are in out->diagnostics and the TU is extracted anyway. Thread-safe:
 * each call uses its own CXIndex. Loads the rules (rules_load) on first use. */
int extract_tu(const struct extract_opts *o, const char *file, struct tu_facts *out);
/* The same, and also the headers the TU included (deps may be NULL; free with
 * extract_deps_free). */
int extract_tu_deps(const struct extract_opts *o, const char *file, struct tu_facts *out,
                    struct extract_deps *deps);

/* Hex xxh3-128 of TSAFE_VERSION, argv, the contents of file and of every header (path and
 * contents; a missing file hashes as missing). New string. */
char *extract_cache_key(const char *file, const char *const *argv, int argc,
                        const char *const *headers, int nheaders);

/* The header list as text for store_tu_meta_set (one path per line), and back. */
char *extract_deps_to_meta(const struct extract_deps *d);
void extract_deps_from_meta(const char *meta, struct extract_deps *d);
void extract_deps_free(struct extract_deps *d);

#endif
