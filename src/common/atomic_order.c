/* atomic_order.c — the memory order an atomic operation's source line names (atomic_order.h).
 * stdatomic's explicit forms name it (memory_order_relaxed, __ATOMIC_RELAXED); the plain
 * forms and operators on _Atomic objects are sequentially consistent. */
#include <stdlib.h>
#include <string.h>

#include "atomic_order.h"
#include "facts/facts.h"
#include "source.h"
#include "util.h"

static char *line_text(const char *root, const char *file, int line)
{
	size_t len;
	const char *text = file ? source_line(root, file, line, &len) : NULL;
	return text ? xstrndup(text, len) : NULL;
}

int atomic_line_relaxed(const char *root, const char *file, int line)
{
	char *t = line_text(root, file, line);
	int yes = !t || strstr(t, "relaxed") || strstr(t, "RELAXED") || strstr(t, "consume") ||
	          strstr(t, "CONSUME");
	free(t);
	return yes;
}

enum { OP_LOAD = 1, OP_STORE = 2, OP_RMW = 3 };

/* What the line's text calls its operation: a load, a store, a read-modify-write
 * (exchange, fetch_, compare, test_and_set), or 0 when it names several or none. */
static int spelled_op(const char *t)
{
	int load = strstr(t, "load") != NULL, store = strstr(t, "store") != NULL;
	int rmw = strstr(t, "exchange") || strstr(t, "fetch_") || strstr(t, "compare") ||
	          strstr(t, "test_and_set");
	if (load + store + rmw != 1)
		return 0;
	return load ? OP_LOAD : store ? OP_STORE : OP_RMW;
}

/* OP_LOAD, OP_STORE, OP_RMW, or 0: cannot tell. */
static int op_of(const char *root, const char *file, int line, unsigned evflags)
{
	int r = (evflags & EVF_READ) != 0, w = (evflags & EVF_WRITE) != 0;
	if (r != w)                  /* the extractor told: a plain load or store */
		return r ? OP_LOAD : OP_STORE;
	char *t = line_text(root, file, line);
	int op = t ? spelled_op(t) : 0;
	/* an operator on an _Atomic object (x++, x += 2) names no operation */
	if (t && !op && !strstr(t, "atomic_") && !strstr(t, "__atomic") && !strstr(t, "__sync"))
		op = OP_RMW;
	free(t);
	return op;
}

int atomic_line_releases(const char *root, const char *file, int line, unsigned evflags)
{
	return (op_of(root, file, line, evflags) & 2) && !atomic_line_relaxed(root, file, line);
}

int atomic_line_acquires(const char *root, const char *file, int line, unsigned evflags)
{
	return (op_of(root, file, line, evflags) & 1) && !atomic_line_relaxed(root, file, line);
}

int atomic_line_compares(const char *root, const char *file, int line)
{
	char *t = line_text(root, file, line);
	int yes = t && strstr(t, "compare");
	free(t);
	return yes;
}

int atomic_line_takes(const char *root, const char *file, int line)
{
	char *t = line_text(root, file, line);
	int yes = t && (strstr(t, "exchange") || strstr(t, "test_and_set")) && !strstr(t, "compare");
	free(t);
	return yes && !atomic_line_relaxed(root, file, line);
}
