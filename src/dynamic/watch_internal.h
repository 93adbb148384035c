/* watch_internal.h — what the watch engine's files in src/dynamic share. */
#ifndef TSAFE_DYNAMIC_WATCH_INTERNAL_H
#define TSAFE_DYNAMIC_WATCH_INTERNAL_H

#include <elfutils/libdw.h>

#include "watch.h"

/* An access path split for the DWARF lookup: "s:a.c:progress.bytes_done" is file
 * (canonical absolute) a.c, var "progress", rest ".bytes_done". */
struct watch_path {
	char *file;                 /* NULL for a global */
	char *func;                 /* a function's static variable: the function */
	char *var;
	const char *rest;           /* members and subscripts, into symbol */
};

/* 0, or -1 when the object has no address before the run (a local, a heap block, an
 * object reached through a pointer). */
int watch_path_parse(const char *symbol, const char *root, struct watch_path *out);
void watch_path_free(struct watch_path *p);

/* Targets for [addr, addr + size) of candidate cand: naturally aligned words of at most
 * 8 bytes inside it (site: a heap word's allocation site, addr its offset; else -1). */
void watch_add_words(struct watch_plan *w, int cand, const char *module, uint64_t addr,
                     uint64_t size, int rw, int site);
/* Whether reads matter: some side of the race only reads. */
int watch_has_read_side(const struct finding *f);

/* One object region: [off, off + size) from the variable's (or block's) address. */
struct region {
	Dwarf_Word off, size;
};
struct regions {
	struct region r[WATCH_TARGETS_PER_CANDIDATE];
	int n;
};
/* Follows the rest of an access path (".f", "[]") from an object of type t: the regions
 * it names. 0, or -1 when the path leaves the object (a pointer) or the DWARF does not
 * say. */
int watch_walk(Dwarf_Die t, const char *path, struct regions *out);
/* Through typedefs and qualifiers: 0, or -1. */
int watch_strip(Dwarf_Die *t);
/* watch_heap.c: a candidate "h:FILE:LINE…" (a block allocated at FILE:LINE): its words
 * as offsets in the block, and the site's code ranges; why_not set when it cannot be. */
void watch_heap_resolve(struct watch_plan *w, int cand, Dwarf **dw, const char *root);
/* The type a DIE refers to: 0, or -1 when none. */
int watch_type_of(Dwarf_Die *die, Dwarf_Die *out);
/* A variable's static address (a definition whose location is DW_OP_addr), or 0. */
uint64_t watch_var_addr(Dwarf_Die *var);
/* A unit's main file, canonical absolute (new string), or NULL. */
char *watch_cu_path(Dwarf_Die *cu);

/* watch_sites.c: the finding's access lines; whether a trap's PC is at one of them (no
 * sites: every trap counts). */
void watch_sites_of(struct watch_cand *c, const char *root);
void watch_sites_free(struct watch_cand *c);
struct dyn_process;
int watch_at_site(struct dyn_process *p, const struct watch_cand *c, uint64_t pc);
/* watch_atomic.c: whether the instruction that ends at a trap's pc is an atomic
 * read-modify-write of memory (lock prefix, or xchg); the length of such an instruction
 * at p, else 0. */
int watch_hit_atomic(struct dyn_process *p, uint64_t pc);
int watch_atomic_insn_len(const uint8_t *p, const uint8_t *end);

/* watch_static.c: a race found on a variable watched without a scan candidate, whose
 * two accesses the stored static facts record (the static pass judged them and reported
 * nothing), is marked likely benign with the reason: 1 when marked. */
struct facts_at;
struct finding;
int watch_static_explains(struct facts_at *fc, struct finding *f, const char *var);

#endif
