/* baseline.h — the baseline file a team commits: the findings it has accepted, by fingerprint,
 * and the comparison of a list of findings with it (what `tsafe gate` decides on).
 *
 * Format version 1, written for readable diffs: one finding per line, sorted by file,
 * function, rule, symbol and fingerprint, with no line numbers (moving code changes nothing):
 *
 *   {
 *     "tsafe_baseline": 1,
 *     "tool_version": "0.1.0",
 *     "findings": [
 *       {"fingerprint": "…", "rule": "data-race", "file": "a.c", "function": "worker",
 *        "symbol": "…", "message": "data race on 'counter'"},      (on one line)
 *       …
 *     ]
 *   }
 *
 * Only "fingerprint" is compared; the other fields are for the reviewer and may be null.
 * Readers accept unknown members, and refuse a higher "tsafe_baseline" number: a newer tsafe
 * may have changed what a fingerprint means.
 */
#ifndef TSAFE_BASELINE_H
#define TSAFE_BASELINE_H

#include <stdio.h>

#include "finding.h"

#define BASELINE_FORMAT 1

struct baseline_entry {
	char *fingerprint;
	char *rule, *file, *function, *symbol, *message;   /* any may be NULL */
};

struct baseline {
	struct baseline_entry *items;
	int n, cap;
	int format;           /* of the file read; BASELINE_FORMAT for one built here */
	char *tool_version;   /* of the tsafe that wrote it (NULL when unknown) */
};

/* Adds the unsuppressed findings of l (suppressed ones are accepted in the source already). */
void baseline_add_findings(struct baseline *b, const struct finding_list *l);

/* Sorts b and writes it in the format above. Returns 0, or -1 on a write error. */
int baseline_write(FILE *out, struct baseline *b);

/* Parses baseline text; `name` (the file) appears in the messages. On error returns -1 with
 * *err a one-line message naming the file, the problem and the fix (caller frees). */
int baseline_parse(struct baseline *b, const char *text, size_t len, const char *name,
                   char **err);
/* Reads and parses the file at path (missing, unreadable, corrupt or newer: -1 and *err). */
int baseline_load(struct baseline *b, const char *path, char **err);

void baseline_free(struct baseline *b);

/* A list of findings against a baseline, by fingerprint. */
struct baseline_diff {
	int *added;           /* indices into the list of unsuppressed findings not in the baseline */
	int nadded;
	int *fixed;           /* indices into b->items of entries no finding of the list has */
	int nfixed;
	int unchanged;        /* unsuppressed findings that are in the baseline */
	int suppressed;       /* suppressed findings of the list (never new, never fixed) */
};
/* Fills d (indices in list and baseline order; a fingerprint listed twice in the baseline
 * counts once). */
void baseline_compare(const struct baseline *b, const struct finding_list *l,
                      struct baseline_diff *d);
void baseline_diff_free(struct baseline_diff *d);

#endif
