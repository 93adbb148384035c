/* facts.c — memory, builders, names and access-path algebra for struct tu_facts. */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

void event_free(struct event *ev)
{
	free(ev->path);
	free(ev->name);
	free(ev->type);
	free(ev->lock_class);
	free(ev->api);
	free(ev->callee);
	free(ev->arg);
	for (int i = 0; i < ev->nargs; i++) {
		free(ev->args[i].path);
		free(ev->args[i].lock_class);
	}
	free(ev->args);
}

void function_free(struct function *fn)
{
	free(fn->usr);
	free(fn->name);
	free(fn->file);
	for (int i = 0; i < fn->norder_types; i++)
		free(fn->order_types[i]);
	free(fn->order_types);
	for (int b = 0; b < fn->nblocks; b++) {
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			event_free(&fn->blocks[b].events[e]);
		free(fn->blocks[b].events);
		free(fn->blocks[b].succs);
	}
	free(fn->blocks);
}

void tu_facts_free(struct tu_facts *tu)
{
	if (!tu)
		return;
	for (int i = 0; i < tu->nfuncs; i++)
		function_free(&tu->funcs[i]);
	free(tu->funcs);
	for (int i = 0; i < tu->ndiagnostics; i++)
		free(tu->diagnostics[i]);
	free(tu->diagnostics);
	free(tu->file);
	free(tu->cache_key);
	memset(tu, 0, sizeof *tu);
}

struct function *tu_add_function(struct tu_facts *tu)
{
	tu->funcs = append_zeroed(tu->funcs, &tu->nfuncs, sizeof *tu->funcs);
	return &tu->funcs[tu->nfuncs - 1];
}

struct block *fn_add_block(struct function *fn)
{
	fn->blocks = append_zeroed(fn->blocks, &fn->nblocks, sizeof *fn->blocks);
	return &fn->blocks[fn->nblocks - 1];
}

struct event *block_add_event(struct block *b)
{
	b->events = append_zeroed(b->events, &b->nevents, sizeof *b->events);
	return &b->events[b->nevents - 1];
}

void block_add_succ(struct block *b, int succ)
{
	for (int i = 0; i < b->nsuccs; i++)
		if (b->succs[i] == succ)
			return;
	b->succs = append_zeroed(b->succs, &b->nsuccs, sizeof *b->succs);
	b->succs[b->nsuccs - 1] = succ;
}

/* Arrays grown by doubling keep up to half their room empty; a loaded program's facts are
 * held whole through the analysis, so they are cut to size once complete. */
static void *fit(void *p, int n, size_t size)
{
	return p && n > 0 ? xrealloc(p, (size_t)n * size) : p;
}

void tu_facts_shrink(struct tu_facts *tu)
{
	tu->funcs = fit(tu->funcs, tu->nfuncs, sizeof *tu->funcs);
	for (int f = 0; f < tu->nfuncs; f++) {
		struct function *fn = &tu->funcs[f];
		fn->blocks = fit(fn->blocks, fn->nblocks, sizeof *fn->blocks);
		for (int b = 0; b < fn->nblocks; b++) {
			struct block *blk = &fn->blocks[b];
			blk->events = fit(blk->events, blk->nevents, sizeof *blk->events);
			blk->succs = fit(blk->succs, blk->nsuccs, sizeof *blk->succs);
			for (int e = 0; e < blk->nevents; e++)
				blk->events[e].args = fit(blk->events[e].args, blk->events[e].nargs,
				                          sizeof *blk->events[e].args);
		}
	}
}

static const char *const ev_names[] = {
	[EV_ACCESS] = "access",          [EV_LOCK] = "lock",
	[EV_UNLOCK] = "unlock",          [EV_CALL] = "call",
	[EV_THREAD_CREATE] = "thread-create", [EV_THREAD_JOIN] = "thread-join",
	[EV_THREAD_DETACH] = "thread-detach", [EV_COND_WAIT] = "cond-wait",
	[EV_COND_SIGNAL] = "cond-signal", [EV_RETURN] = "return",
	[EV_STORE] = "store",
	[EV_ASSUME] = "assume",          [EV_TAKE] = "take",
	[EV_PUT] = "put",                [EV_DECLARE] = "declare",
};

static const char *const lock_kind_names[] = {
	[LK_MUTEX] = "mutex", [LK_RWLOCK] = "rwlock", [LK_SPIN] = "spin",
	[LK_SEM] = "sem",     [LK_WRAPPER] = "wrapper",
};

static int index_of(const char *const *names, int n, const char *name)
{
	for (int i = 1; i < n; i++)
		if (names[i] && str_eq(names[i], name))
			return i;
	return 0;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *ev_kind_name(enum ev_kind k)
{
	return k > 0 && (int)k < COUNT(ev_names) ? ev_names[k] : "?";
}

int ev_kind_from_name(const char *name)
{
	return index_of(ev_names, COUNT(ev_names), name);
}

const char *lock_kind_name(enum lock_kind k)
{
	return k > 0 && (int)k < COUNT(lock_kind_names) ? lock_kind_names[k] : "?";
}

int lock_kind_from_name(const char *name)
{
	return index_of(lock_kind_names, COUNT(lock_kind_names), name);
}

/* Length of the root of `p` (no leading &): the kind fixes how many ':' fields it has. */
static size_t root_len(const char *p)
{
	if (p[0] == '?')
		return 1;
	int colons;
	if (str_starts(p, "fs:"))
		colons = 3;
	else if (str_starts(p, "s:") || str_starts(p, "l:") || str_starts(p, "h:"))
		colons = 2;
	else
		colons = 1;
	size_t i = 0;
	for (; p[i] && colons; i++)
		if (p[i] == ':')
			colons--;
	while (p[i] && !strchr(".*[", p[i]))
		i++;
	return i;
}

char *path_root(const char *path)
{
	if (path[0] == '&')
		path++;
	return xstrndup(path, root_len(path));
}

int path_within(const char *path, const char *obj)
{
	if (!path)
		return 0;
	path += path[0] == '&';
	obj += obj[0] == '&';
	size_t n = strlen(obj);
	return !strncmp(path, obj, n) && (!path[n] || strchr(".*[", path[n]));
}

int path_substitute_sb(struct strbuf *sb, const char *path, const struct call_arg *args, int nargs)
{
	int amp = path[0] == '&';
	const char *p = path + amp;
	if (!str_starts(p, "p:")) {
		sb_add(sb, path);
		return 0;
	}
	char *end;
	long n = strtol(p + 2, &end, 10);
	if (end == p + 2 || n < 0 || n >= nargs || !args[n].path || str_eq(args[n].path, "?"))
		return -1;
	const char *arg = args[n].path;
	if (arg[0] == '#' && (amp || *end))
		return -1;                 /* a constant is no object */
	/* Going through an address names the object itself: "&X" then "*S" (or "[]S", as
	 * (&x)[0] or &arr[] indexed again) is "XS", and &p->lock with p = &X is "&X.lock". */
	if (arg[0] == '&' && (end[0] == '*' || str_starts(end, "[]"))) {
		if (amp)
			sb_addc(sb, '&');
		sb_add(sb, arg + 1);
		sb_add(sb, end + (end[0] == '*' ? 1 : 2));
		return 0;
	}
	if (amp && arg[0] == '&')
		return -1;                 /* &&x has no object */
	if (amp)
		sb_addc(sb, '&');
	sb_add(sb, arg);
	sb_add(sb, end);
	return 0;
}

char *path_substitute(const char *path, const struct call_arg *args, int nargs)
{
	struct strbuf sb;
	sb_init(&sb);
	if (path_substitute_sb(&sb, path, args, nargs)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}
