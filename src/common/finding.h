/* finding.h — a finding as every engine produces it and every store/report consumes it.
 *
 * One finding = one rule violation at one place (or one pair of places, for a race or a lock
 * cycle). locs[0] is the primary location; the others are related (the other access of a
 * race, each edge of a cycle, the thread's creation site…). File paths are relative to the
 * project root, with '/' separators.
 */
#ifndef TSAFE_FINDING_H
#define TSAFE_FINDING_H

struct frame {
	char *func;
	char *file;         /* relative to the project root when inside it, else absolute */
	int line;
};

struct location {
	char *file;         /* relative to the project root */
	int line, col;      /* 1-based; col 0 when unknown */
	char *func;         /* enclosing function */
	char *message;      /* what happens here: "write of 'counter' holding no locks" */
	char *thread;       /* "thread 'worker' created at main.c:31", "main thread", or NULL */
	char *locks;        /* locks held here, comma separated ("global:m, field:struct a.lock"),
	                       "" for none, NULL when not meaningful for this location */
	struct frame *stack;/* innermost first: stack[0] is this location's own function */
	int nstack;
};

struct finding {
	char *rule;         /* a rule id of rules/rules.json: "data-race", "lock-leak", … */
	char *severity;     /* "error", "warning" or "note" (from the rule catalogue) */
	char *message;      /* one line: "data race on 'counter'" */
	char *symbol;       /* variable or lock class(es) it is about: part of the fingerprint */
	char *engine;       /* "static", "runtime", "helgrind", "drd" */
	char *fingerprint;  /* hex; computed by finding_fingerprint() */
	struct location *locs;
	int nlocs;
	int suppressed;     /* 1: kept but does not count (inline/config suppression, benign) */
	char *suppress_reason;
	int benign;         /* suppressed as a dynamic engine's likely false alarm (the reason,
	                       from the static facts, in suppress_reason) */

	/* Filled when loaded from the store. */
	long id;
	long first_run, last_run;
	int times_seen;
	int confirmed;      /* seen by a static and a dynamic engine */
	char *engines;      /* every engine that saw it, comma separated */
	/* The watch engine watched its object in run watch_run (0: never) for watch_seconds
	 * and saw watch_accesses accesses by watch_threads threads, never racing. */
	long watch_run;
	long watch_accesses;
	int watch_threads;
	double watch_seconds;
};

struct finding_list {
	struct finding *items;
	int n, cap;
};

struct finding *finding_list_add(struct finding_list *l);   /* zeroed, owned by the list */
struct location *finding_add_loc(struct finding *f);         /* zeroed, owned by the finding */
void finding_add_frame(struct location *loc, const char *func, const char *file, int line);
void location_free(struct location *loc);                    /* its contents; zeroed */
void finding_free(struct finding *f);
void finding_list_free(struct finding_list *l);

/* Sets f->fingerprint from the rule, each location's file, function and the whitespace-
 * normalised text of its line (read from root/file), and the symbol; never line numbers.
 * Two-sided findings (more than one location) are ordered canonically first, so the same
 * pair found in either order has one fingerprint. */
void finding_fingerprint(struct finding *f, const char *root);

/* Orders a list for display: confirmed first, then severity, file, line, rule. */
void finding_list_sort(struct finding_list *l);

#endif
