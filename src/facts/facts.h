/* facts.h — what one translation unit tells the whole-program analysis.
 *
 * This is the contract between the three stages that touch facts: src/extract fills a
 * struct tu_facts from libclang, src/store saves and reloads it (so an unchanged TU is not
 * parsed again), src/analyze reads every TU's facts. Nothing here knows about libclang or
 * SQLite.
 *
 * Functions are control-flow graphs of basic blocks; each block is a list of events in
 * program order. The analysis runs dataflow (locksets) over these graphs.
 *
 * ACCESS PATHS name the object an event touches, so that helpers can be analysed once and
 * their parameters substituted by the caller's arguments. A path is a string:
 *     ROOT SUFFIX*
 *   ROOT   g:NAME            global with external linkage
 *          s:FILE:NAME       file-static variable (FILE = canonical path of the TU's main file)
 *          fs:FILE:FUNC:NAME function-static variable
 *          l:FUNC:NAME       local variable whose address escapes (only these are recorded)
 *          p:N               parameter N (0-based) of the enclosing function
 *          h:FILE:LINE       heap block from malloc/calloc/realloc at FILE:LINE
 *          l:FUNC:NAME@take  the object local NAME took out of a container (EV_TAKE)
 *          ?                 unknown (call result, cast of an integer, …)
 *          #VALUE            an integer constant passed as a call argument ("#2", "#-1"):
 *                            no object; it decides the callee's tests of that parameter
 *   SUFFIX .FIELD            member of a struct/union (a->f is written *.f)
 *          *                 dereference
 *          []                element of an array or pointer (index dropped)
 *   A leading & (address-of) may appear once: "&g:m". The extractor writes (&x)->f as
 *   x.f itself; substitution collapses "&X" + "*S" to "XS". Local pointers that simply alias a parameter or global
 *   (T *t = arg;) are resolved by the extractor, so their paths start at the real root.
 *
 * LOCK CLASSES (lockdep style, shared with the runtime): "global:NAME", "static:FILE:NAME",
 * "field:struct T.FIELD", "local:FUNC:NAME". Empty when the lock is reached only through a
 * parameter with no field (void f(pthread_mutex_t *m)); the analysis then takes the class of
 * the caller's argument (struct call_arg.lock_class).
 */
#ifndef TSAFE_FACTS_H
#define TSAFE_FACTS_H

#include <stddef.h>

/* Changes whenever what the extractor records changes, so that facts cached by an older
 * build are extracted again. */
#define TSAFE_FACTS_FORMAT "17"

enum ev_kind {
	EV_ACCESS = 1,     /* read or write of possibly shared state */
	EV_LOCK,           /* acquire; flags EVF_TRY when it is the success branch of a trylock */
	EV_UNLOCK,         /* release */
	EV_CALL,           /* call of a function defined or declared in the program */
	EV_THREAD_CREATE,  /* pthread_create / thrd_create */
	EV_THREAD_JOIN,    /* pthread_join / thrd_join */
	EV_THREAD_DETACH,  /* pthread_detach / thrd_detach */
	EV_COND_WAIT,      /* pthread_cond_wait / timedwait / cnd_wait / cnd_timedwait */
	EV_COND_SIGNAL,    /* pthread_cond_signal / broadcast / cnd_signal / cnd_broadcast */
	EV_RETURN,         /* return statement, falling off the end, pthread_exit, thrd_exit */
	EV_STORE,          /* a function, or a parameter's pointer, stored into an object */
	EV_ASSUME,         /* a branch taken on a condition atom (path): its value is nonzero
	                      (EVF_TRUE) or zero; or (EVF_KILL) the atom's value changes */
	EV_TAKE,           /* an object taken out of a container slot (extract/takes.c) */
	EV_PUT,            /* a block the function allocated stored into a shared slot */
	EV_DECLARE,        /* a Clang thread-safety annotation of the function: its body runs
	                      holding capability `path` (REQUIRES; EVF_SHARED: REQUIRES_SHARED),
	                      or (EVF_EXCLUDES) must not be entered holding it. First events of
	                      the entry block; at a call of a body the program lacks, after the
	                      call with EVF_DECLARED (callee = its USR, api = its name,
	                      path in the caller's terms). name = the capability as written. */
};

/* event.flags */
enum {
	EVF_WRITE      = 1 << 0,  /* ACCESS: a write (assignment, ++, +=, …; RMW sets both) */
	EVF_READ       = 1 << 1,  /* ACCESS: a read */
	EVF_ATOMIC     = 1 << 2,  /* ACCESS: _Atomic object or __atomic/__sync/stdatomic operation */
	EVF_TRY        = 1 << 3,  /* LOCK: acquired by a successful trylock/timedlock */
	EVF_SHARED     = 1 << 4,  /* LOCK: read (shared) mode of a rwlock */
	EVF_IN_LOOP    = 1 << 5,  /* the event is inside a loop of its function */
	EVF_PER_INSTANCE = 1 << 6,/* THREAD_CREATE: each created thread gets its own argument
	                             object (&args[i], a malloc in the loop, an integer) */
	EVF_DETACHED   = 1 << 7,  /* THREAD_CREATE: created detached (attr set to detached) */
	EVF_SELF       = 1 << 8,  /* THREAD_DETACH: pthread_detach(pthread_self()) */
	EVF_THREAD_EXIT = 1 << 9, /* RETURN: pthread_exit / thrd_exit rather than return */
	EVF_TIMED      = 1 << 10, /* COND_WAIT: timed wait */
	EVF_VIA_POINTER = 1 << 11,/* CALL: through a function pointer resolved to this callee */
	EVF_UNCERTAIN  = 1 << 12, /* LOCK: a trylock whose result the extractor could not tie to
	                             a branch; the analysis treats the lock as maybe-held */
	EVF_NORETURN   = 1 << 13, /* CALL: to a function that never returns (abort, exit, an
	                             assertion failure): the path ends, the process with it */
	EVF_TRUE       = 1 << 14, /* ASSUME: the atom is nonzero on this branch */
	EVF_KILL       = 1 << 15, /* ASSUME: the atom is written: nothing is known of it */
	EVF_RET_ZERO   = 1 << 16, /* RETURN: returns 0, NULL or false */
	EVF_RET_NONZERO = 1 << 17,/* RETURN: returns a nonzero constant or an object's address */
	EVF_RECURSIVE  = 1 << 18, /* LOCK: of a mutex initialised recursive (static initializer);
	                             CALL: an init that makes its lock recursive (attr, mtx_recursive),
	                             or a call passing a recursive mutex type to a helper */
	EVF_ONE        = 1 << 19, /* CALL: sem_init with the value 1 (a binary semaphore) */
	EVF_DECLARED   = 1 << 20, /* LOCK/UNLOCK: declared by the thread-safety annotation of the
	                             function called just before (callee = its USR); void when
	                             its body is in the program */
	EVF_EXCLUDES   = 1 << 21, /* DECLARE: EXCLUDES (locks_excluded) rather than REQUIRES */
	EVF_ONCE       = 1 << 22, /* LOCK/UNLOCK: of a once object (pthread_once, call_once) around
	                             the call of its initialiser, which every other caller waits
	                             for: it orders locks like a lock, and what the initialiser
	                             does happens before every return of a call on that object */
	EVF_OWN_INDEX  = 1 << 23, /* THREAD_CREATE: handle and argument are elements of one index
	                             (&t[k] with &args[k] or (void *)k); ACCESS: a write storing
	                             the element's own index into a member of it (args[k].id = k)
	                             (extract/own_index.c) */
	EVF_WALKED     = 1 << 24, /* LOCK/UNLOCK: through a pointer a hand-over-hand walk moves
	                             (prev = cur in the loop): the name may be another node's
	                             (extract/hand_over.c) */
};

/* What kind of primitive a lock event works on (from rules/locks.tsv). */
enum lock_kind {
	LK_MUTEX = 1,   /* pthread_mutex_*, mtx_* */
	LK_RWLOCK,      /* pthread_rwlock_* */
	LK_SPIN,        /* pthread_spin_* */
	LK_SEM,         /* sem_wait/sem_post: no owner, never reported as misuse */
	LK_WRAPPER,     /* a project lock wrapper from .tsafe.json that the extractor saw called */
};

struct call_arg {
	char *path;        /* access path of the argument expression, "?" if none */
	char *lock_class;  /* lock class if the argument designates a lock object, else NULL */
};

struct event {
	enum ev_kind kind;
	unsigned flags;
	int line, col;       /* expansion location in the function's file */
	int pos;             /* order of the event in its function's source (0, 1, 2, …) */
	int loop_lo, loop_hi;/* pos range of the outermost loop enclosing the event, or pos,pos */

	/* ACCESS: path = the object; name = source spelling ("a->balance"); type = its type
	 * spelling; api = "=VALUE" when a plain assignment stores an integer constant. LOCK/UNLOCK: path = the lock object (no leading &), name = spelling,
	 * lock_class, lock_kind, api = function called ("pthread_mutex_lock").
	 * CALL: callee = USR of the callee, name = callee spelling, args; path = the object its
	 * (pointer or thread handle) result is stored into, x = f(…) ("l:FUNC:x" for a local), else NULL;
	 * api = the containers of arguments that are members' addresses and, after "*=", of
	 * the called pointer when it sits in a struct embedded by value, ";"-separated
	 * ("0=struct worker_thread.block_decoder" for f(&thr->block_decoder),
	 * "*=struct worker_thread.block_decoder.code" for thr->block_decoder.code(…)); and
	 * "N!" when argument N is another element of an array at each call (&a[n] with the
	 * counter n only incremented, after the call: extract/fresh_slots.c).
	 * THREAD_CREATE: callee = USR of the entry function (NULL if unresolved), name = its
	 * spelling, path = handle path (what &t names), arg = the thread argument's path.
	 * THREAD_JOIN / THREAD_DETACH: path = handle path; a join of t[k] with k a plain
	 * variable: arg = "l:FUNC:k".
	 * COND_WAIT: path = condition variable, arg = mutex path, lock_class = mutex class;
	 * in a loop, type = the names (variables, members) the innermost loop re-tests, space-
	 * separated ("" none; NULL when a called function tests, or outside loops).
	 * COND_SIGNAL: path = condition variable.
	 * RETURN: path = the returned pointer's value path ("&h:F:12" for a block it made), or
	 * for a thread handle returned by value, the handle object ("l:xcreate:thread").
	 * ACCESS with a declared guard (GUARDED_BY / PT_GUARDED_BY of the variable, member or
	 * pointer): lock_class = the path of the capability object guarding it.
	 *
	 * FUNCTION VALUES (fnptr.c follows them): a call argument that names a function has
	 * the path "fn:USR". A call through a pointer whose value the extractor could not tell
	 * is a CALL with callee NULL, arg = the path of the pointer object ("p:1",
	 * "p:0*.probe", "g:handler") and type = its field ("struct capsule.probe") when it is
	 * a member; one resolved to candidates is one CALL per candidate (EVF_VIA_POINTER),
	 * each with that arg and type too. A THREAD_CREATE whose start routine is not a function name has callee NULL,
	 * api = the path of the routine's pointer object, type = its field.
	 * STORE: path = the object written (NULL when unknown), arg = the value ("fn:USR", or
	 * the path of the object read: "p:1", "g:h", "p:0*.start"), name = the value's
	 * spelling, type = the written field ("struct aux.start") and api = the read field,
	 * when they are members; lock_class = the written member's container when it sits in
	 * a struct embedded by value ("struct worker_thread.block_decoder.code").
	 * TAKE: path = the container slot P unlinked by `P = v->next` after `v = P`, arg = the
	 * path local v designates from here on ("l:FUNC:v@take": the taken object), api = the
	 * pos of the first event after `v = P` (decimal), name = the slot's spelling.
	 * PUT: path = the slot written (`threads = th`), arg = the block's address ("&h:F:12").
	 * ASSUME: path = the condition atom, local to the function: "v:SPELLING" for a
	 * variable or member tested in two conditions or more, "r:POS" for the result of the
	 * call event at pos POS (tested directly or through the variable it was stored in),
	 * "k:N=K" (parameter N equals constant K) or "k:N&K" (N & K is nonzero) for an
	 * integer parameter the function never writes, compared with a constant or switched on,
	 * or "o:PATH" for a variable in static storage tested once (PATH: its access path; only
	 * the once-guard analysis reads these), or, on the edges of a loop around a condition
	 * wait, "t:OP:OPERAND:STATE": STATE OP OPERAND holds (EVF_TRUE, the exit) or not (extract/
	 * awaits.c; analyze/tokens.c), or "c:PATH=K" for a variable in static storage compared
	 * with the constant K (nonzero where it equals K; extract/compared.c, analyze/known.c). */
	char *path;
	char *name;
	char *type;
	char *lock_class;
	enum lock_kind lock_kind;
	char *api;
	char *callee;
	char *arg;
	struct call_arg *args;
	int nargs;
};

struct block {
	struct event *events;
	int nevents;
	int *succs;          /* indices of successor blocks */
	int nsuccs;
};

/* Function flags */
enum {
	FNF_STATIC      = 1 << 0,  /* internal linkage */
	FNF_ADDR_TAKEN  = 1 << 1,  /* its address is used other than in a direct call */
	FNF_UNCHECKED   = 1 << 3,  /* declared no_thread_safety_analysis: what it does with the
	                              capabilities it uses is not checked (as Clang does not) */
	FNF_NONZERO_OK  = 1 << 2,  /* returns a pointer or a bool: nonzero is success (an int
	                              status is 0 on success) */
};

struct function {
	char *usr;           /* clang USR: links calls across translation units */
	char *name;
	char *file;          /* canonical absolute path */
	int line, end_line;
	unsigned flags;
	int nparams;
	/* Struct types compared with <, >, <=, >= in this function (by pointer or by a field):
	 * evidence that nested locks of that struct's lock class are taken in a fixed order. */
	char **order_types;
	int norder_types;
	/* Block 0 is the entry; block 1 is the single exit (every RETURN event is followed by an
	 * edge to it). */
	struct block *blocks;
	int nblocks;
};

struct tu_facts {
	char *file;          /* canonical main file */
	char *cache_key;     /* hash of contents of the file and its headers, flags, version */
	struct function *funcs;
	int nfuncs;
	char **diagnostics;  /* error-level parse diagnostics, "file:line:col: message" */
	int ndiagnostics;
	int parse_failed;    /* the TU could not be analysed at all */
};

/* Memory: every string and array is owned by the struct holding it (malloc'd). */
void tu_facts_free(struct tu_facts *tu);
void function_free(struct function *fn);
void event_free(struct event *ev);
/* Gives back the spare room of every array (once the facts are complete). */
void tu_facts_shrink(struct tu_facts *tu);

/* Growable-array helpers for builders (extractor, store loader). Return the new element,
 * zeroed; abort on out-of-memory. */
struct function *tu_add_function(struct tu_facts *tu);
struct block *fn_add_block(struct function *fn);             /* returns block; index = nblocks-1 */
struct event *block_add_event(struct block *b);
void block_add_succ(struct block *b, int succ);

const char *ev_kind_name(enum ev_kind k);     /* "access", "lock", … (stable, stored in the db) */
int ev_kind_from_name(const char *name);      /* 0 if unknown */
const char *lock_kind_name(enum lock_kind k);  /* "mutex", "rwlock", "spin", "sem", "wrapper" */
int lock_kind_from_name(const char *name);

/* Replace the parameter root "p:N" of `path` by args[N].path; "&X" followed by "*" or "[]"
 * collapses to "X". NULL when the parameter was not given or its argument is unknown ("?").
 * A path with another root is returned as is. New string. */
/* path_substitute appending to sb (no allocation of its own); 0, or -1 for no object. */
struct strbuf;
int path_substitute_sb(struct strbuf *sb, const char *path, const struct call_arg *args, int nargs);
char *path_substitute(const char *path, const struct call_arg *args, int nargs);
/* The root of a path ("g:x" for "g:x.f*"), without a leading &. New string. */
char *path_root(const char *path);
/* Does path name the object obj or a part of it (obj, obj.f, obj*, obj[])? Leading &s
 * ignored; a NULL path names nothing. */
int path_within(const char *path, const char *obj);

#endif
