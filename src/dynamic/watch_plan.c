/* watch_plan.c — from the static pass's data-race findings to the addresses the runtime
 * watches. A finding names its object by access path ("g:total", "s:FILE:balance",
 * "fs:FILE:FUNC:buf[]", "s:FILE:progress.bytes_done"); the variable is looked up in the
 * DWARF of each module (the program, then the libraries it loads), members by their
 * offsets, array elements one by one (up to WATCH_TARGETS_PER_CANDIDATE watched words).
 * Locals, heap blocks and objects reached through a pointer have no address before the
 * run: they are kept as candidates not watched, with the reason. Each object is cut into
 * naturally aligned words of at most 8 bytes that never reach outside it, so a watch
 * never traps on a neighbour. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "watch.h"
#include "watch_internal.h"

int watch_type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), out) ? 0 : -1;
}

/* Through typedefs and qualifiers. */
int watch_strip(Dwarf_Die *t)
{
	for (int depth = 0; depth < 32; depth++) {
		int tag = dwarf_tag(t);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
			return 0;
		if (watch_type_of(t, t))
			return -1;
	}
	return -1;
}

/* The member `name` of a struct or union (also inside an anonymous member): its type
 * and offset. */
static int find_member(Dwarf_Die *rec, const char *name, size_t len, Dwarf_Die *type,
                       Dwarf_Word *off)
{
	Dwarf_Die m;
	if (dwarf_child(rec, &m) != 0)
		return -1;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word moff = 0;
		dwarf_formudata(dwarf_attr(&m, DW_AT_data_member_location, &a), &moff);
		const char *mname = dwarf_diename(&m);
		Dwarf_Die mt;
		if (watch_type_of(&m, &mt))
			continue;
		if (mname && strlen(mname) == len && !strncmp(mname, name, len)) {
			*type = mt;
			*off = moff;
			return 0;
		}
		Dwarf_Word inner;
		if (!mname && watch_strip(&mt) == 0 && find_member(&mt, name, len, type, &inner) == 0) {
			*off = moff + inner;
			return 0;
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return -1;
}

/* Elements of an array type (0 when unknown, e.g. a flexible array). */
static Dwarf_Word array_count(Dwarf_Die *arr)
{
	Dwarf_Die sub;
	if (dwarf_child(arr, &sub) != 0)
		return 0;
	Dwarf_Attribute a;
	Dwarf_Word n = 0;
	if (dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &n) == 0)
		return n;
	if (dwarf_formudata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &n) == 0)
		return n + 1;
	return 0;
}

/* Follows the rest of an access path (".f", "[]") from a variable of type t; fills the
 * regions of the object it names. 0, or -1 when the path leaves the variable (a pointer)
 * or the DWARF does not say. */
int watch_walk(Dwarf_Die t, const char *path, struct regions *out)
{
	Dwarf_Word offs[WATCH_TARGETS_PER_CANDIDATE] = {0};
	int noffs = 1;
	while (*path) {
		if (watch_strip(&t))
			return -1;
		if (*path == '.') {
			size_t len = strcspn(path + 1, ".[*");
			Dwarf_Word moff;
			int tag = dwarf_tag(&t);
			if ((tag != DW_TAG_structure_type && tag != DW_TAG_union_type) ||
			    find_member(&t, path + 1, len, &t, &moff))
				return -1;
			for (int i = 0; i < noffs; i++)
				offs[i] += moff;
			path += 1 + len;
		} else if (str_starts(path, "[]")) {
			Dwarf_Die elem;
			Dwarf_Word esize, count = array_count(&t);
			if (dwarf_tag(&t) != DW_TAG_array_type || watch_type_of(&t, &elem) ||
			    dwarf_aggregate_size(&elem, &esize) || !esize || !count)
				return -1;
			int n = 0;
			Dwarf_Word grown[WATCH_TARGETS_PER_CANDIDATE];
			for (int i = 0; i < noffs; i++)
				for (Dwarf_Word k = 0; k < count && n < WATCH_TARGETS_PER_CANDIDATE; k++)
					grown[n++] = offs[i] + k * esize;
			memcpy(offs, grown, sizeof grown);
			noffs = n;
			t = elem;
			path += 2;
		} else {
			return -1;       /* through a pointer: known only at run time */
		}
	}
	Dwarf_Word size;
	if (dwarf_aggregate_size(&t, &size) || !size)
		return -1;
	out->n = 0;
	for (int i = 0; i < noffs; i++)
		out->r[out->n++] = (struct region){offs[i], size};
	return 0;
}

uint64_t watch_var_addr(Dwarf_Die *var)
{
	Dwarf_Attribute a;
	Dwarf_Op *expr;
	size_t len;
	if (dwarf_hasattr(var, DW_AT_declaration) || dwarf_hasattr(var, DW_AT_artificial) ||
	    !dwarf_attr(var, DW_AT_location, &a) ||
	    dwarf_getlocation(&a, &expr, &len) != 0 || len != 1 || expr[0].atom != DW_OP_addr)
		return 0;
	return expr[0].number;
}

static int named(Dwarf_Die *die, const char *name)
{
	Dwarf_Attribute a;
	return str_eq(dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a)), name);
}

/* A variable named name with an address among the children of parent (inside a function:
 * also in its nested blocks). */
static int find_var(Dwarf_Die *parent, const char *name, int nested, Dwarf_Die *out)
{
	Dwarf_Die d;
	if (dwarf_child(parent, &d) != 0)
		return -1;
	do {
		int tag = dwarf_tag(&d);
		if (tag == DW_TAG_variable && named(&d, name) && watch_var_addr(&d)) {
			*out = d;
			return 0;
		}
		if (nested && tag == DW_TAG_lexical_block && find_var(&d, name, 1, out) == 0)
			return 0;
	} while (dwarf_siblingof(&d, &d) == 0);
	return -1;
}

static int find_function(Dwarf_Die *cu, const char *name, Dwarf_Die *out)
{
	Dwarf_Die d;
	if (dwarf_child(cu, &d) != 0)
		return -1;
	do {
		if (dwarf_tag(&d) == DW_TAG_subprogram && named(&d, name)) {
			*out = d;
			return 0;
		}
	} while (dwarf_siblingof(&d, &d) == 0);
	return -1;
}

char *watch_cu_path(Dwarf_Die *cu)
{
	const char *name = dwarf_diename(cu);
	Dwarf_Attribute a;
	const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	if (!name)
		return NULL;
	char *path = name[0] == '/' || !dir ? xstrdup(name) : xasprintf("%s/%s", dir, name);
	char real[PATH_MAX];
	if (realpath(path, real)) {
		free(path);
		path = xstrdup(real);
	}
	return path;
}

static int cu_is(Dwarf_Die *cu, const char *want)
{
	char *path = want ? watch_cu_path(cu) : NULL;
	int same = str_eq(path, want);
	free(path);
	return same;
}

/* Whether some unit of the module has the main file `want`. */
static int module_has(Dwarf *dw, const char *want)
{
	Dwarf_Off next;
	size_t hsize;
	for (Dwarf_Off off = 0; dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + hsize, &cu) && cu_is(&cu, want))
			return 1;
	}
	return 0;
}

/* Whether the finding is about this program: a unit of some module is the file of its
 * first access. */
static int in_program(Dwarf **dw, int n, const struct finding *f, const char *root)
{
	const char *file = f->locs[0].file;
	if (!file)
		return 0;
	char *abs = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", root, file);
	char real[PATH_MAX];
	const char *want = realpath(abs, real) ? real : abs;
	int yes = 0;
	for (int m = 0; m < n && !yes; m++)
		yes = module_has(dw[m], want);
	free(abs);
	return yes;
}

/* Looks the object up in one module: the variable's address and the regions. */
static int resolve_in(Dwarf *dw, const struct watch_path *wp, Dwarf_Addr *addr, struct regions *out)
{
	Dwarf_Off next;
	size_t hsize;
	for (Dwarf_Off off = 0; dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Die cu, scope, var, type;
		if (!dwarf_offdie(dw, off + hsize, &cu))
			continue;
		if (wp->file && !cu_is(&cu, wp->file))
			continue;
		scope = cu;
		if (wp->func && find_function(&cu, wp->func, &scope))
			continue;
		if (find_var(&scope, wp->var, wp->func != NULL, &var) || watch_type_of(&var, &type))
			continue;
		if (watch_walk(type, wp->rest, out))
			return -1;
		*addr = watch_var_addr(&var);
		return 0;
	}
	return -1;
}

int watch_path_parse(const char *symbol, const char *root, struct watch_path *out)
{
	memset(out, 0, sizeof *out);
	int fields = str_starts(symbol, "g:") ? 0 : str_starts(symbol, "s:") ? 1
	           : str_starts(symbol, "fs:") ? 2 : -1;
	if (fields < 0)
		return -1;
	const char *body = strchr(symbol, ':') + 1;
	const char *name = strrchr(body, ':');
	name = name ? name + 1 : body;
	out->rest = name + strcspn(name, ".[*");
	if (strchr(out->rest, '*'))
		return -1;
	out->var = xstrndup(name, (size_t)(out->rest - name));
	if (fields == 0)
		return 0;
	const char *file_end = name - 1;
	if (fields == 2) {
		const char *func = file_end;
		while (func > body && func[-1] != ':')
			func--;
		if (func == body)
			return watch_path_free(out), -1;
		out->func = xstrndup(func, (size_t)(file_end - func));
		file_end = func - 1;
	}
	char *file = xstrndup(body, (size_t)(file_end - body));
	char *abs = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", root, file);
	char real[PATH_MAX];
	out->file = xstrdup(realpath(abs, real) ? real : abs);
	free(abs);
	free(file);
	return 0;
}

void watch_path_free(struct watch_path *p)
{
	free(p->file);
	free(p->func);
	free(p->var);
	memset(p, 0, sizeof *p);
}

void watch_add_words(struct watch_plan *w, int cand, const char *module, uint64_t addr,
                     uint64_t size, int rw, int site)
{
	struct watch_cand *c = &w->c[cand];
	Dwarf_Addr end = addr + size;
	while (addr < end && c->ntargets < WATCH_TARGETS_PER_CANDIDATE) {
		int len = 8;
		while (len > 1 && (addr % (Dwarf_Addr)len || addr + (Dwarf_Addr)len > end))
			len /= 2;
		grow_array((void **)&w->t, &w->capt, w->nt, sizeof *w->t);
		w->t[w->nt++] = (struct watch_target){cand, module, addr, len, rw, site};
		c->ntargets++;
		addr += (Dwarf_Addr)len;
	}
}

/* Whether reads matter: some side of the race only reads. */
int watch_has_read_side(const struct finding *f)
{
	for (int i = 0; i < f->nlocs; i++)
		if (f->locs[i].message && str_starts(f->locs[i].message, "read of"))
			return 1;
	return 0;
}

static void resolve(struct watch_plan *w, int cand, Dwarf **dw, const char *root)
{
	struct watch_cand *c = &w->c[cand];
	struct watch_path wp;
	if (str_starts(c->f->symbol, "h:")) {
		watch_heap_resolve(w, cand, dw, root);
		return;
	}
	if (watch_path_parse(c->f->symbol, root, &wp)) {
		c->why_not = "its address is known only at run time (a local, a heap block or an "
		             "object reached through a pointer)";
		return;
	}
	c->why_not = "no module of the program has it in its debugging information";
	for (int m = 0; m < w->nmodules; m++) {
		Dwarf_Addr addr;
		struct regions r;
		if (!dw[m] || resolve_in(dw[m], &wp, &addr, &r))
			continue;
		c->why_not = NULL;
		c->first_target = w->nt;
		for (int i = 0; i < r.n; i++)
			watch_add_words(w, cand, w->modules[m], addr + r.r[i].off, r.r[i].size,
			                watch_has_read_side(c->f), -1);
		break;
	}
	watch_path_free(&wp);
}

/* The program and the libraries the loader would give it (ld.so --list; nothing of the
 * program runs). */
static void list_modules(struct watch_plan *w, const char *program)
{
	char real[PATH_MAX];
	grow_array((void **)&w->modules, &w->cap_modules, w->nmodules, sizeof *w->modules);
	w->modules[w->nmodules++] = xstrdup(realpath(program, real) ? real : program);
	static const char *const loaders[] = {"/lib64/ld-linux-x86-64.so.2",
	                                      "/lib/ld-linux-aarch64.so.1", NULL};
	for (int i = 0; loaders[i]; i++) {
		if (access(loaders[i], X_OK) != 0)
			continue;
		char *cmd = xasprintf("'%s' --list '%s' 2>/dev/null", loaders[i], w->modules[0]);
		FILE *p = strchr(program, '\'') ? NULL : popen(cmd, "r");
		free(cmd);
		char line[PATH_MAX + 128];
		while (p && fgets(line, sizeof line, p)) {
			char *arrow = strstr(line, "=> "), *path = arrow ? arrow + 3 : NULL;
			if (!path || path[0] != '/')
				continue;
			path[strcspn(path, " \n")] = '\0';
			grow_array((void **)&w->modules, &w->cap_modules, w->nmodules, sizeof *w->modules);
			w->modules[w->nmodules++] = xstrdup(realpath(path, real) ? real : path);
		}
		if (p)
			pclose(p);
		break;
	}
}

int watch_plan_make(struct watch_plan *w, const struct finding_list *races, const char *program,
                    const char *root, char **err)
{
	memset(w, 0, sizeof *w);
	if (access(program, R_OK) != 0) {
		*err = xasprintf("cannot read '%s' to find the objects to watch: %m", program);
		return -1;
	}
	for (int i = 0; i < races->n; i++) {
		const struct finding *f = &races->items[i];
		if (!str_eq(f->rule, "data-race") || !f->symbol || f->nlocs < 2)
			continue;
		grow_array((void **)&w->c, &w->cap, w->n, sizeof *w->c);
		struct watch_cand *c = &w->c[w->n++];
		memset(c, 0, sizeof *c);
		c->f = f;
		watch_sites_of(c, root);
	}
	if (!w->n)
		return 0;
	list_modules(w, program);
	Dwarf **dw = xcalloc((size_t)w->nmodules, sizeof *dw);
	int *fds = xcalloc((size_t)w->nmodules, sizeof *fds);
	for (int m = 0; m < w->nmodules; m++) {
		fds[m] = open(w->modules[m], O_RDONLY | O_CLOEXEC);
		dw[m] = fds[m] >= 0 ? dwarf_begin(fds[m], DWARF_C_READ) : NULL;
	}
	int kept = 0;
	for (int i = 0; i < w->n; i++)
		if (in_program(dw, w->nmodules, w->c[i].f, root))
			w->c[kept++] = w->c[i];
		else
			watch_sites_free(&w->c[i]);
	w->n = kept;
	for (int i = 0; i < w->n; i++)
		resolve(w, i, dw, root);
	for (int m = 0; m < w->nmodules; m++) {
		if (dw[m])
			dwarf_end(dw[m]);
		if (fds[m] >= 0)
			close(fds[m]);
	}
	free(dw);
	free(fds);
	return 0;
}

int watch_plan_write(const struct watch_plan *w, const char *path)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs("tsafe-watch 2\n", fp);
	for (int i = 0; i < w->nt; i++) {
		const struct watch_target *t = &w->t[i];
		if (t->site < 0)
			fprintf(fp, "T %d %d %d %llx %s\n", i, t->len, t->rw,
			        (unsigned long long)t->link_addr, t->module);
		else
			fprintf(fp, "H %d %d %d %llx %d\n", i, t->len, t->rw,
			        (unsigned long long)t->link_addr, t->site);
	}
	for (int i = 0; i < w->nranges; i++)
		fprintf(fp, "S %d %llx %llx %s\n", w->ranges[i].site,
		        (unsigned long long)w->ranges[i].lo, (unsigned long long)w->ranges[i].hi,
		        w->ranges[i].module);
	return fclose(fp);
}

void watch_plan_free(struct watch_plan *w)
{
	for (int i = 0; i < w->n; i++) {
		free(w->c[i].label);
		free(w->c[i].symbol);
		watch_sites_free(&w->c[i]);
	}
	free(w->c);
	free(w->t);
	free(w->ranges);
	for (int i = 0; i < w->nsites; i++)
		free(w->site_keys[i]);
	free(w->site_keys);
	for (int i = 0; i < w->nmodules; i++)
		free(w->modules[i]);
	free(w->modules);
	memset(w, 0, sizeof *w);
}
