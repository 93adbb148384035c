/* store.h — the SQLite database every engine writes and every report reads.
 *
 * One struct store is one SQLite connection. Connections are opened SQLITE_OPEN_NOMUTEX
 * (SQLite's "multi-thread" mode): a struct store must be used by one thread at a time, and
 * parallel workers each open their own. Every write is one BEGIN IMMEDIATE transaction, so
 * concurrent connections and processes wait for each other (busy timeout 10 s) instead of
 * failing or losing writes.
 *
 * Functions returning int give 0 (or the documented count) on success and -1 on error, with
 * the one-line reason in store_errmsg().
 */
#ifndef TSAFE_STORE_H
#define TSAFE_STORE_H

#include "common/finding.h"
#include "facts/facts.h"

struct store;

/* Opens or creates the database, creating or migrating its schema. WAL journal,
 * synchronous=NORMAL, busy timeout 10 s. On error returns -1, *out = NULL and *err = a
 * one-line message naming the path and the fix (caller frees). Refuses, without writing
 * anything, a file that is not an SQLite database, an SQLite database that is not tsafe's,
 * and a database from a newer tsafe. Never deletes existing data. */
int store_open(const char *path, struct store **out, char **err);
void store_close(struct store *s);
const char *store_errmsg(struct store *s);   /* last error, one line ("" if none) */
int store_schema_version(void);              /* the schema this tsafe writes */

/* Facts cache. A TU is identified by its canonical main file path. Save replaces that
 * file's previous facts in one transaction and keeps its meta. */
int store_facts_save(struct store *s, const struct tu_facts *tu);
/* 1 and *out filled when the facts stored for `file` have this cache_key; 0 (with *out
 * zeroed) when absent or stale; -1 on error. Free *out with tu_facts_free(). */
int store_facts_load(struct store *s, const char *file, const char *cache_key,
                     struct tu_facts *out);
/* The cache key last stored for file (caller frees), or NULL (also on error: see
 * store_errmsg, which is "" when the file is simply absent). */
char *store_facts_key(struct store *s, const char *file);
/* Free-form per-file text the extractor uses to decide staleness without parsing. Setting
 * it keeps the file's facts; get returns NULL when unset (caller frees). */
int store_tu_meta_set(struct store *s, const char *file, const char *meta);
char *store_tu_meta_get(struct store *s, const char *file);

/* Analysis results cache: the run whose findings a whole-program analysis of inputs
 * hashed to `key` produced. get: 1 and *out filled, 0 when unknown (or its run never
 * ended), -1 on error. put replaces the key's entry. */
struct stored_results {
	long run;
	int programs, threads;      /* the analysis's statistics, for the summary line */
	int truncated;              /* it reached its (deterministic) work budget */
};
int store_results_get(struct store *s, const char *key, struct stored_results *out);
int store_results_put(struct store *s, const char *key, const struct stored_results *r);

/* Runs: one per `tsafe scan` or `tsafe run`. scope says what was analysed (the project
 * root for a scan, the command for a run). Returns the new run id (> 0) or -1. */
long store_run_begin(struct store *s, const char *engine, const char *scope, const char *root,
                     const char *command);
int store_run_end(struct store *s, long run, int exit_status);
/* Newest run of engine (any engine when NULL); 0 if none, -1 on error. */
long store_latest_run(struct store *s, const char *engine);

/* Records findings seen in `run` (one transaction). Each needs its fingerprint; its engine
 * defaults to the run's. A known fingerprint gets evidence for this run and engine, its
 * first/last run and times_seen (= runs that saw it) updated and, when this run is its
 * newest, its message, severity, suppression and locations replaced — except that a finding
 * an engine that describes better saw (static, then runtime, then Helgrind, then DRD) keeps
 * that message and those location descriptions (locks held, thread names) and gains the
 * newer engine's stacks where the threads agree (findings_add.c). A finding merged with a
 * more precise rule of its family (identity.h) takes that rule. A finding is confirmed once
 * it has evidence from "static" and from a dynamic engine (runtime, helgrind, drd). */
int store_findings_add(struct store *s, long run, const struct finding *f, int n);

struct finding_query {
	int current_only;       /* only findings seen in the latest run of some (engine, scope)
	                           they were seen in: fixed findings drop out. The latest run of
	                           an (engine, scope) is its newest run that has ended or
	                           recorded findings, so a run in progress hides nothing. */
	const char *rule;       /* filter, or NULL */
	const char *severity;   /* minimum: "error" > "warning" > "note", or NULL */
	long since_run;         /* first_run >= since_run, or 0 */
	long run;               /* only findings with evidence in this run, or 0 */
};
/* Appends the matching findings to *out, oldest first, with every location, stack and
 * the store-only fields (id, first_run, last_run, times_seen, confirmed, engines; engine =
 * the engine of its newest evidence). Returns 0 or -1. */
int store_findings_load(struct store *s, const struct finding_query *q, struct finding_list *out);

/* The watch engine's "watched, not seen racing" of a static data-race finding in one run
 * (watch_seen.c). */
struct watch_seen {
	const char *fingerprint;
	long accesses;          /* accesses seen at the finding's sites */
	int threads;            /* distinct threads among them */
	double seconds;         /* how long its object was watched */
};
/* Records them for run (one transaction); fingerprints not stored are skipped. 0 or -1. */
int store_watch_seen_add(struct store *s, long run, const struct watch_seen *w, int n);
/* Fills f's watch_* fields from its newest observation (none when the watch engine
 * confirmed it in some run). 0 or -1. */
int store_watch_seen_attach(struct store *s, struct finding *f);

#endif
