/* watch_globals.c — without race candidates from a scan, the watch engine still watches
 * what costs nothing to find: the program's own variables with a static address (globals,
 * file and function statics, from the executable's DWARF), up to WATCH_GLOBALS_MAX of
 * them, taken in turn through the debug registers. Each is watched as its first word of
 * plain data: constants, atomics and synchronisation objects (locks, conditions,
 * semaphores, barriers, once controls) are left out, their accesses being
 * synchronisation, not races (a struct is watched at its first other member). A race found this way is a new finding of the
 * watch engine alone. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "watch_internal.h"

#define WATCH_GLOBALS_MAX 64

static int is_sync_name(const char *name)
{
	static const char *const prefixes[] = {"pthread_", "sem_t", "mtx_t", "cnd_t", "once_flag",
	                                       "atomic_", "sig_atomic_t", NULL};
	for (int i = 0; name && prefixes[i]; i++)
		if (str_starts(name, prefixes[i]))
			return 1;
	return 0;
}

static int member_offset(Dwarf_Die *m, Dwarf_Word *off)
{
	Dwarf_Attribute a;
	*off = 0;
	return dwarf_attr(m, DW_AT_data_member_location, &a) ? dwarf_formudata(&a, off) : 0;
}

/* The first word of an object of type t that is plain data (not synchronisation, atomic
 * or constant): its offset and size. 0, or -1 when there is none. */
static int plain_word(Dwarf_Die t, Dwarf_Word *off, Dwarf_Word *size, int depth)
{
	for (; depth < 32; depth++) {
		int tag = dwarf_tag(&t);
		if (tag == DW_TAG_const_type || tag == DW_TAG_atomic_type ||
		    (tag == DW_TAG_typedef && is_sync_name(dwarf_diename(&t))))
			return -1;
		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
			Dwarf_Die m, mt;
			if (dwarf_child(&t, &m) != 0)
				return -1;
			do {
				Dwarf_Word moff, inner;
				if (dwarf_tag(&m) == DW_TAG_member && !watch_type_of(&m, &mt) &&
				    member_offset(&m, &moff) == 0 && plain_word(mt, &inner, size, depth + 1) == 0) {
					*off = moff + inner;
					return 0;
				}
			} while (dwarf_siblingof(&m, &m) == 0);
			return -1;
		}
		if (tag != DW_TAG_typedef && tag != DW_TAG_volatile_type && tag != DW_TAG_array_type &&
		    tag != DW_TAG_restrict_type) {
			*off = 0;
			return dwarf_aggregate_size(&t, size) == 0 && *size ? 0 : -1;
		}
		if (watch_type_of(&t, &t))
			return -1;
	}
	return -1;
}

struct globals_ctx {
	struct watch_plan *w;
	const char *module;
	const char *file;            /* the unit's main file, relative to root when inside */
};

static void add_global(struct globals_ctx *g, Dwarf_Die *var, const char *func)
{
	struct watch_plan *w = g->w;
	Dwarf_Die type;
	Dwarf_Word off, size;
	const char *name = dwarf_diename(var);
	Dwarf_Addr addr = watch_var_addr(var);
	if (w->n >= WATCH_GLOBALS_MAX || !name || !addr || watch_type_of(var, &type) ||
	    plain_word(type, &off, &size, 0))
		return;
	grow_array((void **)&w->c, &w->cap, w->n, sizeof *w->c);
	struct watch_cand *c = &w->c[w->n];
	memset(c, 0, sizeof *c);
	c->label = func ? xasprintf("%s.%s", func, name) : xstrdup(name);
	c->symbol = func ? xasprintf("fs:%s:%s:%s", g->file, func, name)
	          : dwarf_hasattr(var, DW_AT_external) ? xasprintf("g:%s", name)
	                                                : xasprintf("s:%s:%s", g->file, name);
	c->first_target = w->nt;
	watch_add_words(w, w->n++, g->module, addr + off, size > 8 ? 8 : size, 1, -1);
	if (!c->ntargets)
		free(c->label), free(c->symbol), w->n--;
}

static void scan_scope(struct globals_ctx *g, Dwarf_Die *scope, const char *func)
{
	Dwarf_Die d;
	if (dwarf_child(scope, &d) != 0)
		return;
	do {
		int tag = dwarf_tag(&d);
		if (tag == DW_TAG_variable)
			add_global(g, &d, func);
		else if (tag == DW_TAG_subprogram && !func)
			scan_scope(g, &d, dwarf_diename(&d));
		else if (tag == DW_TAG_lexical_block && func)
			scan_scope(g, &d, func);
	} while (dwarf_siblingof(&d, &d) == 0);
}

/* The unit's main file relative to root (absolute when outside). New string. */
static char *relative_file(Dwarf_Die *cu, const char *root)
{
	char *abs = watch_cu_path(cu);
	if (!abs)
		return NULL;
	size_t n = strlen(root);
	if (!strncmp(abs, root, n) && abs[n] == '/') {
		char *rel = xstrdup(abs + n + 1);
		free(abs);
		return rel;
	}
	return abs;
}

int watch_plan_globals(struct watch_plan *w, const char *program, const char *root)
{
	char real[PATH_MAX];
	if (!w->nmodules) {
		grow_array((void **)&w->modules, &w->cap_modules, w->nmodules, sizeof *w->modules);
		w->modules[w->nmodules++] = xstrdup(realpath(program, real) ? real : program);
	}
	int fd = open(program, O_RDONLY | O_CLOEXEC);
	Dwarf *dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
	Dwarf_Off next;
	size_t hsize;
	for (Dwarf_Off off = 0; dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Die cu;
		char *file;
		if (!dwarf_offdie(dw, off + hsize, &cu) || !(file = relative_file(&cu, root)))
			continue;
		struct globals_ctx g = {w, w->modules[0], file};
		scan_scope(&g, &cu, NULL);
		free(file);
	}
	if (dw)
		dwarf_end(dw);
	if (fd >= 0)
		close(fd);
	w->globals = 1;
	return w->n;
}
