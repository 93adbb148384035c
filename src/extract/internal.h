/* internal.h — state shared by the extractor's files while one TU is being extracted.
 *
 * xtu is one translation unit (libclang handle, caches); xfn is one function being turned
 * into a CFG: the current block, the break/continue targets, the locals and what is known
 * about them (aliases, escapes, function-pointer values). Nothing here outlives extract_tu.
 */
#ifndef TSAFE_EXTRACT_INTERNAL_H
#define TSAFE_EXTRACT_INTERNAL_H

#include <clang-c/Index.h>

#include "common/keymap.h"
#include "common/rules.h"
#include "facts/facts.h"

/* ---- per translation unit ---- */

struct file_name {
	CXFile file;
	char *path;           /* canonical */
};

struct named_decl {
	CXCursor decl;
	char *usr, *name;     /* what the decl stands for (a function for pointer values) */
};

struct xtu {
	CXTranslationUnit tu;
	struct tu_facts *out;
	const char *main_file;          /* canonical */
	const char *directory;          /* the command's directory: relative names are in it */
	struct file_name *files;        /* canonical-path cache */
	int nfiles, files_cap;
	struct keymap reached;          /* USR -> FN_* bits: functions the unit's own code uses */
	struct keybuf kb;
	CXCursor *pending;              /* reached definitions whose bodies are still to scan */
	int npending, pending_cap;
	struct named_decl *gfnptr;      /* global function pointers initialised with a function */
	int ngfnptr, gfnptr_cap;
	struct field_fn {               /* functions stored in a function-pointer field */
		char *key;              /* "struct task.run" */
		char *usr, *name;
		int in_table;           /* from an initialiser ({ .run = f }), not an assignment */
	} *fieldfn;
	int nfieldfn, fieldfn_cap;
	struct named_decl *noreturn;    /* memo of is_noreturn: name = "1" or "0" */
	struct annot_memo *annot;       /* annotations.c: guards read, file-scope names */
	int nnoreturn, noreturn_cap;
};

/* ---- per function ---- */

struct local {
	CXCursor decl;
	char *name;
	int escapes;          /* address taken, or an array used without an index */
	char *alias;          /* path its (pointer) value designates, e.g. "p:0", "&g:x" */
	char *from;           /* an integer's: path its value was read from ("p:0" for
	                         (long)arg, "p:0*.id" for a->id), to name an element's index */
	char *alias_class;    /* lock class of what the alias points to, if a lock */
	char *alias_field;    /* field its value was read from (fp = job->run): "struct job.run" */
	char *copy_of;        /* a struct local: path of the object it was copied from */
	char *ring_head;      /* its value or copy is a ring's element Q[H]: the path of H */
	int heap_loop;        /* loop serial in which it was last assigned a malloc, or 0 */
	int alias_pos;        /* pos of the first event after the assignment that set alias
	                         or copy_of */
	int writes;           /* its initializer, assignments, ++ and -- (prepass.c) */
	int zero_writes, incs;/* how many of its writes store 0, and how many are ++ */
	unsigned value_flags; /* EVF_RET_* of the value of its only write, when a constant */
	int ret_call;         /* 1 + pos of the call whose result it was last assigned, or 0 */
	/* bands.c: an integer assigned once, as aff_mul * aff_src + aff_add (aff_src NULL: a
	 * constant), when aff_ok */
	char *aff_src;
	long long aff_mul, aff_add;
	int aff_ok;
	struct named_decl *fns;   /* functions assigned to it (function pointers) */
	int nfns, fns_cap;
};

struct jump {
	int brk, cont;        /* target blocks; cont -1 outside loops */
};

struct xfn {
	struct xtu *x;
	struct function *fn;
	CXCursor decl;
	const char *name;
	int cur;              /* block receiving events; -1 when the point is unreachable */
	int pos;              /* next event's pos */
	struct jump *jumps;
	int njumps, jumps_cap;
	int *loops;           /* serials of the enclosing loops, innermost last */
	int nloops, loops_cap, loop_serial;
	struct loop_parts { CXCursor cond, body, step; } *loop_parts;   /* of each enclosing loop */
	int loop_parts_cap;
	int outer_lo;         /* pos of the first event of the outermost loop being walked */
	int (*ranges)[2];     /* pos ranges of the outermost loops */
	int nranges, ranges_cap;
	int cond_depth;       /* inside ?:, && or ||: a noreturn call does not end the path */
	struct switch_ctx {
		int dispatch, has_default;
		int param;            /* paramconst.c: the parameter switched on, or -1 */
		int nomatch, default_block, unknown, line, col;
		long long *values;    /* the case values seen */
		int nvalues, values_cap;
	} *sw;
	unsigned long long params_written;   /* parameters written or address-taken (paramconst.c) */
	struct label { char *name; int block, pos; } *labels;   /* pos: first event after it, -1 before */
	int nlabels, labels_cap;
	struct local *locals;
	int nlocals, locals_cap;
	int sets_detached;    /* calls pthread_attr_setdetachstate(…, PTHREAD_CREATE_DETACHED) */
	int sets_recursive;   /* calls pthread_mutexattr_settype(…, PTHREAD_MUTEX_RECURSIVE) */
	CXCursor cond_try;    /* trylock call whose lock event the enclosing if/while emits */
	CXCursor status_var, status_call;   /* status_var.c: a lock status the next if tests */
	int spinning;         /* walking a loop's condition (spin_flags.c) */
	struct cond_atom_count { char *name; int count; } *catoms;   /* variables tested */
	int ncatoms, catoms_cap;
	CXCursor watch_call;  /* a call whose event pos is wanted (atoms.c) */
	int watch_pos;
};

/* cursor.c — libclang helpers */
int cursor_children(CXCursor c, CXCursor **out);   /* caller frees *out */
CXCursor cursor_child(CXCursor c, int i);          /* null cursor if absent */
int cursor_nchildren(CXCursor c);
CXCursor strip_expr(CXCursor e);         /* parens, implicit and explicit casts, __extension__ */
CXCursor strip_implicit(CXCursor e);     /* parens and implicit casts only */
/* The expression whose value e is, for naming objects (never for walking: the operands
 * left out are still evaluated): strip_expr, then the right operand of a comma
 * ((check, (T *)p): CONST_CAST-style macros) and the last expression of a statement
 * expression, repeatedly. A conditional is left to the caller (paths.c: both arms). */
CXCursor value_expr(CXCursor e);
int is_null_cursor(CXCursor c);
int same_decl(CXCursor a, CXCursor b);
void cursor_pos(CXCursor c, int *line, int *col);  /* expansion location of the start */
char *cursor_text(struct xtu *x, CXCursor c);       /* source spelling, tokens joined */
char *cursor_usr(CXCursor c);
char *cursor_name(CXCursor c);
char *type_name(CXType t);
char *record_name(CXType t);            /* "struct account" (or typedef name if anonymous) */
const char *canonical_file(struct xtu *x, CXFile f);
int in_system_header(CXCursor c);
int is_int_literal(CXCursor e, long long *value);   /* after stripping; constant int */
/* The value of an integer constant expression (1, TRUE, an enumerator, 'x', -1). */
int constant_value(CXCursor e, long long *value);
int int_constant(CXCursor e, long long *v);   /* paramconst.c: enumerators too */
int is_pointer_type(CXType t);
int is_thread_handle_type(CXType t);   /* pthread_t, thrd_t (by their typedef) */
int is_array_type(CXType t);
int is_noreturn(struct xtu *x, CXCursor fn_decl);
void ptrset_add(char ***set, int *n, int *cap, const char *s);
int ptrset_has(char **set, int n, const char *s);

/* prepass.c — what must be known before walking a function, or the whole TU */
void prepass_function(struct xfn *f, CXCursor body);
void prepass_tu(struct xtu *x);
/* e's spelling names a recursive mutex type or initializer (PTHREAD_MUTEX_RECURSIVE,
 * PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, mtx_recursive). */
int mentions_recursive(struct xtu *x, CXCursor e);
enum { FN_REACHED = 1, FN_ADDR_TAKEN = 2 };
/* Whether prepass_tu reached definition fn (extract it); sets FNF_ADDR_TAKEN in *flags when
 * its address is used. */
int function_reached(struct xtu *x, CXCursor fn, unsigned *flags);
struct local *local_find(struct xfn *f, CXCursor decl);
void local_add_fn(struct local *l, CXCursor fn);
int global_fnptr_next(struct xtu *x, CXCursor var, int from);
char *field_key(CXCursor member);     /* "struct task.run" for x.run / p->run, or NULL */   /* index in x->gfnptr or -1 */

/* paramconst.c — a parameter tested against constants ("k:N=K", "k:N&K" atoms), constant
 * arguments ("#VALUE") */
void paramconst_note_write(struct xfn *f, CXCursor lvalue);
char *paramconst_arg(CXCursor arg);
char *paramconst_cond_atom(struct xfn *f, CXCursor cond, int *nonzero_true);
void paramconst_switch_begin(struct xfn *f, struct switch_ctx *sw, CXCursor cond);
/* The block a case (or default) is entered through from the switch's dispatch. */
int paramconst_case_entry(struct xfn *f, struct switch_ctx *sw, CXCursor c, int is_default);
void paramconst_switch_end(struct xfn *f, struct switch_ctx *sw, int x);

/* paths.c — access paths and lock classes */
int param_index(struct xfn *f, CXCursor parm);          /* its position, or -1 */
char *path_of(struct xfn *f, CXCursor e);           /* NULL when unknown or a plain local */
/* own_index.c: "l:FUNC:k" for a plain local or parameter k (casts stripped), for the index
 * of X[k] / &X[k]; whether a is an element of index b (b_is_value: b is the index itself);
 * after a write of lhs = rhs (ev, or NULL), marks stores of an element's own index. */
char *own_index_var(struct xfn *f, CXCursor e);
char *own_index_subscript(struct xfn *f, CXCursor e);
int own_index_same(struct xfn *f, CXCursor a, CXCursor b, int b_is_value);
void own_index_store(struct xfn *f, CXCursor lhs, CXCursor rhs, struct event *ev);
/* paths.c: the path an integer's value was read from ("p:0" for (long)arg), or NULL. */
char *int_source(struct xfn *f, CXCursor e);
/* bands.c: an integer local's value as an affine function of one source, and a for loop
 * over a band of the thread's identity (see there). */
void bands_note_value(struct xfn *f, struct local *l, CXCursor value);
void bands_enter_for(struct xfn *f, CXCursor init, CXCursor cond, CXCursor inc);
char *value_path(struct xfn *f, CXCursor e);        /* as an argument: decayed arrays are &X[] */
char *deref_path(const char *p);                    /* the object a pointer path designates */
int path_is_shared(const char *p);
int path_is_private(struct xfn *f, const char *p);   /* rooted at a non-escaping local */
char *lock_class_of(struct xfn *f, CXCursor ptr_expr);  /* class of *ptr_expr, or NULL */
char *heap_path(struct xfn *f, CXCursor call);       /* "&h:FILE:LINE" for malloc-like calls */
int is_alloc_call(CXCursor e);
void set_alias(struct xfn *f, CXCursor var, CXCursor value);

/* cfg.c — blocks and events */
struct event *emit(struct xfn *f, enum ev_kind kind, CXCursor at);
struct event *emit_at(struct xfn *f, enum ev_kind kind, int line, int col);
int new_block(struct xfn *f);
void edge(struct xfn *f, int from, int to);
void walk_stmt(struct xfn *f, CXCursor s);
void end_path(struct xfn *f, int to_exit);          /* after return / exit(): cur = -1 */

/* expr.c — expressions: accesses, order types, atomics */
enum use { U_READ, U_WRITE, U_RMW, U_ADDR };
void walk_expr(struct xfn *f, CXCursor e, enum use use);
/* An ACCESS event for expression e (path owned by the caller); skipped unless the path is
 * shared and the object is not const. */
struct event *emit_access(struct xfn *f, CXCursor e, unsigned flags, const char *path);
/* The path an element's index was read from (x[i], (p + i)->f), or NULL. */
char *element_index(struct xfn *f, CXCursor lvalue);
/* The atomic operation on *ptr named `op` ("atomic_fetch_add", "__sync_lock_release"…). */
void atomic_access(struct xfn *f, CXCursor at, CXCursor ptr, const char *op);

/* targets.c — what a function-valued expression may call */
struct targets {
	struct { char *usr, *name; } *v;
	int n, cap;
};
int field_call_local(struct xfn *f, CXCursor callee);
void call_targets(struct xfn *f, CXCursor e, struct targets *t);
void targets_free(struct targets *t);

/* stores.c — function values: "fn:USR" for an expression naming a function (else NULL),
 * EV_STORE for `lhs = rhs` storing a function, a function pointer or a parameter's pointer,
 * and the pointer object (path, field) a call or pthread_create goes through. */
char *function_value(CXCursor e);   /* "fn:U1 fn:U2" for c ? f1 : f2 */
void note_store(struct xfn *f, CXCursor lhs, CXCursor rhs);
/* A function pointer, or an array (of arrays) of them. */
int holds_function_pointers(CXType t);
/* A local initialised with functions (void (*h)(void) = f; fn_t t[] = {f, g};): an EV_STORE. */
void note_decl_store(struct xfn *f, CXCursor var, CXCursor init);
char *pointer_slot(struct xfn *f, CXCursor fn_expr);
char *pointer_field(struct xfn *f, CXCursor fn_expr);
/* containers.c: thr->block_decoder.code as "struct worker_thread.block_decoder.code" (only
 * through a struct embedded by value, else NULL); a call's "N=CONTAINER;…;*=CONTAINER" */
char *embedded_member_path(CXCursor e);
char *call_containers(struct xfn *f, CXCursor call, CXCursor callee);
/* fresh_slots.c: arg is &a[n] (itself or through a local given only it) with n only
 * incremented in the function, after the call (or &a[n++]): another element each call. */
int fresh_slot_arg(struct xfn *f, CXCursor call, CXCursor arg);
int walked_lock(struct xfn *f, CXCursor lock);   /* hand_over.c */
int const_slot_arg(struct xfn *f, CXCursor call, const char *callee, int at, CXCursor arg);
char *copied_member_path(struct xfn *f, CXCursor e);
/* x = f(…) (lhs: an lvalue or a local's declaration): the call at pos call_pos (-1: none)
 * gets the path of x, the object its result is stored into (analyze/results.c). */
void note_call_result(struct xfn *f, CXCursor lhs, int call_pos);
void note_struct_copy(struct xfn *f, CXCursor var, CXCursor value);
/* initial_values.c: before a call passing &V (V static, initialized with functions), one
 * EV_STORE per field its initializer gives a function. */
void initial_values_before_call(struct xfn *f, CXCursor call);
/* prepass.c: a record type's fields in order (caller frees *out); the field an element of
 * an initializer list designates (.f = …), or a null cursor. */
int record_fields(CXType t, CXCursor **out);
CXCursor designated_field(CXCursor element);

/* takes.c — ownership transfer: `v = P; … P = v->next;` unlinks the object v holds from
 * the container slot P, `v = Q[H]; … H = (H + 1) % N;` pops it from a ring; v then names
 * the taken object, "l:FUNC:v@take" (EV_TAKE). */
void note_take(struct xfn *f, CXCursor lhs, CXCursor rhs);
/* Q[H], Q[H % N], Q[H & MASK] read into a local: the path of the head H (shared), or NULL. */
char *ring_head_of(struct xfn *f, CXCursor value);
/* H++, ++H, H += 1: the head H advanced, popping the elements read at it (a ring take). */
void note_ring_advance(struct xfn *f, CXCursor lhs);

/* calls.c — calls, locks, threads, condition variables */
void walk_call(struct xfn *f, CXCursor call);
/* If `cond` tests a trylock/timedlock, the call and whether success is the true branch. */
int try_condition(CXCursor cond, CXCursor *call, int *success_on_true);
/* e, or the value assigned in e, is a call of a lock (blocking or try) whose status is 0
 * when the lock is taken: *call. */
int lock_status_call(CXCursor e, CXCursor *call);
int same_expr(CXCursor a, CXCursor b);
void emit_try_success(struct xfn *f, CXCursor call);
/* A lock event of api on the object pointer `lock` designates, at `call`. */
void emit_lock_on(struct xfn *f, enum ev_kind kind, unsigned flags, CXCursor call, CXCursor lock,
                  const struct lock_api *api, const char *name);

/* spin_flags.c — spinlocks made of an atomic flag or word: a loop spinning on test-and-set
 * (atomic_flag_test_and_set, __sync_lock_test_and_set, exchange with 1) or on a
 * compare-and-swap 0 -> 1 takes a lock named by that object where it is left; a clear
 * (atomic_flag_clear, __sync_lock_release, an atomic store of 0) releases it. */
int spin_condition(struct xfn *f, CXCursor cond, CXCursor *op, int *success_on_true);
void spin_emit_acquire(struct xfn *f, CXCursor op);
void spin_note_release(struct xfn *f, CXCursor op);

/* atoms.c — condition atoms of correlated branches, return values */
struct cond_atom {
	CXCursor expr;        /* what the condition compares with zero, or null */
	int nonzero_true;     /* the condition holds when it is nonzero */
	CXCursor saved_call;
	int saved_pos;
};
void atoms_count_condition(struct xfn *f, CXCursor cond);       /* prepass */
void cond_atom_begin(struct xfn *f, CXCursor cond, struct cond_atom *ca);
char *cond_atom_end(struct xfn *f, struct cond_atom *ca);       /* the atom's name, or NULL */
void atoms_note_call(struct xfn *f, CXCursor call, int pos);
/* Around walking `value` assigned to local `var`: remembers which call's result it holds. */
int watch_begin(struct xfn *f, CXCursor value, CXCursor *saved, int *saved_pos);
void watch_end(struct xfn *f, CXCursor var, CXCursor saved, int saved_pos);
void atoms_note_write(struct xfn *f, CXCursor lvalue, int exact, int line, int col);
unsigned return_value_flags(struct xfn *f, CXCursor e);
void cond_atom_free(struct xfn *f);
/* What a condition compares with zero (c, !c, c != 0, (v = x) == NULL); *nonzero_true: it
 * holds when that is nonzero. Null cursor when it is not such a test. */
CXCursor cond_tested_expr(CXCursor cond, int *nonzero_true);

/* status_var.c — a lock's status stored in a local and tested by the next statement's if:
 * the lock call's event waits for that if's success branch. */
void status_lock_begin(struct xfn *f, CXCursor s, CXCursor next);
int status_condition(struct xfn *f, CXCursor cond, CXCursor *call, int *success_on_true);
void status_lock_end(struct xfn *f);
int status_call_waits(const struct xfn *f, CXCursor call);
/* A local only counted up from 0 (int done = 0; … done++;): "o:c:NAME" (atoms.c). */
int local_is_counter(const struct local *l);
/* After ++ of lvalue e: a counter is nonzero from here (an ASSUME of its atom); after the
 * write of 0 into the counter declared by decl, it is zero again (a KILL). */
void atoms_note_increment(struct xfn *f, CXCursor e, int line, int col);
void atoms_note_counter_reset(struct xfn *f, CXCursor decl, int line, int col);

/* recheck.c — what the loop around a condition wait re-tests: the names (variables,
 * members) read by the innermost loop's condition and by the conditions tested in its body,
 * space-separated; "" when it re-tests nothing, NULL when it calls a function to test (not
 * known). */
char *recheck_names(struct xfn *f, CXCursor wait);
/* awaits.c: "t:OP:OPERAND:STATE", what a condition-wait loop's exit edge holds, or NULL. */
char *awaits_atom(struct xfn *f, CXCursor cond, CXCursor body);
/* compared.c: "c:PATH=K" for a variable in static storage compared with a constant, or NULL;
 * *nonzero_true: the condition holds where it equals K. */
char *compared_atom(struct xfn *f, CXCursor cond, int *nonzero_true);
/* The operand under a chain of `!` (and parentheses, casts); *negate flips for each. */
CXCursor strip_negations(CXCursor e, int *negate);

/* annotations.c — Clang thread-safety annotations of a function declaration */
struct declared_op {
	enum lock_op op;      /* LOP_ACQUIRE, LOP_RELEASE or LOP_TRY */
	int shared;
	int param;            /* the parameter whose object is the capability */
};
int declared_lock_ops(struct xtu *x, CXCursor fn, struct declared_op *out, int max);
/* What a function declares it runs under (REQUIRES / REQUIRES_SHARED) or must not be called
 * under (EXCLUDES): flags EVF_SHARED / EVF_EXCLUDES, path of the capability object in the
 * function's terms ("p:0*.mutex", "s:FILE:m"), text as written. *unchecked: declared
 * no_thread_safety_analysis. Caller frees path and text. */
struct declared_need {
	unsigned flags;
	char *path, *text;
};
int declared_needs_of(struct xtu *x, CXCursor fn, struct declared_need *out, int max, int *unchecked);
/* The capability guarding the object lvalue e designates (GUARDED_BY of it or of what it
 * is part of, PT_GUARDED_BY of the pointer it goes through): its path, or NULL when none
 * is declared. */
char *access_guard(struct xfn *f, CXCursor e);
void annotations_free(struct xtu *x);

/* function.c — one function definition */
void extract_function(struct xtu *x, CXCursor decl);

#endif
