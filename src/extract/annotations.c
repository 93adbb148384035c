/* annotations.c — what the code declares for Clang's thread-safety analysis: a function
 * annotated acquire_capability / exclusive_lock_function (ACQUIRE, OVS_ACQUIRES),
 * release_capability / unlock_function (RELEASE, OVS_RELEASES), or try_acquire_capability /
 * exclusive_trylock_function (TRY_ACQUIRE, OVS_TRY_LOCK) of one of its parameters is a lock
 * wrapper of that parameter's object. libclang exposes these attributes without their
 * arguments: the attribute's extent runs from its name (where the attribute is spelt, in a
 * macro's definition when it comes from one) to the end of what the code wrote (the macro's
 * invocation, with the argument as the user wrote it), so the name is read where it is
 * spelt and the capability is the last parenthesised group of what the code wrote. A call of such a function whose
 * body is not in the unit gets the declared lock operation after it; the analysis drops it
 * when the body is found in another unit (its own locking says it all).
 *
 * The same way: guarded_by / pt_guarded_by of a variable or member (GUARDED_BY, OVS_GUARDED_BY)
 * name the capability guarding its data, and requires_capability / exclusive_locks_required
 * (REQUIRES, OVS_REQUIRES), their shared forms and locks_excluded (EXCLUDES) what a function
 * runs under or must not be called under. A capability is an expression of the parameters,
 * of the fields beside a guarded member, or of file-scope variables: m, &m, p, p->mutex,
 * s.mutex (analyze/declared.c checks them). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/keymap.h"
#include "common/util.h"

static const struct {
	const char *attr;
	enum lock_op op;
	int shared;
} declared_ops[] = {
	{"acquire_capability", LOP_ACQUIRE, 0},     {"exclusive_lock_function", LOP_ACQUIRE, 0},
	{"acquire_shared_capability", LOP_ACQUIRE, 1}, {"shared_lock_function", LOP_ACQUIRE, 1},
	{"release_capability", LOP_RELEASE, 0},     {"release_shared_capability", LOP_RELEASE, 0},
	{"release_generic_capability", LOP_RELEASE, 0}, {"unlock_function", LOP_RELEASE, 0},
	{"try_acquire_capability", LOP_TRY, 0},     {"exclusive_trylock_function", LOP_TRY, 0},
	{"try_acquire_shared_capability", LOP_TRY, 1}, {"shared_trylock_function", LOP_TRY, 1},
};

struct attr_tokens {
	char **v;
	int n;
};

static void add_tokens(struct xtu *x, CXSourceRange r, struct attr_tokens *t, int max)
{
	CXToken *toks = NULL;
	unsigned n = 0;
	clang_tokenize(x->tu, r, &toks, &n);
	if (max >= 0 && n > (unsigned)max)
		n = (unsigned)max;
	t->v = xrealloc(t->v, (size_t)(t->n + (int)n + 1) * sizeof *t->v);
	for (unsigned i = 0; i < n; i++) {
		CXString s = clang_getTokenSpelling(x->tu, toks[i]);
		t->v[t->n++] = xstrdup(clang_getCString(s));
		clang_disposeString(s);
	}
	clang_disposeTokens(x->tu, toks, n);
}

/* The attribute's name, then what the code wrote where it is used. Spelt in a macro
 * (OVS_GUARDED_BY(m) defined in a header) the extent runs from the name in the macro's
 * definition to the end of the invocation, across files, which libclang does not
 * tokenize: the name is read where it is spelt, the rest where the macro is expanded. */
static void tokens_of(struct xtu *x, CXCursor c, struct attr_tokens *t)
{
	t->v = NULL;
	t->n = 0;
	CXSourceRange r = clang_getCursorExtent(c);
	CXSourceLocation b = clang_getRangeStart(r), e = clang_getRangeEnd(r);
	CXFile fs, fb, fe;
	unsigned os, ob, oe;
	clang_getSpellingLocation(b, &fs, NULL, NULL, &os);
	clang_getExpansionLocation(b, &fb, NULL, NULL, &ob);
	clang_getExpansionLocation(e, &fe, NULL, NULL, &oe);
	if (fs && fb && clang_File_isEqual(fs, fb) && os == ob) {
		add_tokens(x, r, t, -1);
		return;
	}
	CXSourceLocation name = clang_getLocationForOffset(x->tu, fs, os);
	add_tokens(x, clang_getRange(name, name), t, 1);
	if (fb && fe && clang_File_isEqual(fb, fe) && oe >= ob)
		add_tokens(x, clang_getRange(clang_getLocationForOffset(x->tu, fb, ob),
		                             clang_getLocationForOffset(x->tu, fe, oe)), t, -1);
}

static void tokens_free(struct attr_tokens *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* Argument i of the last parenthesised group, as a token range [*from, *to). */
static int group_arg(const struct attr_tokens *t, int i, int *from, int *to)
{
	int end = t->n - 1;
	if (end < 0 || !str_eq(t->v[end], ")"))
		return 0;
	int depth = 0, open = -1;
	for (int k = end; k >= 0 && open < 0; k--) {
		if (str_eq(t->v[k], ")"))
			depth++;
		else if (str_eq(t->v[k], "(") && --depth == 0)
			open = k;
	}
	if (open < 0)
		return 0;
	int start = open + 1, arg = 0;
	depth = 0;
	for (int k = open + 1; k <= end; k++) {
		int close = k == end;
		if (!close && (str_eq(t->v[k], "(") || str_eq(t->v[k], "[")))
			depth++;
		else if (!close && (str_eq(t->v[k], ")") || str_eq(t->v[k], "]")))
			depth--;
		if (close || (depth == 0 && str_eq(t->v[k], ","))) {
			if (arg++ == i) {
				*from = start;
				*to = k;
				return k > start;
			}
			start = k + 1;
		}
	}
	return 0;
}

/* The arguments of the last parenthesised group: "m" of ACQUIRES ( m ), "1", "m" of
 * TRY_ACQUIRE ( 1 , m ). Each a single identifier or number, else NULL. */
static int last_group(const struct attr_tokens *t, const char **args, int max)
{
	int n = 0, from, to;
	while (n < max && group_arg(t, n, &from, &to)) {
		args[n] = to == from + 1 ? t->v[from] : NULL;
		n++;
	}
	return n;
}

static int param_named(CXCursor fn, const char *name)
{
	int np = clang_Cursor_getNumArguments(fn);
	for (int i = 0; name && i < np; i++) {
		char *p = cursor_name(clang_Cursor_getArgument(fn, i));
		int same = str_eq(p, name);
		free(p);
		if (same)
			return i;
	}
	return -1;
}

/* Calls fn with the tokens of each attribute of decl. */
struct attr_walk {
	struct xtu *x;
	void (*fn)(const struct attr_tokens *t, void *data);
	void *data;
};

static enum CXChildVisitResult on_attribute(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct attr_walk *w = data;
	if (!clang_isAttribute(clang_getCursorKind(c)))
		return CXChildVisit_Continue;
	struct attr_tokens t;
	tokens_of(w->x, c, &t);
	if (t.n)
		w->fn(&t, w->data);
	tokens_free(&t);
	return CXChildVisit_Continue;
}

static void each_attribute(struct xtu *x, CXCursor decl, void (*fn)(const struct attr_tokens *, void *),
                           void *data)
{
	struct attr_walk w = {x, fn, data};
	clang_visitChildren(decl, on_attribute, &w);
}

struct declared {
	CXCursor fn;
	struct declared_op *out;
	int n, max;
};

static void on_attr(const struct attr_tokens *tk, void *data)
{
	struct declared *d = data;
	const struct attr_tokens t = *tk;
	for (size_t k = 0; d->n < d->max && k < sizeof declared_ops / sizeof *declared_ops; k++) {
		if (!str_eq(t.v[0], declared_ops[k].attr))
			continue;
		const char *args[4];
		int na = last_group(&t, args, 4);
		for (int i = 0; i < na && d->n < d->max; i++) {
			int p = param_named(d->fn, args[i]);
			if (p >= 0)
				d->out[d->n++] = (struct declared_op){declared_ops[k].op, declared_ops[k].shared, p};
		}
	}
}

int declared_lock_ops(struct xtu *x, CXCursor fn, struct declared_op *out, int max)
{
	struct declared d = {fn, out, 0, max};
	each_attribute(x, fn, on_attr, &d);
	return d.n;
}

/* ---- capabilities the annotations name ---- */

struct annot_memo {
	struct keymap guards;      /* decl USR -> 1 + index in forms */
	struct guard_form {
		char *guard, *pt;  /* GUARDED_BY / PT_GUARDED_BY: a path, "@" its owner object */
	} *forms;
	int nforms, cap_forms;
	struct named_decl *globals;   /* file-scope variables, by name (name = spelling) */
	int nglobals, cap_globals, globals_read;
};

static struct annot_memo *memo_of(struct xtu *x)
{
	if (!x->annot)
		x->annot = xcalloc(1, sizeof *x->annot);
	return x->annot;
}

void annotations_free(struct xtu *x)
{
	struct annot_memo *m = x->annot;
	if (!m)
		return;
	keymap_free(&m->guards);
	for (int i = 0; i < m->nforms; i++) {
		free(m->forms[i].guard);
		free(m->forms[i].pt);
	}
	free(m->forms);
	for (int i = 0; i < m->nglobals; i++)
		free(m->globals[i].name);
	free(m->globals);
	free(m);
	x->annot = NULL;
}

static CXCursor global_named(struct xtu *x, const char *name)
{
	struct annot_memo *m = memo_of(x);
	if (!m->globals_read) {
		m->globals_read = 1;
		CXCursor *v;
		int n = cursor_children(clang_getTranslationUnitCursor(x->tu), &v);
		for (int i = 0; i < n; i++)
			if (clang_getCursorKind(v[i]) == CXCursor_VarDecl) {
				grow_array((void **)&m->globals, &m->cap_globals, m->nglobals, sizeof *m->globals);
				m->globals[m->nglobals++] = (struct named_decl){v[i], NULL, cursor_name(v[i])};
			}
		free(v);
	}
	for (int i = m->nglobals - 1; i >= 0; i--)
		if (str_eq(m->globals[i].name, name))
			return m->globals[i].decl;
	return clang_getNullCursor();
}

static CXCursor field_named(CXCursor record, const char *name)
{
	CXCursor *v, r = clang_getNullCursor();
	int n = is_null_cursor(record) ? 0 : cursor_children(record, &v);
	for (int i = 0; i < n; i++) {
		char *s = clang_getCursorKind(v[i]) == CXCursor_FieldDecl ? cursor_name(v[i]) : NULL;
		if (s && str_eq(s, name))
			r = v[i];
		free(s);
	}
	if (n)
		free(v);
	return r;
}

/* Where names in a capability expression are looked up: the function's parameters, the
 * fields of the record a member belongs to (its owner object is "@"), file-scope
 * variables. */
struct cap_scope {
	CXCursor fn, record;
};

static int pointer_decl(CXCursor d)
{
	return is_pointer_type(clang_getCursorType(d));
}

/* The path of the object a capability expression (&m, m, p, p->mutex, s.mutex) names;
 * NULL when it is not such an expression. */
static char *cap_path(struct xtu *x, const struct cap_scope *sc, char **tok, int n)
{
	int i = 0, amp = 0, star = 0;
	if (i < n && str_eq(tok[i], "&"))
		amp = 1, i++;
	else if (i < n && str_eq(tok[i], "*"))
		star = 1, i++;
	if (i >= n)
		return NULL;
	char *cur = NULL;
	int ptr = 0, p = is_null_cursor(sc->fn) ? -1 : param_named(sc->fn, tok[i]);
	CXCursor fd = field_named(sc->record, tok[i]);
	if (p >= 0) {
		cur = xasprintf("p:%d", p);
		ptr = pointer_decl(clang_Cursor_getArgument(sc->fn, p));
	} else if (!is_null_cursor(fd)) {
		cur = xasprintf("@.%s", tok[i]);
		ptr = pointer_decl(fd);
	} else {
		CXCursor g = global_named(x, tok[i]);
		if (is_null_cursor(g))
			return NULL;
		cur = clang_Cursor_getStorageClass(g) == CX_SC_Static
		          ? xasprintf("s:%s:%s", x->main_file, tok[i]) : xasprintf("g:%s", tok[i]);
		ptr = pointer_decl(g);
	}
	for (i++; cur && i + 1 < n; i += 2) {
		char *next = str_eq(tok[i], "->") ? xasprintf("%s*.%s", cur, tok[i + 1])
		           : str_eq(tok[i], ".") ? xasprintf("%s.%s", cur, tok[i + 1]) : NULL;
		free(cur);
		cur = next;
		ptr = 0;
	}
	if (!cur || i != n || (amp && ptr))
		return free(cur), NULL;
	if (star || (ptr && !amp)) {
		char *d = xasprintf("%s*", cur);
		free(cur);
		cur = d;
	}
	return cur;
}

/* Tokens [from, to) as the code wrote them ("q->mutex", "&m"). */
static char *joined(const struct attr_tokens *t, int from, int to)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int j = from; j < to; j++)
		sb_add(&sb, t->v[j]);
	return sb_detach(&sb);
}

static const char *attr_name(const struct attr_tokens *t)
{
	return t->n ? t->v[0] : "";
}

struct guard_visit {
	struct xtu *x;
	CXCursor decl;
	struct guard_form *out;
};

static void on_guard_attr(const struct attr_tokens *tk, void *data)
{
	struct guard_visit *g = data;
	const struct attr_tokens t = *tk;
	int pt = str_eq(attr_name(&t), "pt_guarded_by");
	int from, to;
	if ((pt || str_eq(attr_name(&t), "guarded_by")) && group_arg(&t, 0, &from, &to)) {
		struct cap_scope sc = {clang_getNullCursor(), clang_getNullCursor()};
		if (clang_getCursorKind(g->decl) == CXCursor_FieldDecl)
			sc.record = clang_getCursorSemanticParent(g->decl);
		char **slot = pt ? &g->out->pt : &g->out->guard;
		if (!*slot)
			*slot = cap_path(g->x, &sc, t.v + from, to - from);
	}
}

/* The declared guards of a variable or field, read once per declaration. */
static const struct guard_form *guards_of(struct xtu *x, CXCursor decl)
{
	enum CXCursorKind k = clang_getCursorKind(decl);
	if (k != CXCursor_VarDecl && k != CXCursor_FieldDecl)
		return NULL;
	struct annot_memo *m = memo_of(x);
	char *usr = cursor_usr(decl);
	int at = 0;
	if (!usr || !*usr || keymap_get_str(&m->guards, usr, &at)) {
		free(usr);
		return at ? &m->forms[at - 1] : NULL;
	}
	struct guard_form form = {0};
	struct guard_visit g = {x, decl, &form};
	each_attribute(x, decl, on_guard_attr, &g);
	if (form.guard || form.pt) {
		grow_array((void **)&m->forms, &m->cap_forms, m->nforms, sizeof *m->forms);
		m->forms[m->nforms++] = form;
		at = m->nforms;
	}
	keymap_put_str(&m->guards, usr, at);
	free(usr);
	return at ? &m->forms[at - 1] : NULL;
}

/* form with "@" replaced by the owner object of member `member` (its path without the
 * final ".FIELD"). */
static char *place(struct xfn *f, const char *form, CXCursor member)
{
	if (!form || form[0] != '@')
		return form ? xstrdup(form) : NULL;
	if (clang_getCursorKind(member) != CXCursor_MemberRefExpr)
		return NULL;
	char *p = path_of(f, member), *name = cursor_name(member), *r = NULL;
	size_t lp = p ? strlen(p) : 0, ln = strlen(name);
	if (p && lp > ln + 1 && p[lp - ln - 1] == '.' && str_eq(p + lp - ln, name))
		r = xasprintf("%.*s%s", (int)(lp - ln - 1), p, form + 1);
	free(p);
	free(name);
	return r;
}

/* The pointer expression an lvalue goes through (p of p->f, *p, p[i] with p a pointer). */
static CXCursor through_pointer(CXCursor e)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	CXCursor base = cursor_child(e, 0);
	if (is_null_cursor(base))
		return base;
	int deref = k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref;
	if (deref || ((k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr) &&
	              is_pointer_type(clang_getCursorType(strip_implicit(base)))))
		return strip_expr(base);
	return clang_getNullCursor();
}

char *access_guard(struct xfn *f, CXCursor e)
{
	for (int depth = 0; depth < 8; depth++) {
		e = strip_implicit(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		if (k == CXCursor_MemberRefExpr || k == CXCursor_DeclRefExpr) {
			const struct guard_form *g = guards_of(f->x, clang_getCursorReferenced(e));
			char *r = g ? place(f, g->guard, e) : NULL;
			if (r)
				return r;
		}
		CXCursor ptr = through_pointer(e);
		if (!is_null_cursor(ptr)) {
			enum CXCursorKind pk = clang_getCursorKind(ptr);
			const struct guard_form *g = pk == CXCursor_MemberRefExpr || pk == CXCursor_DeclRefExpr
			                                 ? guards_of(f->x, clang_getCursorReferenced(ptr)) : NULL;
			return g ? place(f, g->pt, ptr) : NULL;
		}
		if (k != CXCursor_MemberRefExpr && k != CXCursor_ArraySubscriptExpr)
			return NULL;
		e = cursor_child(e, 0);   /* s.f, a[i]: guarded with s, with a */
	}
	return NULL;
}

/* ---- what a function declares it needs ---- */

static const struct {
	const char *attr;
	unsigned flags;
} declared_needs[] = {
	{"requires_capability", 0}, {"exclusive_locks_required", 0},
	{"requires_shared_capability", EVF_SHARED}, {"shared_locks_required", EVF_SHARED},
	{"locks_excluded", EVF_EXCLUDES},
};

struct needs_visit {
	struct xtu *x;
	CXCursor fn;
	struct declared_need *out;
	int n, max, unchecked;
};

static void on_need_attr(const struct attr_tokens *tk, void *data)
{
	struct needs_visit *d = data;
	const struct attr_tokens t = *tk;
	if (str_eq(attr_name(&t), "no_thread_safety_analysis"))
		d->unchecked = 1;
	for (size_t k = 0; k < sizeof declared_needs / sizeof *declared_needs; k++) {
		if (!str_eq(attr_name(&t), declared_needs[k].attr))
			continue;
		struct cap_scope sc = {d->fn, clang_getNullCursor()};
		int from, to;
		for (int i = 0; d->n < d->max && group_arg(&t, i, &from, &to); i++) {
			char *path = cap_path(d->x, &sc, t.v + from, to - from);
			if (!path)
				continue;
			d->out[d->n++] = (struct declared_need){declared_needs[k].flags, path, joined(&t, from, to)};
		}
	}
}

int declared_needs_of(struct xtu *x, CXCursor fn, struct declared_need *out, int max, int *unchecked)
{
	struct needs_visit d = {x, fn, out, 0, max, 0};
	each_attribute(x, fn, on_need_attr, &d);
	if (unchecked)
		*unchecked = d.unchecked;
	return d.n;
}
