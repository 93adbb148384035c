/* lost_handle.c — a thread whose handle dies with the function that created it: the
 * pthread_t is a local of a function other than main (`pthread_t tid; return
 * pthread_create(&tid, 0, flusher, w);`) that names it nowhere else — no join, no detach,
 * no copy into an object that outlives the call. Nobody can join or detach that thread
 * any more. The facts record no accesses to locals, so the function's text is read: the
 * name must appear only in its declaration and in the creation. A wrapper that starts the
 * routine its caller passes (memcached's create_worker) is left alone: such spawners start
 * daemon workers that run until the process exits, which is no leak. */
#include <ctype.h>
#include <string.h>

#include "common/source.h"
#include "internal.h"

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Whole-word occurrences of name in the lines of fn (at most 3: that is enough). */
static int mentions(const struct function *fn, const char *name)
{
	size_t n = strlen(name);
	int count = 0;
	for (int l = fn->line; l <= fn->end_line && count < 3; l++) {
		size_t len;
		const char *text = source_line(NULL, fn->file, l, &len);
		for (size_t i = 0; text && i + n <= len; i++)
			if (!strncmp(text + i, name, n) && (!i || !is_ident(text[i - 1])) &&
			    (i + n == len || !is_ident(text[i + n])))
				count++;
	}
	return count;
}

int handle_lost_with_frame(const struct context *c)
{
	const struct event *ev = c->create_ev;
	const struct function *fn = c->create_fn;
	if (!ev || !fn || !ev->path || !str_starts(ev->path, "l:") || str_eq(fn->name, "main"))
		return 0;
	if (ev->flags & EVF_VIA_POINTER)
		return 0;   /* a spawner of whatever its caller passes: daemon workers, by design */
	const char *name = strrchr(ev->path, ':') + 1;
	if (strpbrk(name, "*.[") || !*name)
		return 0;                    /* an element or a member: the object may outlive it */
	return mentions(fn, name) == 2;  /* declared, then created: nothing else */
}
