/* symbolize.c — code addresses to function, file and line, offline, with libdw: each
 * module of the process's map is reported at its load bias, so addresses written by the
 * runtime resolve against the files on disk. Inlined calls expand into one frame each,
 * named as in the source, so that a lock taken in an inlined helper reads as that helper. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "internal.h"
#include "symbolize.h"

static int starts_with_any(const char *base, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if (str_starts(base, *prefixes))
			return 1;
	return 0;
}

/* libc and the loader: their frames are plumbing (thread start, program start-up). */
static int is_system(const char *path)
{
	static const char *const libs[] = {"libc.so", "libc-", "ld-linux", "ld64.so", "libgcc_s",
	                                   "libpthread", "libdl.so", "linux-vdso", NULL};
	const char *slash = strrchr(path, '/');
	return starts_with_any(slash ? slash + 1 : path, libs);
}

static int is_runtime(const char *path)
{
	static const char *const libs[] = {"libtsafe-rt", NULL};
	const char *slash = strrchr(path, '/');
	return starts_with_any(slash ? slash + 1 : path, libs);
}

/* Separate debug information is looked for only for the program's own modules: libc's
 * and the runtime's frames need no more than their names (from their own symbol
 * tables), and the standard search ends by loading libdebuginfod, which costs more
 * than the rest of a small run's symbolisation. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                          const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const char *path = file_name ? file_name : modname;
	if (path && (is_system(path) || is_runtime(path)))
		return -1;
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
	                                    debuglink_crc, debuginfo_file_name);
}

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct symbolizer *sym_new(const struct dyn_module *mods, int n, const char *exe)
{
	Dwfl *d = dwfl_begin(&callbacks);
	if (!d)
		return NULL;
	struct symbolizer *s = xcalloc(1, sizeof *s);
	s->dwfl = d;
	s->mods = xcalloc((size_t)n + 1, sizeof *s->mods);
	dwfl_report_begin(d);
	for (int i = 0; i < n; i++) {
		const char *path = mods[i].path[0] ? mods[i].path : exe;
		if (!path || path[0] != '/' || access(path, R_OK) != 0)
			continue;      /* the vDSO, or a file gone since the run */
		Dwfl_Module *m = dwfl_report_elf(d, path, path, -1, mods[i].base, false);
		if (!m)
			continue;
		struct sym_module *sm = &s->mods[s->nmods++];
		sm->m = m;
		sm->path = xstrdup(path);
		sm->runtime = is_runtime(path);
		sm->system = is_system(path);
	}
	dwfl_report_end(d, NULL, NULL);
	return s;
}

void sym_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nmods; i++) {
		free(s->mods[i].path);
		dwvar_index_free(s->mods[i].vars);
	}
	free(s->mods);
	for (int i = 0; i < s->npaths; i++) {
		free(s->paths[i].raw);
		free(s->paths[i].canon);
	}
	free(s->paths);
	dwfl_end(s->dwfl);
	free(s);
}

struct sym_module *sym_module_of(struct symbolizer *s, uint64_t addr)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, addr);
	for (int i = 0; m && i < s->nmods; i++)
		if (s->mods[i].m == m)
			return &s->mods[i];
	return NULL;
}

int sym_pc_is_plumbing(struct symbolizer *s, uint64_t pc)
{
	struct sym_module *sm = s && pc ? sym_module_of(s, pc - 1) : NULL;
	return !sm || sm->system || sm->runtime;
}

/* Canonical form of a source path (realpath), cached: frames repeat files. */
const char *sym_canonical(struct symbolizer *s, const char *raw)
{
	if (!raw)
		return NULL;
	for (int i = 0; i < s->npaths; i++)
		if (!strcmp(s->paths[i].raw, raw))
			return s->paths[i].canon;
	char buf[PATH_MAX];
	grow_array((void **)&s->paths, &s->cap_paths, s->npaths, sizeof *s->paths);
	s->paths[s->npaths].raw = xstrdup(raw);
	s->paths[s->npaths].canon = xstrdup(raw[0] == '/' && realpath(raw, buf) ? buf : raw);
	return s->paths[s->npaths++].canon;
}

void sym_frame_clear(struct sym_frame *f)
{
	free(f->func);
	free(f->file);
	memset(f, 0, sizeof *f);
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
	return n ? n : dwarf_diename(die);
}

/* The file of an inlined call: an index into the CU's file table. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl)
{
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/* Frames from DWARF scopes: the innermost function (perhaps inlined) first. */
static int scope_frames(struct symbolizer *s, struct sym_module *sm, Dwarf_Addr a,
                        struct sym_frame *out, int max, const char *file, int line)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(sm->m, a, &bias);
	Dwarf_Die *scopes = NULL;
	int ns = cu ? dwarf_getscopes(cu, a - bias, &scopes) : 0;
	int n = 0;
	for (int i = 0; i < ns && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		const char *name = die_name(&scopes[i]);
		out[n].func = xstrdup(name);
		out[n].file = xstrdup(sym_canonical(s, file));
		out[n].line = line;
		out[n].module = sm->path;
		out[n].runtime = sm->runtime;
		out[n].system = sm->system;
		n++;
		if (tag != DW_TAG_inlined_subroutine)
			break;
		Dwarf_Attribute at;
		Dwarf_Word cl = 0;
		dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &at), &cl);
		file = call_file(cu, &scopes[i]);
		line = (int)cl;
	}
	free(scopes);
	return n;
}

int sym_pc(struct symbolizer *s, uint64_t pc, int return_address, struct sym_frame *out, int max)
{
	Dwarf_Addr a = return_address && pc ? pc - 1 : pc;
	struct sym_module *sm = s ? sym_module_of(s, a) : NULL;
	if (!sm || max < 1) {
		if (max >= 1)
			memset(out, 0, sizeof *out);
		return max >= 1;
	}
	const char *file = NULL;
	int line = 0;
	/* libc's frames are plumbing (thread start, program start): their names are enough,
	 * and their separate debug information is slow to load. */
	Dwfl_Line *l = sm->system ? NULL : dwfl_module_getsrc(sm->m, a);
	if (l)
		file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	int n = sm->system ? 0 : scope_frames(s, sm, a, out, max, file, line);
	if (n > 0)
		return n;
	memset(out, 0, sizeof *out);
	out->func = xstrdup(dwfl_module_addrname(sm->m, a));
	out->file = xstrdup(sym_canonical(s, file));
	out->line = line;
	out->module = sm->path;
	out->runtime = sm->runtime;
	out->system = sm->system;
	return 1;
}
