/* source.h — lines of source files, read once and cached: for fingerprints, inline
 * suppressions and snippets in reports. */
#ifndef TSAFE_SOURCE_H
#define TSAFE_SOURCE_H

#include <stddef.h>

/* Line `line` (1-based) of the file at `path` (absolute, or relative to `root` when root is
 * not NULL), without its newline; *len set to its length. NULL when the file cannot be read
 * or has fewer lines. The text stays valid until the file changes on disk or
 * source_cache_clear() is called. Thread-safe. */
const char *source_line(const char *root, const char *path, int line, size_t *len);
void source_cache_clear(void);

/* The real path of `path` (absolute, or relative to root; root NULL: the current
 * directory) when it is a file inside root once symbolic links and ".." are resolved, else
 * NULL (new string) with *outside 1 when the file exists but is outside (or not a file). Reports show source text only from there: a `#line` directive or debug
 * information naming "../../etc/passwd" or another absolute path must not put that file's
 * contents into a report. */
char *source_inside_root(const char *root, const char *path, int *outside);

#endif
