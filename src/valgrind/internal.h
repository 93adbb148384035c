/* internal.h — what the files of src/valgrind share: one XML file as read (vgxml.c), the
 * mapping of Valgrind's error kinds to rule ids (vgkinds.c) and the building of findings
 * (vgfindings.c). Not for use outside src/valgrind. */
#ifndef TSAFE_VALGRIND_INTERNAL_H
#define TSAFE_VALGRIND_INTERNAL_H

#include "common/finding.h"
#include "store/facts_at.h"
#include "valgrind.h"

struct vg_frame {
	char *fn, *dir, *file, *obj;
	int line;
};

struct vg_stack {
	struct vg_frame *frames;     /* innermost first */
	int n;
};

/* One part of an error in document order: a text (what, xwhat, auxwhat, xauxwhat) or a
 * DRD segment bound, and the stack that follows it (n = 0 when none). */
struct vg_note {
	char *tag;                   /* "what", "auxwhat", "other_segment_start", … */
	char *text;
	int hthreadid;               /* Helgrind's thread #N of the text, 0 when none */
	struct vg_stack stack;
};

struct vg_error {
	char *kind;                  /* "Race", "ConflictingAccess", "LockOrder", … */
	int tid;
	struct vg_note *notes;       /* notes[0] is the what */
	int nnotes;
};

struct vg_thread {
	int id;                      /* Helgrind's #N */
	struct vg_stack created;     /* where pthread_create was called */
};

struct vg_doc {
	char *tool;                  /* "helgrind", "drd", or NULL when the file said nothing */
	int protocol;
	int complete;                /* </valgrindoutput> was reached */
	int malformed;               /* the parser stopped on bad XML */
	struct vg_error *errors;
	int nerrors;
	struct vg_thread *threads;
	int nthreads;
};

/* ---- vgxml.c ---- */
/* Parses len bytes of XML (streaming: a document cut anywhere keeps every complete
 * <error>). Never fails: what could not be read is simply absent. */
void vg_parse(const char *buf, size_t len, struct vg_doc *doc);
/* Called with each complete error as soon as it is read; doc holds what came before it
 * (tool, protocol, the threads announced so far; no errors). The error is freed after. */
typedef void (*vg_error_fn)(void *ctx, const struct vg_doc *doc, const struct vg_error *e);
/* Reads the XML file at path in chunks. With fn, errors go to fn and doc keeps none, so
 * memory does not grow with the file; without, they are kept in doc. Returns 0, or -1
 * with *why (a phrase completing "'<path>' …") when path is not a regular file or cannot
 * be opened. */
int vg_parse_file(const char *path, struct vg_doc *doc, vg_error_fn fn, void *ctx, char **why);
void vg_doc_free(struct vg_doc *doc);
/* The first user frame of a stack: the innermost with a source file that is not in
 * Valgrind's preload objects, the C library or the loader. -1 when none. */
int vg_user_frame(const struct vg_stack *s);
int vg_system_frame(const struct vg_frame *f);   /* in libc, ld.so, a vgpreload object… */

/* ---- vgkinds.c ---- */
/* The rule id of an error of `tool` with `kind`, text (its texts joined) and stack, from
 * rules/valgrind-kinds.tsv; NULL when no row matches (the caller keeps "tool:Kind"). */
const char *vg_rule_of(const char *tool, const char *kind, const char *text,
                       const struct vg_stack *stack);

/* The message of a heap race's allocation site (not one of the racing accesses). */
#define VG_ALLOC_MESSAGE "the block was allocated here"

/* ---- vgconfirm.c ---- */
/* The racing accesses of a data-race finding (up to 2): its locations but the allocation
 * site of a heap block. */
int vg_sides(const struct finding *f, const struct location **out);
/* Does an object named `known` (an access path "s:a.c:prof.version", or a Valgrind name)
 * agree with Valgrind's name `vg`? Compared by the last component; an unnamed object
 * ("?", a heap block) agrees with any. */
int vg_same_object(const char *known, const char *vg);

/* ---- vgonce.c ---- */
/* The reason a two-sided race is ordered by one once object (one side inside its
 * pthread_once/call_once initialiser, the other inside it too or after pthread_once on the
 * same object), as a new string; NULL when it is not. */
char *vg_once_ordered(struct facts_at *fc, const struct finding *f);

/* ---- vgpublish.c, vgrwlock.c, vgrefcount.c ---- */
/* The reason a two-sided race is likely benign (a new string), or NULL when it is not: a
 * heap block published through an atomic pointer (release) and read after an atomic load
 * of it (acquire); */
char *vg_lazy_publication(struct facts_at *fc, const struct finding *f);
/* written by main before it created the other access's thread, and never after; */
char *vg_filled_before_threads(struct facts_at *fc, const struct finding *f);
/* both sides hold one rwlock, one of them for writing; */
#define VG_MAX_HELD 16
/* The locks a location holds for sure by the static facts: in each function of its stack,
 * at the line it ran (at most VG_MAX_HELD), their classes relative to the root as the
 * findings name them (new strings: vg_held_free); how many. */
int vg_held_by(struct facts_at *fc, const struct location *loc, struct held_lock *out);
void vg_held_free(struct held_lock *h, int n);
/* Does a lock class name one lock (a global or static object), not a kind of them (a
 * struct field's class, a local's)? Two holders of one such class hold one lock. */
int vg_one_object(const char *cls);
char *vg_rwlock_exclusive(struct facts_at *fc, const struct finding *f);
/* one side frees a block only after an atomic read-modify-write of one of its members on
 * every path (a reference count). */
char *vg_refcounted_free(struct facts_at *fc, const struct finding *f);
/* both sides hold one spinlock made of an atomic flag or word (vgspinlock.c). */
char *vg_flag_lock_held(struct facts_at *fc, const struct finding *f);

/* ---- vgpipe.c ---- */
/* The reason a race is on a block handed between threads as a pointer written to a pipe or
 * socket and read from it (a new string), or NULL. */
char *vg_pipe_handover(struct facts_at *fc, const struct finding *f);
/* Does the text of file:line dereference the variable `name` (name->, name[, *name)? */
int vg_line_derefs(const char *file, int line, const char *name);

/* ---- vgconsequence.c ---- */
/* The reason f is a consequence of another race that l or known reports (a free guarded by
 * a racy count, a block published through a racy pointer), as a new string, or NULL. */
char *vg_consequence(struct facts_at *fc, const struct finding *f, const struct finding_list *l,
                     const struct finding_list *known);

/* ---- vgmtunsafe.c ---- */
/* The reason f is a race on the storage an MT-unsafe call of l or known returns (its call,
 * or a read through the local its result went to), as a new string, or NULL. */
char *vg_mtunsafe_consequence(struct facts_at *fc, const struct finding *f,
                              const struct finding_list *l, const struct finding_list *known);

/* ---- vgwaitecho.c ---- */
/* Marks what the tools report after a condition wait on a mutex not held (a
 * cond-wait-unheld of l) likely benign, as that wait's echoes. */
void vg_wait_echoes(struct facts_at *fc, struct finding_list *l);
/* Is loc in the function of `at`, after it (by the stored control flow; without facts,
 * below it in the source)? */
int vg_runs_after(struct facts_at *fc, const struct location *at, const struct location *loc);

/* ---- vgcleanup.c ---- */
/* Marks Helgrind's unlock-not-held in a cancellation cleanup handler likely benign when
 * the handler covers a condition wait holding that mutex (the cancelled wait re-locked
 * it, unseen by Helgrind). */
void vg_cleanup_unlocks(struct facts_at *fc, struct finding_list *l);

/* ---- vgdestroyecho.c ---- */
/* Marks what the tools report after a mutex destroyed while held (a destroy-locked of l
 * or known) likely benign, as that destroy's echoes. */
void vg_destroy_echoes(struct facts_at *fc, struct finding_list *l, const struct finding_list *known);

/* ---- vgbenign.c ---- */
/* Marks f likely benign: kept, suppressed, with the reason (taken over). */
void vg_mark_benign_reason(struct finding *f, char *reason);

/* ---- vgfindings.c: errors -> findings; vgrace.c: the races ---- */

struct vg_build {
	const struct vg_doc *doc;
	const struct vg_opts *o;
	struct finding *f;           /* the finding being built */
};

/* Appends one finding per error of doc to out (fingerprints not set yet). */
void vg_findings(const struct vg_doc *doc, const struct vg_opts *o, struct finding_list *out);
void vg_race_finding(struct vg_build *b, struct finding_list *out, const struct vg_error *e);
/* A new finding of the tool (message and symbol are taken over); sets b->f. */
struct finding *vg_new_finding(struct vg_build *b, struct finding_list *out, const char *rule,
                               char *message, char *symbol);
/* A location of b->f at the stack's first user frame, with the stack from there; NULL when
 * the stack has no user frame. */
struct location *vg_add_location(const struct vg_build *b, const struct vg_stack *s,
                                 const char *message);
/* "thread #3 created at a.c:57", "main thread" (Helgrind's #1), or NULL. */
char *vg_thread_desc(const struct vg_build *b, int id);
char *vg_frame_file(const struct vg_opts *o, const struct vg_frame *fr);
char *vg_without_addresses(const char *text);   /* "lock at 0x10C0C0" -> "lock" */
/* The address a text names after " at " ("load by thread 3 at 0x0010c060 size 8" ->
 * "0x0010c060"), *n its length; NULL when it names none. */
const char *vg_address_in(const char *text, size_t *n);

/* ---- vgtrylock.c ---- */
/* Marks b->f, the finding of lock-order error e, likely benign when one of the orders'
 * second acquisitions was a trylock (which cannot wait, so the cycle cannot deadlock). */
void vg_trylock_benign(struct vg_build *b, const struct vg_error *e);

/* ---- vgecho.c ---- */
/* The objects destroyed while in use so far in one process (by address). */
struct vg_echoes {
	struct vg_destroyed { unsigned long long addr; int index; } *destroyed;
	int n;
};
/* Takes the findings l->items[from..] of error e: a destroy-in-use is remembered; a later
 * misuse error on the same address is marked likely benign as its echo. */
void vg_echoes_take(struct vg_echoes *ec, const struct vg_error *e, struct finding_list *l,
                    int from);
void vg_echoes_reset(struct vg_echoes *ec);   /* frees; a new process starts empty */

#endif
