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
 * 8 bytes inside it. */
void watch_add_words(struct watch_plan *w, int cand, const char *module, uint64_t addr,
                     uint64_t size, int rw);
/* The type a DIE refers to: 0, or -1 when none. */
int watch_type_of(Dwarf_Die *die, Dwarf_Die *out);
/* A variable's static address (a definition whose location is DW_OP_addr), or 0. */
uint64_t watch_var_addr(Dwarf_Die *var);
/* A unit's main file, canonical absolute (new string), or NULL. */
char *watch_cu_path(Dwarf_Die *cu);

#endif
