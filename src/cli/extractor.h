/* extractor.h — `tsafe scan`'s side of the extractor processes (tsafe-extract, see
 * src/worker/tsafe_extract.c): start one, hand it units, read what became of them. */
#ifndef TSAFE_EXTRACTOR_H
#define TSAFE_EXTRACTOR_H

#include <sys/types.h>

#include "common/compdb.h"

struct extractor {
	pid_t pid;            /* 0: not running */
	int to, from;         /* its stdin and stdout */
};

struct extractor_args {
	const char *db_path, *root, *config_path;
};

/* What became of one unit: status "parsed", "partial", "failed", "store-error" or
 * "cannot-start" (no extractor process could be started: nothing can be parsed); why (a
 * diagnostic or an error, or ""); key: the cache key its facts were stored under. */
struct extracted {
	char *status, *why, *key;
};

/* Starts the process (when not running). 0, or -1 with a one-line message in *err. */
int extractor_start(struct extractor *x, const struct extractor_args *a, char **err);
/* Extracts u. 0 with *out filled (free with extracted_free), or -1 when the process died on
 * it (*out says how, status "failed"); the next call starts a new one. */
int extractor_run(struct extractor *x, const struct extractor_args *a, const struct compile_unit *u,
                  struct extracted *out);
void extracted_free(struct extracted *e);
void extractor_stop(struct extractor *x);

/* The units of DIR/compile_commands.json, read by an extractor process. 0, or -1 with a
 * one-line message in *err. */
int extractor_list(const char *dir, struct compile_db *db, char **err);

#endif
