/* annotations.c — what the code declares for Clang's thread-safety analysis: a function
 * annotated acquire_capability / exclusive_lock_function (ACQUIRE, OVS_ACQUIRES),
 * release_capability / unlock_function (RELEASE, OVS_RELEASES), or try_acquire_capability /
 * exclusive_trylock_function (TRY_ACQUIRE, OVS_TRY_LOCK) of one of its parameters is a lock
 * wrapper of that parameter's object. libclang exposes these attributes without their
 * arguments: the attribute's extent runs from its name (where the attribute is spelt, in a
 * macro's definition when it comes from one) to the end of what the code wrote (the macro's
 * invocation, with the argument as the user wrote it), so the name is the extent's first
 * token and the capability the last parenthesised group. A call of such a function whose
 * body is not in the unit gets the declared lock operation after it; the analysis drops it
 * when the body is found in another unit (its own locking says it all). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

static void tokens_of(struct xtu *x, CXCursor c, struct attr_tokens *t)
{
	CXToken *toks = NULL;
	unsigned n = 0;
	clang_tokenize(x->tu, clang_getCursorExtent(c), &toks, &n);
	t->v = xcalloc(n ? n : 1, sizeof *t->v);
	t->n = (int)n;
	for (unsigned i = 0; i < n; i++) {
		CXString s = clang_getTokenSpelling(x->tu, toks[i]);
		t->v[i] = xstrdup(clang_getCString(s));
		clang_disposeString(s);
	}
	clang_disposeTokens(x->tu, toks, n);
}

static void tokens_free(struct attr_tokens *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* The arguments of the last parenthesised group: "m" of ACQUIRES ( m ), "1", "m" of
 * TRY_ACQUIRE ( 1 , m ). Each a single identifier or number, else NULL. */
static int last_group(const struct attr_tokens *t, const char **args, int max)
{
	int end = t->n - 1;
	if (end < 0 || !str_eq(t->v[end], ")"))
		return 0;
	int depth = 0, open = -1;
	for (int i = end; i >= 0 && open < 0; i--) {
		if (str_eq(t->v[i], ")"))
			depth++;
		else if (str_eq(t->v[i], "(") && --depth == 0)
			open = i;
	}
	int n = 0;
	for (int i = open + 1; open >= 0 && i < end && n < max; i++) {
		int single = i + 1 == end || str_eq(t->v[i + 1], ",");
		args[n++] = single ? t->v[i] : NULL;
		while (i < end && !str_eq(t->v[i], ","))
			i++;
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

struct declared {
	struct xtu *x;
	CXCursor fn;
	struct declared_op *out;
	int n, max;
};

static enum CXChildVisitResult on_attr(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct declared *d = data;
	if (!clang_isAttribute(clang_getCursorKind(c)) || d->n >= d->max)
		return CXChildVisit_Continue;
	struct attr_tokens t;
	tokens_of(d->x, c, &t);
	for (size_t k = 0; t.n && k < sizeof declared_ops / sizeof *declared_ops; k++) {
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
	tokens_free(&t);
	return CXChildVisit_Continue;
}

int declared_lock_ops(struct xtu *x, CXCursor fn, struct declared_op *out, int max)
{
	struct declared d = {x, fn, out, 0, max};
	clang_visitChildren(fn, on_attr, &d);
	return d.n;
}
