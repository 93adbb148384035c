/* valgrind.h — the Valgrind engines (Helgrind, DRD): running a program under Valgrind with
 * XML output, reading that XML, and turning each error into a finding with the project's
 * rule ids, so that a bug Valgrind and the static pass both see is one finding.
 *
 *   vg_find()         where valgrind is (NULL: not installed)
 *   vg_spawn()        runs PROGRAM under one tool, XML into a private directory
 *   vg_ingest()       every XML file of that directory -> findings (with fingerprints)
 *   vg_confirm()      a race that matches a known two-sided data-race takes its identity
 *   vg_name_locks()   locks and threads named by the static facts, as the other engines do
 *   vg_mark_benign()  races the static facts show to be Valgrind's known false alarms
 */
#ifndef TSAFE_VALGRIND_H
#define TSAFE_VALGRIND_H

#include "common/finding.h"
#include "store/facts_at.h"
#include "store/store.h"

struct vg_opts {
	const char *tool;            /* "helgrind" or "drd" */
	const char *root;            /* project root: paths in findings are relative to it */
	char *const *suppressions;   /* the user's Valgrind suppression files */
	int nsuppressions;
	int timeout_s;               /* end the program after this many seconds (0: never) */
};

struct vg_summary {
	int processes;               /* XML files read */
	int errors;                  /* <error> elements read */
	int truncated;               /* files cut short (crash, kill, timeout) */
	int timed_out;
};

/* The valgrind executable on PATH (new string), or NULL. */
char *vg_find(void);

/* Runs `valgrind --tool=… --xml=yes --xml-file=DIR/vg.%p.xml … PROGRAM ARGS` with the
 * shipped suppressions (rules/valgrind.supp) and the user's. Returns the program's wait
 * status (a program killed at the timeout reports SIGKILL and sets *timed_out), or -1
 * with a message printed when valgrind could not be started. */
int vg_spawn(const char *valgrind, const struct vg_opts *o, char *const *cmd, const char *dir,
             int *timed_out);

/* Reads every vg.*.xml of dir. Complete <error> elements of a file cut short are kept.
 * Appends findings (engine = the tool, fingerprints set) to *out. Returns 0, or -1 with a
 * one-line *err when dir cannot be read. */
int vg_ingest(const char *dir, const struct vg_opts *o, struct finding_list *out,
              struct vg_summary *sum, char **err);

/* Gives each data race of l that matches a finding of known (two-sided: both accesses at
 * the same function and line text; one-sided, as DRD reports: its access is one of the two
 * and the variable agrees) that finding's fingerprint and symbol, so that the store keeps
 * one finding with evidence from both engines. */
void vg_confirm(struct finding_list *l, const struct finding_list *known);

/* DRD reports one access of a race and names no static variable: a one-sided race whose
 * access the static facts show to be of the global object of a known two-sided race is
 * that race's bug, seen at another of its accesses (it takes its identity). */
void vg_join_by_object(struct facts_at *fc, struct finding_list *l, const struct finding_list *known);

/* A one-sided race that names no variable, only its address, is the race of another report
 * of the same engine's run on that same address which has an identity (named, or joined
 * above): DRD attributes one atomic read-modify-write to two lines at -O0. */
void vg_join_by_address(struct finding_list *l);

/* Marks likely benign (kept, suppressed with the reason) what the static facts in the store
 * show to be Valgrind's false alarms (vgbenign.c lists them: atomics, once initialisers,
 * lazy atomic publication, fills before thread creation, exclusive rwlock holders, atomic
 * reference counts, a condition wait's echoes), and the races that are only the
 * consequence of another race l or known reports. -1 on a store error. */
int vg_mark_benign(struct facts_at *fc, struct finding_list *l, const struct finding_list *known);

/* With the static facts: each lock misuse of l gets the class the static pass gives its line
 * as its symbol, each lock-order error the classes of its acquisitions, and each thread
 * its entry function ("thread #3 'worker' created at a.c:57"), so that the runtime's and the
 * static pass's findings of the same bug can be recognised (identity.h). Fingerprints must
 * be computed again afterwards. -1 on a store error. */
int vg_name_locks(struct facts_at *fc, struct finding_list *l);

/* Marks likely benign (with the reason) the lock-order errors of l (named by vg_name_locks
 * for Valgrind's; the runtime's too, by class)
 * that cannot deadlock by what the database knows: read locks only, a gate lock or one thread
 * in the runtime's edges, orders the static pass saw and judged (vgorder.c); `known`: the
 * stored findings. -1 on a store error. */
int judge_lock_orders(struct facts_at *fc, struct finding_list *l, const struct finding_list *known);

#endif
