/* fork_child.c — fork-with-threads from the static facts: a fork() while other threads of
 * the process may run, whose child calls a function that is not async-signal-safe before it
 * execs or _exits. Only the forking thread exists in the child; a lock another thread held at
 * the fork (malloc's arena lock, stdio's, the program's own) stays held for ever, so the
 * child's malloc or printf may deadlock or find the heap half-updated (POSIX allows only
 * async-signal-safe functions there). The runtime sees a fork while another thread holds a
 * program lock; libc's internal locks are invisible to it, and to the child's code.
 *
 * The child is the branch on which the fork's result is zero (the facts' condition atom
 * "r:POS" of the call, false), followed through the program's own functions to exec*,
 * _exit or abort. Functions that take libc's locks or touch the heap are listed below; a
 * call of anything else (dup2, close, setsid, write, …) is taken to be safe. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { CHILD_DEPTH = 3 };        /* program functions followed from the child */

/* Not async-signal-safe, and commonly called between fork and exec: the heap, stdio,
 * syslog, exit handlers, locale and time conversions, name services, dynamic loading,
 * pthread locks (signal-safety(7) lists the safe ones). */
static const char *const unsafe[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "strdup", "strndup", "asprintf",
	"vasprintf", "printf", "fprintf", "sprintf", "snprintf", "vprintf", "vfprintf", "vsprintf",
	"vsnprintf", "dprintf", "puts", "fputs", "fputc", "putc", "putchar", "fwrite", "fread",
	"fopen", "fdopen", "freopen", "fclose", "fflush", "fgets", "getline", "perror", "strerror",
	"syslog", "openlog", "exit", "atexit", "setenv", "putenv", "unsetenv", "localtime",
	"ctime", "gmtime", "strftime", "mktime", "getpwnam", "getpwuid", "getgrnam",
	"getaddrinfo", "gethostbyname", "dlopen", "dlsym", "opendir", "readdir", "closedir",
	"popen", "system", "pthread_mutex_lock", "pthread_create", "pthread_cond_wait",
	"setlocale", "qsort", NULL,
};

static int is_unsafe(const char *name)
{
	for (int i = 0; name && unsafe[i]; i++)
		if (!strcmp(name, unsafe[i]))
			return 1;
	return 0;
}

static int ends_child(const char *name)
{
	return name && (str_starts(name, "exec") || str_starts(name, "fexecve") ||
	                !strcmp(name, "_exit") || !strcmp(name, "_Exit") || !strcmp(name, "abort"));
}

struct unsafe_call {
	const struct event *ev;      /* the call in the function that forked */
	const char *callee;          /* the unsafe function it reaches */
};

static const char *unsafe_in(const struct analysis *a, const struct function *fn, int tu,
                             int depth);

/* Does a call reach an unsafe function: itself, or a program function that calls one? */
static const char *call_unsafe(const struct analysis *a, const struct event *ev, int tu,
                               int depth)
{
	const struct fn_ref *r = ev->callee ? index_resolve(&a->ix, ev->callee, tu) : NULL;
	if (!r)
		return is_unsafe(ev->name) ? ev->name : NULL;
	return depth < CHILD_DEPTH ? unsafe_in(a, r->fn, r->tu, depth + 1) : NULL;
}

/* The first unsafe function a program function calls before it execs or exits. */
static const char *unsafe_in(const struct analysis *a, const struct function *fn, int tu,
                             int depth)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			const char *u = ev->kind == EV_CALL && !ends_child(ev->name)
				? call_unsafe(a, ev, tu, depth) : NULL;
			if (u)
				return u;
		}
	return NULL;
}

/* Walks the child's blocks from `b`, up to the calls that end it. */
static int walk_child(const struct analysis *a, const struct activation *f, int b,
                      unsigned char *seen, struct unsafe_call *out)
{
	const struct block *blk = &f->fn->blocks[b];
	for (int e = 0; e < blk->nevents; e++) {
		const struct event *ev = &blk->events[e];
		if (ev->kind != EV_CALL)
			continue;
		if (ends_child(ev->name))
			return 0;
		const char *u = call_unsafe(a, ev, f->tu, 0);
		if (u) {
			*out = (struct unsafe_call){ev, u};
			return 1;
		}
	}
	for (int k = 0; k < blk->nsuccs; k++) {
		int s = blk->succs[k];
		if (s > 0 && s < f->fn->nblocks && !seen[s]) {
			seen[s] = 1;
			if (walk_child(a, f, s, seen, out))
				return 1;
		}
	}
	return 0;
}

/* The child's first unsafe call after the fork `ev`: from the branch where its result
 * (atom "r:POS") is zero. */
static int child_unsafe(const struct analysis *a, const struct activation *f,
                        const struct event *ev, struct unsafe_call *out)
{
	char atom[32];
	snprintf(atom, sizeof atom, "r:%d", ev->pos);
	const struct function *fn = f->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *as = &fn->blocks[b].events[e];
			if (as->kind != EV_ASSUME || (as->flags & (EVF_TRUE | EVF_KILL)) ||
			    !str_eq(as->path, atom))
				continue;
			unsigned char *seen = xcalloc((size_t)fn->nblocks, 1);
			seen[b] = 1;
			int hit = walk_child(a, f, b, seen, out);
			free(seen);
			if (hit)
				return 1;
		}
	return 0;
}

void forks_on_call(struct analysis *a, const struct activation *f, const struct event *ev)
{
	struct unsafe_call u;
	if (f->ctx->kind == CTX_ISOLATED || !str_eq(ev->name, "fork") ||
	    index_resolve(&a->ix, ev->callee, f->tu) || !child_unsafe(a, f, ev, &u))
		return;
	struct misuse_rec *m = misuse_add(a, "fork-with-threads", f, ev, -1);
	m->other = u.ev;
	m->other_fn = f->fn;
	m->note = u.callee;
}

/* Can another thread run at the fork? */
static int others_run(const struct analysis *a, const struct misuse_rec *m)
{
	const struct context *c = a->ctxs[m->ctx];
	if (c->kind == CTX_THREAD)
		return 1;                /* main, at least, runs alongside */
	for (int d = 0; d < a->nctxs; d++)
		if (d != m->ctx && a->ctxs[d]->kind == CTX_THREAD &&
		    contexts_concurrent(a, m->ctx, &m->when, d, &m->when))
			return 1;
	return 0;
}

static void report(struct analysis *a, const struct misuse_rec *m)
{
	char *msg = xasprintf("fork() while other threads may run, and the child calls '%s' before "
	                      "exec: a lock another thread held at the fork (malloc's, stdio's) "
	                      "stays held in the child", m->note);
	struct finding *f = emit_finding(a, "fork-with-threads", msg, "fork");
	struct location *loc = emit_location(a, f, m->fn, m->ev, "fork() called here");
	emit_thread(a, loc, a->ctxs[m->ctx]);
	emit_stack(a, loc, m->stack, m->nstack);
	char *here = xasprintf("the child calls '%s' here, before exec", m->note);
	emit_location(a, f, m->other_fn, m->other, here);
	free(here);
	free(msg);
}

void check_forks(struct analysis *a)
{
	struct keymap done = {0};
	for (int i = 0; i < a->nmis; i++) {
		const struct misuse_rec *m = &a->mis[i];
		if (strcmp(m->rule, "fork-with-threads") != 0)
			continue;
		struct hkey k = hkey_of_pointer(m->ev);
		if (keymap_get(&done, k, NULL) || !others_run(a, m))
			continue;
		keymap_put(&done, k, 1);
		report(a, m);
	}
	keymap_free(&done);
}
