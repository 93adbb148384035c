/* rules.h — the data in rules/ that drives the analysis: the rule catalogue (rules.json),
 * the lock API (locks.tsv) and the MT-unsafe functions (mt-unsafe.tsv), plus the lock
 * wrappers a project declares in its .tsafe.json.
 *
 * rules/rules.json: [{"id": "data-race", "severity": "error"|"warning"|"note",
 *                     "cwe": "CWE-362" (or null), "name": "DataRace",
 *                     "short": "one line", "help": "paragraph(s) with the fix",
 *                     "tags": ["concurrency", …]}, …]
 * rules/locks.tsv:   function <TAB> op <TAB> kind <TAB> mode <TAB> lock-arg <TAB> mutex-arg
 *                    op: acquire|try|release|cond-wait|cond-signal|init|destroy
 *                    kind: mutex|rwlock|spin|sem   mode: excl|shared
 *                    lock-arg: index of the lock argument; mutex-arg: for cond-wait, or -
 * rules/mt-unsafe.tsv: function <TAB> replacement <TAB> why [<TAB> shared state]
 * Lines starting with # and blank lines are ignored in the .tsv files.
 */
#ifndef TSAFE_RULES_H
#define TSAFE_RULES_H

#include "../facts/facts.h"

struct rule_info {
	char *id, *severity, *cwe, *name, *short_help, *help;
	char **tags;
	int ntags;
};

enum lock_op {
	LOP_ACQUIRE = 1, LOP_TRY, LOP_RELEASE, LOP_COND_WAIT, LOP_COND_SIGNAL, LOP_INIT, LOP_DESTROY,
	LOP_THREAD_START,   /* a project's thread wrapper (.tsafe.json thread_wrappers): lock_arg is
	                       the start routine's argument index, mutex_arg the thread argument's */
};

struct lock_api {
	char *func;
	enum lock_op op;
	enum lock_kind kind;
	int shared;         /* rwlock read mode */
	int lock_arg;       /* index of the lock (or condition variable) argument */
	int mutex_arg;      /* cond-wait: index of the mutex argument, else -1 */
	int timed;          /* timedlock / timedwait */
};

struct mt_unsafe {
	char *func, *replacement, *why;
	char *state;        /* the hidden state it uses, shared with every function naming the same
	                       state (localtime, gmtime, ctime share one struct tm); default: func */
};

/* Directory of the rules data: $TSAFE_RULES_DIR, else the source tree's rules/ (when built
 * in place), else the installed share/tsafe/rules. */
const char *rules_dir(void);
/* Path of the i-th data file (caller frees), or NULL past the last: what a cache of results
 * derived from the rules must hash. */
char *rules_file(int i);

/* Loads all three files once (thread-safe, idempotent). On failure returns -1 and sets *err
 * to a one-line message naming the file and the problem (caller frees). */
int rules_load(char **err);

const struct rule_info *rule_find(const char *id);
const struct rule_info *rules_all(int *n);
const struct lock_api *lockapi_find(const char *func);
/* Adds a project lock wrapper (copied). Call before extraction starts; not thread-safe. */
void lockapi_add(const struct lock_api *api);
const struct mt_unsafe *mt_unsafe_find(const char *func);

#endif
