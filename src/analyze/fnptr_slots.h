/* fnptr_slots.h — the program-wide graph of function-pointer slots (fnptr.c owns it,
 * fnptr_paths.c adds the slots of containers and parameters' members to it). A slot holds
 * the definitions (indices in ix->fns) that may be stored there; its edges say where they
 * flow. Keys: "F|struct T.f" a field of any T, "P|K|N" parameter N of function K, "V|PATH"
 * a variable; fnptr_paths.c: "T|CONTAINER", "Q|K|N|.f.g", "U|struct T.f". */
#ifndef TSAFE_FNPTR_SLOTS_H
#define TSAFE_FNPTR_SLOTS_H

#include "internal.h"

struct slot {
	int *fns;             /* definitions (index fns) that may be stored here */
	int *origin;          /* per fns[i]: the main unit whose code stored it, -1 library
	                         code (a function may be there twice, from two programs) */
	int n, cap;
	int *succ;            /* slots this one's functions flow to */
	int nsucc, capsucc;
};

struct value_list {
	char **v;
	int n, cap;
};

struct fnptr_paths;

struct fnptr {
	struct keymap slot_of;        /* slot key -> index in slots */
	struct slot *slots;
	int nslots, cap;
	struct keymap stored;         /* root-terms object -> index in vals */
	struct value_list *vals;
	int nvals, capvals;
	struct keymap unresolved;     /* creation events seen unresolved */
	const struct event **unres_ev;
	const struct function **unres_fn;
	int nunres, capunres;
	struct fnptr_paths *paths;    /* fnptr_paths.c */
};

int fnptr_slot(struct fnptr *p, const char *key, int create);
void fnptr_edge(struct fnptr *p, int from, int to);
/* A value (a function, or another slot's object) flows into slot `to`. */
void fnptr_flow(struct fnptr *p, const struct program_index *ix, int k, const char *value,
                const char *field, int to);
void fnptr_solve(struct fnptr *p);
int fnptr_is_param(const char *path, int *n);
const struct slot *fnptr_slot_of_call(struct fnptr *p, int k, const char *path, const char *field);

/* fnptr_paths.c: functions stored through a parameter's members reach the containers the
 * callers pass (build: after the first solve, which names pointer calls' candidates); a
 * call through a member of a known container takes what was stored there. */
void fnptr_paths_build(struct fnptr *p, const struct program_index *ix);
/* The slot of a call whose CALL event has containers `api` (facts.h), NULL when it is not
 * through an embedded struct or nothing is known to be stored there. */
const struct slot *fnptr_paths_call(struct fnptr *p, const char *api, const char *slot);
void fnptr_paths_free(struct fnptr *p, int nfns);

#endif
