/* symbolize.h — the symboliser's insides, shared by symbolize.c (code) and dwvars.c
 * (data). Part of src/dynamic only. */
#ifndef TSAFE_DYNAMIC_SYMBOLIZE_H
#define TSAFE_DYNAMIC_SYMBOLIZE_H

#include <elfutils/libdwfl.h>

#include "internal.h"

struct dwvar_index;

struct sym_module {
	Dwfl_Module *m;
	char *path;
	int runtime, system;
	struct dwvar_index *vars;   /* global and static variables, built on first use */
};

struct symbolizer {
	Dwfl *dwfl;
	struct sym_module *mods;
	int nmods;
	struct {
		char *raw, *canon;
	} *paths;
	int npaths, cap_paths;
};

struct sym_module *sym_module_of(struct symbolizer *s, uint64_t addr);
const char *sym_canonical(struct symbolizer *s, const char *raw);
void dwvar_index_free(struct dwvar_index *x);

#endif
