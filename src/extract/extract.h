/* extract.h — libclang → struct tu_facts for one translation unit (the cache key that lets
 * the CLI skip an unchanged one is in cache/cachekey.h, which needs no libclang). */
#ifndef TSAFE_EXTRACT_H
#define TSAFE_EXTRACT_H

#include "cache/cachekey.h"
#include "common/compdb.h"
#include "facts/facts.h"

struct extract_opts {
	const char *const *argv;  /* full compiler argv, argv[0] the compiler, including the source
	                             file (as in compile_commands.json); NULL: just "cc file" */
	int argc;
	const char *directory;    /* the command's working directory; NULL: the current one */
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

/* Appends the units of DIR/compile_commands.json to db. -1 when libclang cannot load it
 * (compdb_explain_failure says why). */
int extract_compdb_read(const char *dir, struct compile_db *db);

#endif
