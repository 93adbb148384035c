/* internal.h — what the files of src/dynamic share: the runtime logs as read from disk,
 * one process's model (threads, classes, stacks, edges, misuse), the symboliser and the
 * naming of classes, threads and locations. Not for use outside src/dynamic. */
#ifndef TSAFE_DYNAMIC_INTERNAL_H
#define TSAFE_DYNAMIC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../../runtime/rtformat.h"
#include "common/finding.h"
#include "common/keymap.h"
#include "dynamic.h"

/* ---- rtlog.c: one log file in memory ----------------------------------------------- */

struct rt_file {
	char *path;
	char *name;                  /* basename: what a fork child's record names */
	unsigned char *data;
	size_t size;                 /* bytes of whole records */
	int truncated;               /* the last record was cut short (crash, kill) */
	const struct rt_process *proc;
	const char *exe, *parent;    /* strings of the process record */
};

/* Reads a whole log. Returns 0, -1 with *err set (not a runtime log, unreadable), or -2
 * with *err when it is no regular file (a FIFO, a device), which no runtime wrote. */
int rtlog_read(const char *path, struct rt_file *f, char **err);
void rtlog_free(struct rt_file *f);
/* Records in order: first with prev NULL; NULL at the end. Sizes checked per type. */
const struct rt_rec *rtlog_next(const struct rt_file *f, const struct rt_rec *prev, size_t limit);

/* ---- process.c: one process image's records, by id ---------------------------------- */

struct dyn_module {
	char *path;
	uint64_t base, lo, hi;
};

struct dyn_stack {
	int defined;
	int n;
	const uint64_t *pc;
	/* symbolised on first use (names.c), once per distinct list of addresses: a stack
	 * with the same addresses as one symbolised before shares its frames */
	uint32_t same_as;            /* that stack's id, or 0 */
	int resolved;
	struct frame *frames;        /* user-visible frames, innermost first */
	int nframes;
};

struct dyn_class {
	int defined;
	int kind, how;
	uint64_t addr;
	uint32_t stack;
	char *name;                  /* lock class: "global:m", "site:a.c:12"… (names.c) */
	char *symbol;                /* the same without line numbers, for fingerprints */
	char *label;                 /* what messages call it: "m", "struct a.lock" */
};

struct dyn_edge {
	int defined;
	struct rt_edge e;            /* as first written */
	uint32_t flags;              /* OR of every record */
	uint32_t gate[2];            /* intersection of every record */
};

struct dyn_thread {
	int defined;
	uint32_t parent, stack, flags;
	uint64_t start;
	int joined, detached;
	int ended;           /* it ended (a thread still running at exit is not leaked) */
	char *desc;                  /* "thread 'worker' created at a.c:31" (names.c) */
	char *start_name;
};

struct symbolizer;

struct dyn_process {
	int pid, ppid;
	char *exe;
	struct rt_file *file;        /* owned by the ingest */
	int exited, exit_status;
	int deadlocked;              /* ended by the runtime on a deadlock */
	struct dyn_limit limits[RTL_MAX + 1];   /* the runtime's bounds reached, by RTL_* */
	struct dyn_module *mods;
	int nmods, cap_mods;
	struct dyn_stack *stacks;
	int cap_stacks;
	struct dyn_class *classes;
	int cap_classes;
	struct dyn_edge *edges;
	int cap_edges;
	struct dyn_thread *threads;
	int cap_threads;
	struct keymap stacks_by_pcs; /* addresses of a symbolised stack -> its id */
	uint32_t max_id;             /* no id above this can be defined (bounds every table) */
	const struct rt_misuse **misuses;
	int nmisuses, cap_misuses;
	const struct rt_deadlock **deadlocks;
	int ndeadlocks, cap_deadlocks;
	const struct rt_rec **watch;        /* the watch engine's records, in order */
	int nwatch, cap_watch;
	/* The symboliser, made on first use (most child processes of a test need none):
	 * shared between processes with one module map. */
	struct symbolizer *sym;
	struct symbolizer *(*make_sym)(void *ctx, const struct dyn_process *p);
	void *sym_ctx;
};

/* Builds the process of file f; a fork child first takes the definitions (modules,
 * stacks, classes) its parent wrote before the fork. */
void process_load(struct dyn_process *p, struct rt_file *f, const struct rt_file *parent);
void process_free(struct dyn_process *p);
/* Id lookups: NULL when the id was never defined. */
struct dyn_stack *process_stack(struct dyn_process *p, uint32_t id);
struct dyn_class *process_class(struct dyn_process *p, uint32_t id);
struct dyn_thread *process_thread(struct dyn_process *p, uint32_t seq);
int process_nedges(const struct dyn_process *p);
struct symbolizer *process_sym(struct dyn_process *p);

/* ---- symbolize.c / dwvars.c: addresses to source, offline, with libdw --------------- */

struct sym_frame {
	char *func;                  /* NULL when unknown */
	char *file;                  /* canonical absolute path, NULL when unknown */
	int line;
	int runtime;                 /* inside libtsafe-rt.so */
	int system;                  /* inside libc, ld.so, libgcc_s… */
	const char *module;          /* module path (borrowed) */
};

/* A symboliser for this module map (NULL when none could be set up). */
struct symbolizer *sym_new(const struct dyn_module *mods, int n, const char *exe);
void sym_free(struct symbolizer *s);
/* Source of a code address; a return address (most frames) is looked up at pc - 1.
 * Fills up to max frames (more than one when calls were inlined), innermost first;
 * returns how many (1 with unknown fields when nothing is known). */
int sym_pc(struct symbolizer *s, uint64_t pc, int return_address, struct sym_frame *out, int max);
void sym_frame_clear(struct sym_frame *f);
/* Whether pc is in libc, the loader, the runtime… (or in no known module): frames that
 * are plumbing unless they sit between the program's own. */
int sym_pc_is_plumbing(struct symbolizer *s, uint64_t pc);
/* The lock class of a lock in a module's data: "global:NAME", "static:FILE:NAME",
 * "static:FILE:FUNC.NAME" or "field:struct T.F" (FILE absolute). NULL when unknown. */
char *sym_data_class(struct symbolizer *s, uint64_t addr);

/* ---- names.c: classes, threads, stacks as the user reads them ----------------------- */

struct dyn_ctx {
	const struct dyn_opts *opts;
	struct finding_list *out;
};

char *dyn_relative(const struct dyn_ctx *c, const char *abs_path);
void dyn_name_classes(const struct dyn_ctx *c, struct dyn_process *p);
void dyn_name_threads(const struct dyn_ctx *c, struct dyn_process *p);
/* Frames of a stack as shown to the user (runtime frames and the libc start-up tail left
 * out); NULL with *n = 0 when unknown. */
const struct frame *dyn_frames(const struct dyn_ctx *c, struct dyn_process *p, uint32_t stack,
                               int *n);
/* A location at the top frame of a stack, with the whole stack attached. */
struct location *dyn_add_location(const struct dyn_ctx *c, struct finding *f, struct dyn_process *p,
                                  uint32_t stack, const char *message);
const char *dyn_thread_desc(struct dyn_process *p, uint32_t seq);
const char *dyn_class_label(struct dyn_process *p, uint32_t cls);
const char *dyn_class_name(struct dyn_process *p, uint32_t cls);
const char *dyn_class_symbol(struct dyn_process *p, uint32_t cls);
int dyn_class_kind(struct dyn_process *p, uint32_t cls);
/* "lock", "semaphore", "barrier", "condition variable". */
const char *dyn_kind_noun(int kind);
/* The label with its noun when the label is a bare name: "semaphore 'ready'". New string. */
char *dyn_object_label(struct dyn_process *p, uint32_t cls);
static inline int rt_kind_is_lock_kind(int kind)
{
	return kind != RTK_SEM && kind != RTK_BARRIER && kind != RTK_COND;
}
char *dyn_label_of_name(const char *name);      /* 'm', 'struct a.lock', the lock made at… */
char *dyn_symbol_of_name(const char *name);     /* without a site's line number */
/* "a.c:12" of a stack's top frame, or "an unknown place". New string. */
char *dyn_where(const struct dyn_ctx *c, struct dyn_process *p, uint32_t stack);

/* ---- findings.c, lockgraph.c --------------------------------------------------------- */

struct finding *dyn_finding(const struct dyn_ctx *c, const char *rule, const char *message,
                            const char *symbol);
void dyn_misuse_findings(const struct dyn_ctx *c, struct dyn_process *p);
void dyn_thread_leaks(const struct dyn_ctx *c, struct dyn_process *p);
void dyn_deadlocks(const struct dyn_ctx *c, struct dyn_process *p);
/* Inversions between two locks of one class (by instance), inside one process. */
void dyn_same_class_cycles(const struct dyn_ctx *c, struct dyn_process *p);
/* watch_judge.c: the watch engine's records -> confirmed races (with the static
 * findings' fingerprints) and what was observed of each candidate. */
struct watch_plan;
void dyn_watch(const struct dyn_ctx *c, struct dyn_process *p, struct watch_plan *w);
int watch_races(const struct rt_watch_hit *a, const struct rt_watch_hit *b);
/* Adds this process's edges between different classes to the run's edge list. */
void dyn_collect_edges(const struct dyn_ctx *c, struct dyn_process *p, struct stored_edge_list *edges);

#endif
