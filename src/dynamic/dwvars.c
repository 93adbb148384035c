/* dwvars.c — naming a lock that lives in a module's data the way the static analysis
 * names it: the variable that contains the address (from DWARF), then the member the
 * address falls in. A lock variable (or array of locks) is "global:NAME" or
 * "static:FILE:NAME" ("static:FILE:FUNC.NAME" inside a function); a lock inside a struct
 * is "field:struct T.F" (the innermost struct that holds it; T is the typedef name of an
 * anonymous struct). FILE is the translation unit's main file, absolute. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "symbolize.h"

struct dwvar {
	Dwarf_Addr lo, hi;
	Dwarf_Off die;              /* the variable's DIE */
	char *base;                 /* the class of the variable as a whole */
};

struct dwvar_index {
	struct dwvar *v;
	int n, cap;
};

void dwvar_index_free(struct dwvar_index *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->n; i++)
		free(x->v[i].base);
	free(x->v);
	free(x);
}

static int is_lock_typedef(const char *name)
{
	static const char *const names[] = {"pthread_mutex_t", "pthread_rwlock_t",
	                                    "pthread_spinlock_t", "mtx_t", NULL};
	for (int i = 0; name && names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), out) ? 0 : -1;
}

/* The lock class at `off` bytes into an object of `type`; owner/member: the record and
 * member this object is (NULL at the variable itself). NULL when no lock is there. */
static char *class_in(Dwarf_Die *type, Dwarf_Word off, const char *owner, const char *member,
                      const char *base, int depth)
{
	Dwarf_Die t = *type;
	const char *typedef_name = NULL;
	if (depth > 16)
		return NULL;
	for (;;) {
		int tag = dwarf_tag(&t);
		if (tag == DW_TAG_typedef) {
			typedef_name = dwarf_diename(&t);
			if (is_lock_typedef(typedef_name))
				return owner ? xasprintf("field:%s.%s", owner, member) : xstrdup(base);
		} else if (tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		           tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type) {
			break;
		}
		if (type_of(&t, &t))
			return NULL;
	}
	int tag = dwarf_tag(&t);
	if (tag == DW_TAG_array_type) {
		Dwarf_Die elem;
		Dwarf_Word esize;
		if (type_of(&t, &elem) || dwarf_aggregate_size(&elem, &esize) || !esize)
			return NULL;
		return class_in(&elem, off % esize, owner, member, base, depth + 1);
	}
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return NULL;
	const char *tagname = dwarf_diename(&t);
	char *rec = tagname ? xasprintf("%s %s", tag == DW_TAG_union_type ? "union" : "struct", tagname)
	                    : xstrdup(typedef_name ? typedef_name : "(anonymous)");
	char *found = NULL;
	Dwarf_Die m;
	if (dwarf_child(&t, &m) == 0) {
		do {
			Dwarf_Attribute a;
			Dwarf_Word moff = 0, msize = 0;
			Dwarf_Die mt;
			if (dwarf_tag(&m) != DW_TAG_member || type_of(&m, &mt) ||
			    dwarf_aggregate_size(&mt, &msize))
				continue;
			dwarf_formudata(dwarf_attr(&m, DW_AT_data_member_location, &a), &moff);
			if (off >= moff && off < moff + msize) {
				found = class_in(&mt, off - moff, rec, dwarf_diename(&m), base, depth + 1);
				break;
			}
		} while (dwarf_siblingof(&m, &m) == 0);
	}
	free(rec);
	return found;
}

static const char *cu_file(struct symbolizer *s, Dwarf_Die *cu, char **owned)
{
	const char *name = dwarf_diename(cu);
	Dwarf_Attribute a;
	const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	*owned = NULL;
	if (name && name[0] != '/' && dir)
		name = *owned = xasprintf("%s/%s", dir, name);
	return sym_canonical(s, name);
}

static void add_var(struct dwvar_index *x, Dwarf_Die *var, const char *file, const char *func)
{
	Dwarf_Attribute a;
	Dwarf_Op *expr;
	size_t len;
	Dwarf_Die type;
	Dwarf_Word size;
	if (!dwarf_attr(var, DW_AT_location, &a) || dwarf_getlocation(&a, &expr, &len) != 0 ||
	    len != 1 || expr[0].atom != DW_OP_addr || type_of(var, &type) ||
	    dwarf_aggregate_size(&type, &size) || !size)
		return;
	const char *name = dwarf_diename(var);
	if (!name) {
		Dwarf_Attribute na;
		name = dwarf_formstring(dwarf_attr_integrate(var, DW_AT_name, &na));
	}
	if (!name)
		return;
	bool external = false;
	Dwarf_Attribute ea;
	dwarf_formflag(dwarf_attr_integrate(var, DW_AT_external, &ea), &external);
	grow_array((void **)&x->v, &x->cap, x->n, sizeof *x->v);
	struct dwvar *v = &x->v[x->n++];
	v->lo = expr[0].number;
	v->hi = v->lo + size;
	v->die = dwarf_dieoffset(var);
	if (func)
		v->base = xasprintf("static:%s:%s.%s", file ? file : "?", func, name);
	else if (external)
		v->base = xasprintf("global:%s", name);
	else
		v->base = xasprintf("static:%s:%s", file ? file : "?", name);
}

/* Variables at file scope and static ones inside functions (and their blocks). */
static void walk(struct dwvar_index *x, Dwarf_Die *parent, const char *file, const char *func)
{
	Dwarf_Die c;
	if (dwarf_child(parent, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_variable)
			add_var(x, &c, file, func);
		else if (tag == DW_TAG_subprogram)
			walk(x, &c, file, dwarf_diename(&c));
		else if (tag == DW_TAG_lexical_block)
			walk(x, &c, file, func);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int cmp_var(const void *a, const void *b)
{
	const struct dwvar *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct dwvar_index *build(struct symbolizer *s, Dwarf *dw)
{
	struct dwvar_index *x = xcalloc(1, sizeof *x);
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	while (dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		char *owned;
		const char *file = cu_file(s, &cudie, &owned);
		walk(x, &cudie, file, NULL);
		free(owned);
	}
	qsort(x->v, (size_t)x->n, sizeof *x->v, cmp_var);
	return x;
}

static const struct dwvar *lookup(const struct dwvar_index *x, Dwarf_Addr a)
{
	int lo = 0, hi = x->n - 1, best = -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (x->v[mid].lo <= a) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best >= 0 && a < x->v[best].hi ? &x->v[best] : NULL;
}

/* Without debug information: the ELF symbol the address falls in; with no symbol (a
 * stripped library's static), its offset in the module, which unlike the address is the
 * same in every run. */
static char *from_symtab(struct sym_module *sm, uint64_t addr)
{
	GElf_Sym sym;
	GElf_Off off = 0;
	const char *name = dwfl_module_addrinfo(sm->m, addr, &off, &sym, NULL, NULL, NULL);
	if (!name) {
		Dwarf_Addr start = 0;
		dwfl_module_info(sm->m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
		const char *slash = strrchr(sm->path, '/');
		return xasprintf("static:%s+%#llx", slash ? slash + 1 : sm->path,
		                 (unsigned long long)(addr - start));
	}
	return GELF_ST_BIND(sym.st_info) == STB_LOCAL ? xasprintf("static:%s:%s", sm->path, name)
	                                              : xasprintf("global:%s", name);
}

char *sym_data_class(struct symbolizer *s, uint64_t addr)
{
	struct sym_module *sm = s ? sym_module_of(s, addr) : NULL;
	if (!sm)
		return NULL;
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(sm->m, &bias);
	if (!dw)
		return from_symtab(sm, addr);
	if (!sm->vars)
		sm->vars = build(s, dw);
	const struct dwvar *v = lookup(sm->vars, addr - bias);
	if (!v)
		return from_symtab(sm, addr);
	Dwarf_Die var, type;
	if (!dwarf_offdie(dw, v->die, &var) || type_of(&var, &type))
		return xstrdup(v->base);
	char *c = class_in(&type, addr - bias - v->lo, NULL, NULL, v->base, 0);
	return c ? c : xstrdup(v->base);
}
