/* internal.h — what the analysis files share: the program index, lock states, frames,
 * thread contexts and the records the rule checks read.
 *
 * The pipeline inside analyze_program():
 *   index (program.c) → for each program root: contexts (contexts.c) walk main and every
 *   thread entry with the lockset engine (engine.c), whose visitor (collect.c) records
 *   accesses, lock edges, calls and misuse → rule checks (races.c, lockorder.c, misuse.c,
 *   threadleak.c, mtunsafe.c) turn records into findings (emit.c).
 *
 * Every path and lock key inside a frame is expressed "in root terms": parameters are
 * substituted by the caller's arguments all the way up to the context's entry, so two
 * frames that touch the same object name it the same way.
 */
#ifndef TSAFE_ANALYZE_INTERNAL_H
#define TSAFE_ANALYZE_INTERNAL_H

#include <stdint.h>

#include "analyze.h"
#include "common/keymap.h"
#include "common/util.h"


/* ---- program index (program.c) --------------------------------------------------------- */
struct fn_ref {
	struct function *fn;
	int tu;
};

struct program_index {
	struct tu_facts *tus;
	int ntus;
	struct fn_ref *fns;      /* every definition */
	int nfns;
	struct keymap by_usr;    /* usr -> first index in fns; same-usr definitions chain */
	int *next_same_usr;      /* fns index -> next definition with that usr, or -1 */
	int *tu_has_main;        /* per TU */
	struct keymap callee_of; /* call event -> index in fns + 1, or 0: resolved once */
	int **callee_at;         /* per definition, per event pos: what index_callee_at gives */
};

void index_build(struct program_index *ix, struct tu_facts *tus, int ntus);
void index_free(struct program_index *ix);
/* The definition a call from TU `from_tu` reaches: its own TU's first, then one in a TU
 * without main (main TUs are separate executables that do not link each other). */
const struct fn_ref *index_resolve(const struct program_index *ix, const char *usr, int from_tu);
/* index_resolve of a call event's callee, remembered: the dataflow resolves the same call
 * every time it walks the caller. */
const struct fn_ref *index_resolve_call(struct program_index *ix, const struct event *ev, int from_tu);
/* The same for a call event of definition k, by the event's pos (no hashing: the engine
 * asks at every walk of every call). */
const struct fn_ref *index_callee_at(struct program_index *ix, int k, const struct event *ev);
/* Position of a definition in ix->fns. */
int index_of_ref(const struct program_index *ix, const struct fn_ref *r);
int index_in_program(const struct program_index *ix, int home, int tu);

/* ---- lock states (lockstate.c) ------------------------------------------------------- */
/* LS_UNHELD: not taken (yet) on that path; LS_RELEASED: taken and released again;
 * LS_DROPPED: a lock the function found held at its entry (its caller's) and released. */
enum { LS_HELD = 1, LS_UNHELD = 2, LS_ENTRY = 4, LS_UNCERTAIN = 8, LS_RELEASED = 16, LS_DROPPED = 32 };
/* Not held on any path reaching the point (a mask of only UNHELD/RELEASED/DROPPED). */
static inline int ls_surely_unheld(unsigned char mask)
{
	return mask && !(mask & (LS_HELD | LS_ENTRY | LS_UNCERTAIN));
}

struct held {
	int key;                     /* interned "class#instance" */
	unsigned char mask;          /* LS_* bits: the states possible on the paths that reach here */
	unsigned char shared;        /* read mode of a rwlock */
	unsigned char extra;         /* acquisitions beyond the first (each one a reported double
	                                lock): their unlocks leave it held, so one bug is one finding */
	const struct event *acq;     /* where it was (last) acquired */
	const struct function *acq_fn;
	/* Correlated branches: when catom is not 0, the state is m_true on the paths where
	 * condition atom catom is nonzero and m_false where it is zero (mask is their union). */
	int catom;
	unsigned char m_true, m_false;
};

struct assumption {                  /* a condition atom's value known on every path here */
	int atom;
	unsigned char val;           /* 1: nonzero, 0: zero */
};

struct lstate {
	int bottom;                  /* no path reaches here */
	unsigned char dflt;          /* state of every key not listed: UNHELD in a root, ENTRY in a
	                                function analysed on its own */
	struct held *e;              /* sorted by key */
	int n, cap;
	struct assumption *as;
	int nas, cap_as;
};

void ls_init(struct lstate *s, unsigned char dflt);
void ls_bottom(struct lstate *s);
void ls_copy(struct lstate *dst, const struct lstate *src);
void ls_free(struct lstate *s);
unsigned char ls_mask(const struct lstate *s, int key);
struct held *ls_find(struct lstate *s, int key);
struct held *ls_set(struct lstate *s, int key, unsigned char mask);   /* adds when missing */
/* dst := dst ⊔ src. Returns 1 when dst changed. */
int ls_join(struct lstate *dst, const struct lstate *src);
/* Condition atoms (atoms.c interns them): the branch taken says atom is val (an
 * impossible path becomes bottom); a write of it forgets it; map renames or forgets
 * (returns 0) every atom the state mentions. */
void ls_assume(struct lstate *s, int atom, int val);
void ls_kill(struct lstate *s, int atom);
void ls_map_atoms(struct lstate *s, int (*map)(int atom, void *ctx), void *ctx);
int ls_has_conditions(const struct lstate *s);
/* Around a call: the caller's atoms mean nothing to the callee (and would multiply its
 * solutions); they are put aside and restored on the locks the callee left alone. */
void ls_forget_conditions(struct lstate *s);
void ls_restore_conditions(struct lstate *s, const struct lstate *saved);
/* dst := the lock entries of `locks` (which knows no condition) with the assumptions of
 * `conds` (which holds no lock entry). */
void ls_with_assumptions(struct lstate *dst, const struct lstate *locks, const struct lstate *conds);
/* Appends what identifies the state (for memo keys). */
void ls_key(const struct lstate *s, struct keybuf *kb);
/* ls_key and where each lock was acquired: equal only for identical states. */
void ls_key_full(const struct lstate *s, struct keybuf *kb);

/* ---- lock keys (engine.c) ---------------------------------------------------------- */
struct lock_key {
	char *cls;                   /* "global:m", "static:F:eng.pages.mutex" (a lock in named
	                                storage is its own class, lockdep's static locks),
	                                "field:struct account.lock" (through pointers), "?" */
	char *tcls;                  /* the class as the code names it at the operation (the
	                                field's, for a lock reached through a parameter): the
	                                same in every context, for one-place findings */
	char *instance;              /* root-terms path of the lock object */
	char *spelling;              /* as written at the first lock operation seen: "a->lock" */
	int spelled;                 /* spelling is the code's, not the class's label */
	enum lock_kind kind;         /* of the first operation seen on it */
	int binary_sem;              /* a semaphore initialised to 1 and used as a lock */
	int token;                   /* tokens.c: 1 + the region kind it stands for, or 0 */
	int known;                   /* known.c: 1 + the static variable it is a fact about, or 0 */
};

/* ---- frames and contexts ------------------------------------------------------------- */
struct context;

enum {
	MAX_DEPTH = 12,               /* deepest call chain followed */
	VTABLE_NESTING = 2,           /* calls through one function-pointer field on a chain */
	WHEN_LEVELS = 4,              /* call levels main's records are made per chain of (memo
	                                 key, a local's owner): deeper frames are walked once per
	                                 chain of those levels, with their first reach's positions */
	WHEN_DEPTH = MAX_DEPTH,       /* call levels a chain keeps for ordering against thread
	                                 starts and joins: every level the walk follows */
	FRAME_BUDGET = 5000000,       /* function instances analysed before calls are cut */
};

/* When an event happens within its context, as the positions of the calls leading to it
 * (level 0: in the context's entry function) and of the event itself, each with the range
 * of its outermost enclosing loop. Compared level by level: the first level where two
 * chains differ orders them. The levels above the event are its frame's chain, interned
 * and shared by every record of that chain (when.c); read a level with when_lv(). */
struct when_lv {
	int pos, lo, hi;
	int fn;                      /* index of the function the level's event is in */
};
struct when {
	const struct when_lv *up;    /* levels 0 .. n-2: every level the walk follows, so a */
	struct when_lv last;         /* thread started and joined five calls below main orders */
	int n;                       /* what its caller does after the join; level n-1: the event */
	int pre;                     /* before the context's first thread creation, at any depth
	                                (prethread.c): ordered before every thread it starts */
};

static inline const struct when_lv *when_lv(const struct when *w, int i)
{
	return i == w->n - 1 ? &w->last : &w->up[i];
}

/* x surely runs before y in one context, every time: their chains differ in the entry
 * function, where no loop holds both (a shared call in a loop would repeat both). */
static inline int when_entry_before(const struct when *x, const struct when *y)
{
	return x->n > 0 && y->n > 0 && when_lv(x, 0)->pos != when_lv(y, 0)->pos &&
	       when_lv(x, 0)->hi < when_lv(y, 0)->lo;
}

struct activation {
	const struct function *fn;
	int tu;
	int fn_index;                /* in the program index */
	struct call_arg *args;       /* in root terms; lock classes borrowed */
	int nargs;
	const struct activation *caller;
	const struct event *call;    /* the call event in the caller */
	int depth;
	struct context *ctx;
	int pre;                     /* reached before the context created any thread */
	int alone;                   /* called after a single-threaded check (single_threaded.c) */
	const unsigned char *after;  /* prethread.c: per event pos of fn, after a creation */
	struct take_state *takes;    /* handover.c: the objects fn takes out of containers */
	const struct when_lv *chain; /* when.c: the calls above it, once asked for (else NULL) */
};

/* handover.c: per frame, each EV_TAKE of its function and whether the object taken is
 * surely the taker's (decided when the walk reaches the take). */
struct take_state {
	struct {
		const struct event *ev;
		int verdict;
	} *v;
	int n, cap;
};

enum ctx_kind { CTX_MAIN, CTX_THREAD, CTX_ISOLATED };

struct context {
	int id;
	enum ctx_kind kind;
	const struct fn_ref *entry;
	char *arg;                   /* root-terms path passed as the thread argument */
	char *shape;                 /* that argument without its owners (contexts.c) */
	char *fresh_slot;            /* the array element each instance gets (a counter-indexed
	                                slot, "X*.threads[]"): slot_pointees.c, else NULL */
	char *handle;                /* root-terms path of the pthread_t */
	struct instance {            /* each way its creator started it (in the creator's chains):
	                                when, with which handle, and */
		struct when start, end;  /* the join of that handle that ends it (has_end) */
		int has_end;
		unsigned loops;          /* bit j: the start's level j is in a loop of its function;
		                            bit l for every level l */
		char *handle;
	} *inst;
	int ninst, unnamed_handle;   /* unnamed: a handle frame_path cannot name */
	int multi;                   /* several instances can run at once */
	int own_multi;               /* ... started in a loop or again by its creator (not only
	                                because its creator has several instances) */
	int joined_in_pass;          /* joined in the iteration that created it */
	int reaches;                 /* times its creation site was reached */
	int unbounded;               /* started by several contexts: alive at any time */
	int library;                 /* an exported function callers' threads may run (library.c) */
	int shares_frames;           /* library.c: its callees' frames are solved and reported
	                                once for every context so marked (engine.c memo_key) */
	int detached;
	/* Alive from start to end (has_end: joined), in its parent main's chains. */
	struct when start, end;
	int has_end;
	/* Where it was created: for reports. */
	const struct event *create_ev;
	const struct function *create_fn;
	struct context *parent;
	int program;                 /* id of the root context this thread descends from */
	int joined;                  /* some thread joins its handle */
	struct frame_site *create_stack;
	int ncreate_stack;
	int shown;                   /* create_stack level shown as where it was created: the call
	                                of a thread-creating wrapper that named the routine */
	struct reach_path *create_paths; /* exclusive.c: each way the creator reached the site */
	int ncreate_paths;
	unsigned char *once_set;     /* onceguard.c: per guard, surely nonzero at every creation */
	struct bindings *bindings;   /* bindings.c: function pointers its creator set for it */
};

struct path_step {                   /* one level of the calls that reached an event */
	const struct function *fn;
	const struct event *ev;      /* the call (or, innermost, the event itself) */
};

struct reach_path {                  /* the calls from the creator's entry down to an event */
	struct path_step *steps;     /* by depth */
	int n;
};

struct frame_site {                  /* one level of a stack kept for reports */
	const struct function *fn;
	int line;
};

/* ---- what the visitor records (collect.c) ---------------------------------------------- */
struct access_rec {
	int ctx;
	char *object;                /* root-terms path */
	const struct event *ev;
	const struct function *fn;
	int write, atomic;
	int dying;                   /* on a path that ends the process (dying.c) */
	int own_element;             /* an element indexed by its thread's own identity */
	char *own_index;             /* that index, in root terms ("~3:targ.id") */
	char *joined_handle;         /* x[i] right after a join of t[i]: t[]'s root-terms path
	                                (joined_slots.c) */
	int freeing;                 /* free() of the block: a write of all of it */
	struct when when;            /* for the main context: which threads run alongside */
	int *locks;                  /* interned lock classes held for sure */
	unsigned char *lock_shared;
	int nlocks;
	struct frame_site *stack;
	int nstack;
	/* declared.c: the capability guarding the object (GUARDED_BY), in root terms, and
	 * whether it is held; capabilities the code runs under by declaration (REQUIRES on
	 * the call chain) that no lock held stands for yet. */
	char *guard;
	int guard_held;
	char **caps;
	int ncaps;
	int once;                    /* inside a once initialiser (waits.c): ordered, no race */
	int alone;                   /* after a check that no thread runs (single_threaded.c) */
	int once_guard;              /* onceguard.c: 1 + the guard whose first-run region holds
	                                it (it runs only while that variable is zero), or 0 */
	int lockset;                 /* races.c: its locks, their modes and guard_held, interned */
	int *tokens;                 /* tokens.c: the regions of state tokens it lies in */
	int ntokens;
};

struct lost_wakeup {                 /* signals.c: a predicate changed, then a signal */
	const struct event *signal, *write;
	const struct function *fn;
	int ctx;
	char *cv;                    /* the condition variable's name */
	int *locks;                  /* classes held at the write */
	int nlocks;
	struct frame_site *stack;
	int nstack;
};

struct held_join {                   /* waits.c: a join made while holding locks */
	char *handle;                /* root-terms path of the pthread_t joined */
	int ctx;
	const struct event *ev;
	const struct function *fn;
	int *keys;                   /* lock keys held for sure */
	const struct event **acq;    /* where each was acquired */
	const struct function **acq_fn;
	int nkeys;
	struct frame_site *stack;
	int nstack;
};

struct edge_rec {
	int ctx;
	int from_cls, to_cls;        /* interned classes */
	int same_instance_order_ok;  /* a pair of one kind (the code's class: two accounts) taken in
	                                an order the code fixes */
	int outer_shared, inner_shared;  /* the outer held, the inner taken, in read mode */
	int dying;                   /* taken on a path that ends the process (dying.c) */
	struct when when;            /* for the main context: which threads run alongside */
	const struct event *outer_ev, *inner_ev;
	const struct function *outer_fn, *inner_fn;
	/* The classes held for sure at the inner acquisition and its stack, shared by the edges
	 * of that acquisition (the first owns them: n held locks make n edges, not n² entries);
	 * gates[gate_self] is this edge's own outer lock, no gate of it. */
	const int *gates;
	int ngates, gate_self, owns_shared;
	struct frame_site *stack;
	int nstack;
};

struct misuse_rec {
	const char *rule;            /* static string: a rule id */
	int ctx;
	const struct event *ev;
	const struct function *fn;
	int key;                     /* lock key involved, or -1 */
	const struct event *other;   /* the related site (first acquisition…), or NULL */
	const struct function *other_fn;
	struct when when;
	struct frame_site *stack;
	int nstack;
	int retests_nothing;         /* cond-wait-no-loop: in a loop that re-tests nothing its
	                                signallers change */
	const char *note;            /* fork-with-threads: the unsafe function the child calls
	                                (static string) */
};

struct thread_op {                   /* create / join / detach seen while walking contexts */
	const struct event *ev;
	const struct function *fn;
	int ctx;
	char *handle;
	char *slot_handle;           /* a join through an object taken off a list: through the list */
	struct when when;
};

/* Per block of the frame being solved (engine.c): the join of the states reaching it, the
 * join of the states at its RETURN in its latest walk, and whether it must be walked again. */
struct block_state {
	struct lstate in, ret;
	int pending;
};

/* The block states and working states of the frame being solved at one depth. */
struct block_scratch {
	struct block_state *bs;
	int cap, busy;
	struct lstate cur, ret, ret2;
};

struct analysis {
	const struct analyze_opts *opts;
	struct program_index ix;
	struct keymap keys;          /* (class, instance) -> lock key index */
	struct lock_key *lock_keys;
	int nlock_keys, cap_lock_keys;
	struct keymap classes;       /* class -> class index */
	char **class_names;
	int nclasses, cap_classes;

	struct context **ctxs;
	int nctxs, cap_ctxs;

	struct access_rec *acc;   int nacc, cap_acc;
	struct edge_rec *edges;   int nedges, cap_edges;
	struct misuse_rec *mis;   int nmis, cap_mis;
	const struct block **needs;  /* per index fn: its entry block when it declares REQUIRES */
	struct held_join *held_joins; int nheld_joins, cap_held_joins;
	struct keymap ctx_takes;     /* (context, lock class) a context acquires (waits.c) */
	/* signals.c, by condition variable name: signalled; (cv, name) written by signallers,
	 * re-tested by waiters; (cv, class) a waiter's mutex; waited on */
	struct keymap sig_cvs, sig_writes, sig_tested, sig_mutex, sig_waited;
	struct lost_wakeup *lost; int nlost, cap_lost;
	struct thread_op *joins;  int njoins, cap_joins;

	struct keybuf kb;            /* scratch for building memo keys */
	struct frame_scratch {       /* a callee frame's arguments, one per depth (engine.c) */
		struct call_arg *args;
		size_t *at;
		int cap;
		struct strbuf paths;
	} scratch[MAX_DEPTH];
	struct block_scratch blocks[MAX_DEPTH];   /* engine.c solve_frame */
	struct call_scratch {                     /* engine.c apply_call: by the caller's depth */
		struct lstate out, saved;
		int busy;
	} calls[MAX_DEPTH];
	struct keymap memo;          /* frame+entry state (+ main's call chain) -> reported, exit */
	unsigned char **dying;       /* per index fn: its blocks every path from which dies */
	unsigned char *noreturn;     /* per index fn: whether it can return (dying.c) */
	struct single_threaded *single; /* single_threaded.c, built on first use */
	unsigned char **after_create;/* per index fn: per event pos, after a thread creation
	                                (prethread.c; NULL: the function creates none) */
	struct keymap exit_unique;   /* ls_key_full of an exit state -> its index: stored once */
	struct lstate *exit_states;
	int nexit, cap_exit;
	unsigned char *reached;      /* per index fn: walked from a program root or thread */
	struct keymap recursive;     /* classes and instances of recursive mutexes (lockid.c) */
	struct keymap sem_one;       /* ... of semaphores initialised to 1 */
	struct keymap sem_paired;    /* ... of semaphores waited on then posted in one function */
	struct keymap atoms;         /* (function, condition atom) -> atom id (atoms.c) */
	int *atom_fn;                /* atom id -> index of its function */
	int **call_atoms;            /* per index fn, per call pos: its result's atom, once made */
	int *ret_atoms;              /* per index fn: its "$ret" atom, once made */
	int natoms, cap_atoms;
	long frames;
	long cuts;                   /* recursive calls not followed so far */
	int truncated;               /* the frame budget was reached */
	struct finding_list *out;
	struct fnptr *fnptr;         /* function values (fnptr.c) */
	struct result_map *results;  /* objects calls hand back, by slot (results.c) */
	struct release_map *releases;/* (function, lock class) released on every path (releases.c) */
	uint64_t *param_decides;     /* per index fn: parameters a constant argument decides
	                                branches by (constargs.c) */
	/* flag_publish.c: condition waits in loops that re-test flags, and the flags' writes */
	struct flag_wait **flag_waits; int nflag_waits, cap_flag_waits;
	struct flag_writes **flag_writes; int nflag_writes, cap_flag_writes;
	struct keymap flag_names;    /* flag name -> index in flag_writes */
	struct handoff *handoff;     /* handoff_race.c: blocks put into slots, objects taken */
	struct barriers *barriers;   /* barrier_phases.c: barrier waits by context */
	struct channels *channels;   /* channels.c: release/acquire operations by context */
	struct onceguard *onceguard; /* first-run regions of once-guarded setup (onceguard.c) */
	struct tokens *tokens;       /* state variables handed over by value (tokens.c) */
	struct messages *messages;   /* tags sent and received through locked queues (messages.c) */
	struct known *known;         /* static variables compared with constants (known.c) */
	struct fallback *fallback;   /* calls a counter excludes from its zero branch (fallback.c) */
	unsigned char *takes_none;   /* per index fn: 1 it has no EV_TAKE, 2 it has, 0 not known */
	struct when_chains *when_chains; /* when.c: interned call chains */
	int *neutral;                /* per index fn: height of its call tree when lock-neutral,
	                                else negative (neutral.c) */
};

/* lost_handle.c */
/* Is c's handle a local of the (non-main) function that created it, named there only by
 * its declaration and the creation, so that nobody can join or detach the thread? */
int handle_lost_with_frame(const struct context *c);
/* when.c: where ev happens in f's context (its chain is f's frame chain, interned) */
void frame_when(struct analysis *a, const struct activation *f, const struct event *ev,
                struct when *w);
void when_chains_free(struct analysis *a);
/* neutral.c */
void neutral_build(struct analysis *a);
void neutral_free(struct analysis *a);
/* Does fn k take, release or wait on no lock, and record nothing in an isolated walk? */
int neutral_fn(const struct analysis *a, int k);
/* ... and will a call of it at this depth be followed to its deepest callee? */
int neutral_call_at(const struct analysis *a, int k, int depth);

/* engine.c */
void frame_scratch_free(struct analysis *a);
int lock_key_intern(struct analysis *a, const char *cls, const char *instance, const char *spelling);
/* The class of a lock object in named storage, from its root-terms instance ("s:F:m.lock"
 * is "static:F:m.lock", array elements are their array's class), or NULL when it is reached
 * through a pointer (its class is then its field's). New string. */
char *instance_class(const char *instance);
/* Notes every mutex the program makes recursive and every semaphore it uses as a lock. */
void lockid_scan(struct analysis *a);
int lock_key_recursive(const struct analysis *a, int key, const struct event *ev);
/* A mutex init reached in a helper called with a recursive mutex type
 * (ovs_mutex_init__(l, PTHREAD_MUTEX_RECURSIVE)) makes its object recursive. */
void lockid_note_init(struct analysis *a, const struct activation *f, const struct event *ev);
/* A semaphore initialised to 1 that some function waits on and then posts: a lock. */
int lockid_binary_sem(const struct analysis *a, const struct lock_key *k);
/* Elements of one array of locks (lock striping, item_locks[hv & mask]): is the one ev
 * takes possibly not the one held, taken at `held`? Then they nest as two locks of one
 * class, never a double lock. */
int lock_keys_other_element(const struct lock_key *k, const struct event *held, const struct event *ev);
int class_intern(struct analysis *a, const char *cls);
/* Walks `fn` as the entry of ctx (state: every lock unheld, or ENTRY for CTX_ISOLATED),
 * calling the collector for every event reached, callees included. */
void engine_run_context(struct analysis *a, struct context *ctx, struct call_arg *args, int nargs);
/* The root-terms form of a path seen in frame f, or NULL. */
char *frame_path(const struct activation *f, const char *path);
/* The context whose invocation owns an object named "~CTX…", or -1 for shared storage. */
int object_owner(const char *object);
/* slot_pointees.c: an object reached through a pointer member of a thread's own slot is its
 * own unless the creator stored a pointer it was handed there (the pool, the parent). */
int slot_pointee_own(const struct analysis *a, int ctx, const char *object);
int fnptr_stored_into(const struct analysis *a, const char *object);
int frame_stack(const struct activation *f, const struct event *ev, struct frame_site **out);

/* declared.c: Clang thread-safety annotations as facts (see there). */
void declared_build(struct analysis *a);
void declared_free(struct analysis *a);
void declared_on_event(struct analysis *a, const struct activation *f, const struct event *ev,
                       const struct lstate *s);
void declared_on_access(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct lstate *s, struct access_rec *r);
void declared_resolve(struct analysis *a);
void check_guarded(struct analysis *a, const int *order, int lo, int hi);
/* races.c: two accesses that race unless a lock orders them (concurrent, one a write, not
 * both atomic, not one running instance's own object, not on the way out). */
int accesses_conflict(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);

/* waits.c: condition waits, joins while holding locks, once (see there). */
void waits_on_cond_wait(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct lstate *s, int key, int named_key);
void waits_on_lock(struct analysis *a, const struct activation *f, const struct event *ev, int key);
void waits_on_join(struct analysis *a, const struct activation *f, const struct event *ev,
                   const struct lstate *s);
void check_held_joins(struct analysis *a);
void waits_free(struct analysis *a);
/* signals.c: predicates and signallers by name (see there). */
void signals_build(struct analysis *a);
int signals_loop_retests_nothing(struct analysis *a, const struct event *wait);
void signals_on_signal(struct analysis *a, const struct activation *f, const struct event *ev);
void signals_on_wait(struct analysis *a, const struct event *ev, int key);
void check_lost_wakeups(struct analysis *a);
void signals_free(struct analysis *a);
/* The last name of a path: "p:0*.not_empty" -> "not_empty", "s:F:ready" -> "ready". */
void signals_last_name(const char *path, struct strbuf *sb);
/* flag_publish.c: a wait (in a loop, under the mutex key) a reader leaves once a flag is
 * set; whether x happens before y because y's context waited for the flags x's context
 * set after x under the wait's mutex (see there). */
void flags_on_wait(struct analysis *a, const struct activation *f, const struct event *ev, int key);
/* The write records of every name some wait re-tests, once the records are complete. */
void flags_index_writes(struct analysis *a);
/* messages.c: a tag pushed on a locked queue orders what its sender did before with what
 * its receiver does where it got that tag */
int messages_on_assume(struct analysis *a, const struct activation *f, const struct event *ev);
void messages_note_call(struct analysis *a, const struct activation *f, const struct event *ev);
int message_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
int messages_past_receipt(const struct analysis *a, const struct access_rec *y);
void messages_free(struct analysis *a);
int flag_publication_orders(const struct analysis *a, const struct access_rec *x,
                            const struct access_rec *y);
void flags_free(struct analysis *a);

/* collect.c: a misuse record at event ev of frame f (rule: a static string). */
struct misuse_rec *misuse_add(struct analysis *a, const char *rule, const struct activation *f,
                              const struct event *ev, int key);
/* collect.c: the visitor the engine calls for each event with the state before it. */
void collect_event(struct analysis *a, const struct activation *f, const struct event *ev,
                   const struct lstate *before, int key);
/* dying.c: whether every path from event ev of frame f, or from the call in a caller that
 * led to it, ends in a call that never returns. */
int frame_dies(struct analysis *a, const struct activation *f, const struct event *ev);
void dying_free(struct analysis *a);
/* single_threaded.c: whether event ev of frame f, or the call in a caller that led to it,
 * follows a check that ends the process once any thread was started. */
int single_threaded_at(struct analysis *a, const struct activation *f, const struct event *ev);
void single_threaded_free(struct analysis *a);

/* Forgets the access and lock-order records from index nacc / nedges on. */
void records_truncate(struct analysis *a, int nacc, int nedges);
/* At a RETURN: `at` is the state there, fn_exit the function's exit state (all returns). */
void collect_return(struct analysis *a, const struct activation *f, const struct event *ev,
                    const struct lstate *at, const struct lstate *fn_exit);

/* fnptr.c: function pointers. fnptr_build solves the program-wide flows once; the walk
 * reports each EV_STORE (fnptr_note_store). fnptr_targets: the definitions a call or
 * creation through pointer object `slot` (field `field`, a CALL's `containers`: facts.h) of
 * frame f may run (*out: free it).
 * fnptr_trampoline: when entry only runs a function its argument carries, that function and
 * its argument. Unresolved creation sites are remembered for the report. */
void fnptr_build(struct analysis *a);
void fnptr_free(struct analysis *a);
void fnptr_note_store(struct analysis *a, const struct activation *f, const struct event *ev);
int fnptr_targets(struct analysis *a, const struct activation *f, const char *slot,
                  const char *field, const char *containers, const struct fn_ref ***out);
int fnptr_trampoline(struct analysis *a, const struct fn_ref *entry, const char *targ,
                     const struct fn_ref **run, char **run_arg);
void fnptr_note_unresolved(struct analysis *a, const struct activation *f, const struct event *ev);
int fnptr_unresolved(const struct analysis *a, int i, const struct event **ev,
                     const struct function **fn);
void check_unresolved_threads(struct analysis *a);
/* callbacks.c: functions handed to code outside the program that no root reaches. */
void check_unfollowed_callbacks(struct analysis *a);

/* results.c: t = f(…) where every return of f hands back one object: t points to it (in
 * root terms). A join of "t*REST" names handle OBJECT REST for each object t was given. */
void results_note(struct analysis *a, const struct activation *caller, const struct event *call,
                  const struct activation *callee);
int results_join_names(const struct analysis *a, const char *join, const char *handle, int drains);
void results_note_put(struct analysis *a, const struct activation *f, const struct event *ev);
void results_free(struct analysis *a);

/* handover.c */
void takes_init(struct take_state *t, const struct function *fn);
void takes_free(struct take_state *t);
/* At an EV_TAKE with state s before it: owned when a lock is held for sure and nothing
 * since the slot was read can have released one. */
void takes_visit(const struct analysis *a, const struct activation *f, const struct event *ev,
                 const struct lstate *s);
/* A path rooted at a taken object ("l:F:v@take…"): 0 when it is the taker's own (name it
 * as a local), else appends what the slot designated (1) or nothing (-1: no object). */
int takes_resolve(const struct activation *f, const char *path, struct strbuf *sb,
                  int (*frame_path_sb)(const struct activation *, const char *, struct strbuf *));
/* A path rooted at a taken object, as the slot it was taken from names it (root terms), or
 * NULL: a join of the handle in a job taken off a list of handles joins through the list. */
char *takes_slot_path(const struct activation *f, const char *path);

/* prethread.c */
void prethread_build(struct analysis *a);
void prethread_free(struct analysis *a);
/* One more than the largest event pos of fn (the size of a per-pos array). */
int fn_max_pos(const struct function *fn);
/* Per event pos of fn: whether some path (every path, with `every`) from its entry to the
 * event passed an event is_one holds for. */
unsigned char *events_past(const struct function *fn, int every,
                           int (*is_one)(const struct event *ev, void *ctx), void *ctx);
/* Is event ev of frame f reached before its context created any thread? */
int prethread_at(const struct activation *f, const struct event *ev);
/* Does code of context c at x surely run before context d exists (c started d, directly or
 * through other threads, after x)? */
int prethread_orders(const struct context *c, const struct when *x, const struct context *d);

/* onceguard.c: setup that runs only while a static variable is still zero */
void onceguard_build(struct analysis *a);
void onceguard_free(struct analysis *a);
/* At a creation of c by event ev of frame f: which guards' variables are surely nonzero. */
void onceguard_note_create(struct analysis *a, struct context *c, const struct activation *f,
                           const struct event *ev);
/* 1 + the guard whose first-run region event ev of f (or a call leading to it) lies in, or 0. */
int onceguard_region(const struct analysis *a, const struct activation *f, const struct event *ev);
/* Does one of x, y run in a first-run region that the other's thread never runs alongside? */
int onceguard_excludes(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
/* Events of fn reached only through the zero branch of the test of "o:VAR": per pos. */
unsigned char *zero_branch_events(const struct function *fn, const char *var);

/* tokens.c: a state variable a condition-wait loop waits on, as a token (see there). At an
 * ASSUME: 1 when it is a "t:" atom (a region may begin), else 0. At a write: the regions
 * of the variable written end. The regions held for sure (*out: free it). Whether two
 * records lie in regions of one token that exclude each other. */
int tokens_on_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                     struct lstate *s);
void tokens_on_write(struct analysis *a, const struct activation *f, const struct event *ev,
                     struct lstate *s);
int tokens_held(const struct analysis *a, const struct lstate *s, int **out);
int tokens_exclude(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
void tokens_free(struct analysis *a);

/* known.c: what tests and constant stores established about a static variable several
 * functions compare with a constant, across calls (see there). known_on_assume: 1 when it
 * is a "c:" atom (a branch it rules out makes s bottom), else 0. */
void known_build(struct analysis *a);
void known_free(struct analysis *a);
int known_on_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                    struct lstate *s);
void known_on_write(struct analysis *a, const struct activation *f, const struct event *ev,
                    struct lstate *s);
/* Around a call of the function at index callee: the facts it cannot use or change leave
 * s (into *aside, returns 1) so that its memo key ignores them, and come back after. */
int known_set_aside(const struct analysis *a, int callee, struct lstate *s, struct lstate *aside);
void known_put_back(struct lstate *s, const struct lstate *aside);

/* fallback.c: the zero branch of a local counter's test against the calls it counts */
void fallback_build(struct analysis *a);
void fallback_free(struct analysis *a);
/* Do chains x and y part, in one activation, at a call the counter counts and the code of
 * its zero branch (never both in one run)? */
int fallback_exclusive(const struct analysis *a, const struct when *x, const struct when *y);

/* sequential.c: instances each joined before another starts never run at once. */
int instances_sequential(const struct context *c);
int creator_overlaps(const struct when *x, const struct context *t);
int siblings_sequential(const struct context *c, const struct context *d);
unsigned instance_loops(const struct activation *f, const struct event *ev);
/* Does code at chain x run outside the call of main's in which the instance is started and
 * joined (so never alongside it, loops included)? */
int instance_apart(const struct when *x, const struct instance *in);
/* contexts.c: x surely happens before y (see strictly_before there). */
int when_before(const struct when *x, const struct when *y);

/* bindings.c: the function values a creator stored into named storage before creating a
 * thread (at any level of the calls leading there), or NULL; what a slot is bound to in
 * context c ("fn:USR"), or NULL. */
struct bindings;
struct bindings *bindings_at(const struct activation *f, const struct event *ev);
void bindings_free(struct bindings *b);
int bindings_equal(const struct bindings *x, const struct bindings *y);
const char *bindings_value(const struct context *c, const char *slot);

/* exclusive.c */
void exclusive_note_path(struct context *c, const struct activation *f, const struct event *ev);
/* Is this way of reaching c's creation site exclusive with every way noted before (a
 * helper that starts the thread called on two branches of which a run takes one)? */
int exclusive_new_reach(const struct context *c, const struct activation *f, const struct event *ev);
/* Were c and d (or their ancestors) created on branches that exclude each other? */
int contexts_exclusive(const struct context *c, const struct context *d);

/* releases.c: is held entry h (maybe held here) released on every path after event ev of
 * frame f, in its function or, once that returns, in a caller? Then it is held at ev. */
int releases_prove_held(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct held *h);
void releases_free(struct analysis *a);

/* constargs.c: constant arguments decide a callee's tests of its parameters */
void constargs_build(struct analysis *a);
void constargs_free(struct analysis *a);
/* Is a constant passed as argument i of the function at index callee kept ("#K")? */
int constargs_keep(const struct analysis *a, int callee, int i);
/* An ASSUME on a parameter's "k:" atom (returns 1): decided when the frame's argument is a
 * constant (an impossible branch makes s bottom), else ignored. 0 for other atoms. */
int constargs_assume(const struct activation *f, const struct event *ev, struct lstate *s);

/* atoms.c: correlated branches and return values */
void atoms_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                  struct lstate *s);
void atoms_join_return(struct analysis *a, const struct activation *f, const struct event *ev,
                       struct lstate *ret, const struct lstate *at);
void atoms_before_call(struct analysis *a, const struct activation *f, const struct event *call,
                       struct lstate *s);
void atoms_after_call(struct analysis *a, const struct activation *callee, struct lstate *out);
void atoms_free(struct analysis *a);

/* contexts.c */
/* Direct calls between definitions, resolved once: callees of k are
 * callee[first[k] .. first[k + 1]). */
struct call_graph {
	int *first, *callee;
	int *callers;          /* how many direct calls reach each definition */
};
void call_graph_build(const struct program_index *ix, struct call_graph *g);
void call_graph_free(struct call_graph *g);
/* callgraph_close.c: flag[k] |= flag[callee] (and a[k] |= a[callee], b[k] |= b[callee])
 * over every direct call, until nothing changes. */
void call_graph_close_flags(const struct call_graph *g, int nfns, unsigned char *flag);
void call_graph_close_masks(const struct call_graph *g, int nfns, uint64_t *a, uint64_t *b);
struct context *new_context(struct analysis *a, enum ctx_kind kind, const struct fn_ref *entry);
void run_thread(struct analysis *a, struct context *c);
void contexts_discover(struct analysis *a);
int fn_has_event(const struct function *fn, enum ev_kind kind);
/* library.c: the exported API no program root reaches, as threads any number of callers
 * may run at once. */
void contexts_add_library(struct analysis *a);
int same_site(const struct context *c, const struct context *d);
void contexts_note_thread_op(struct analysis *a, const struct activation *f, const struct event *ev);
/* Can code of context cx at x run while code of context cy at y runs? (x, y matter only
 * for a main context.) */
int contexts_concurrent(const struct analysis *a, int cx, const struct when *x, int cy,
                        const struct when *y);

/* race_kind.c: how a race between x and y on the object of records order[lo..hi) is
 * worded; *warning is set for statistics counters and polled flags. */
const char *race_kind(const struct analysis *a, const int *order, int lo, int hi,
                      const struct access_rec *x, const struct access_rec *y, int *warning);

/* handoff_race.c: a block the giver uses after putting it where a taker takes it (see
 * there). */
void handoff_note_put(struct analysis *a, const struct activation *f, const struct event *ev);
void handoff_note_take(struct analysis *a, const struct activation *f, const struct event *ev);
void check_handoff_races(struct analysis *a);
void handoff_free(struct analysis *a);
/* barrier_phases.c: a barrier wait seen in a context; whether x happens before y because
 * x precedes every wait of its context on a barrier that y's context waited on before y
 * (see there). */
void barriers_on_call(struct analysis *a, const struct activation *f, const struct event *ev);
int barrier_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
/* fork_child.c: a fork whose child calls what is not async-signal-safe, while other
 * threads may run */
void forks_on_call(struct analysis *a, const struct activation *f, const struct event *ev);
void check_forks(struct analysis *a);
/* channels.c: accesses handed over by a release/acquire channel (atomics, semaphores) */
void channels_on_sem(struct analysis *a, const struct activation *f, const struct event *ev, int key);
void channels_index(struct analysis *a);
int channel_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
void channels_free(struct analysis *a);
void barriers_free(struct analysis *a);
/* joined_slots.c: the handle of the thread joined just before ev in its block, when ev
 * touches the element of the join's index (new string, or NULL); whether x, a thread's
 * own element, is that element of the thread y's context had just joined. */
char *joined_slot_handle(const struct activation *f, const struct event *ev);
int joined_slot_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
/* races.c: a lock both hold (a rwlock both hold only for reading does not count); whether
 * x and y race (no common lock, conflicting, concurrent, not ordered by what the analysis
 * models: flags, barriers, joins). */
int records_share_lock(const struct access_rec *x, const struct access_rec *y);
int records_race(const struct analysis *a, const struct access_rec *x, const struct access_rec *y);
/* races.c: a data-race finding with x and y as its sides, `kind` saying why. */
void races_report_pair(struct analysis *a, const struct access_rec *x, const struct access_rec *y,
                       const char *kind);

/* rules */
void check_races(struct analysis *a);
/* race_members.c: the races of members of one object between the same two stretches of
 * code (findings from index `from` on) become one finding. */
void races_merge_members(struct analysis *a, int from);
void check_lock_order(struct analysis *a);
void check_misuse(struct analysis *a);
void check_thread_leaks(struct analysis *a);
void check_mt_unsafe(struct analysis *a);      /* mtunsafe.c, from check_misuse */

/* emit.c: findings */
struct finding *emit_finding(struct analysis *a, const char *rule, const char *message, const char *symbol);
struct location *emit_location(struct analysis *a, struct finding *f, const struct function *fn,
                               const struct event *ev, const char *message);
void emit_stack(struct analysis *a, struct location *loc, const struct frame_site *st, int n);
void emit_thread(struct analysis *a, struct location *loc, const struct context *c);
char *emit_locks_text(struct analysis *a, const int *cls, const unsigned char *shared, int n);
char *display_symbol(const struct analysis *a, const char *path);
/* The length of a private object's owner prefix at p ("~12.3.40:" of a local of one
 * context's invocation, "~I:"), or 0. */
size_t owner_prefix(const char *p);
char *class_label(const char *cls);
char *relative_path(const struct analysis *a, const char *file);

#endif
