/* vgpipe.c — races on a block whose pointer was handed between threads through a file
 * descriptor: the sender writes the pointer's bytes into a pipe or socket (write(fd, &p,
 * sizeof p), send, pwrite — directly or through a wrapper taking p as a parameter), the
 * receiver reads them back into a local (read(fd, &q, sizeof q), recv, pread — directly or
 * returned by a wrapper that does) and goes through it. The kernel orders the write before
 * the read that returns its bytes, but Helgrind and DRD see no happens-before through a
 * descriptor (ThreadSanitizer does).
 *
 * A race is judged likely benign when its later side accesses, through a local (or a local
 * every assignment of which in the text names it: `p = r->name`, then `*p`), a pointer
 * received before it on every path (and not sent on again before it), and either its
 * earlier side accesses the block through a pointer its function sends after the access
 * (to the receiver's descriptor, or along a chain of clean hand-overs), or (one side:
 * Valgrind kept no stack of the other) every hand-over of the loaded code is clean. A hand-over is clean when its function no longer touches the block after the send
 * (up to the next allocation or receive of that pointer): a sender that touches the block
 * again races with the receiver, and stays reported. sendmsg/recvmsg carry the pointer in
 * an iovec the facts do not follow: not judged. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/source.h"
#include "common/util.h"
#include "internal.h"

#define MAX_DEPTH 3

/* libc calls moving argument 1's bytes out of or into a descriptor (by USR) */
static const char *const writes_fd[] = {"c:@F@write", "c:@F@send", "c:@F@sendto",
                                        "c:@F@pwrite", "c:@F@pwrite64", NULL};
static const char *const reads_fd[] = {"c:@F@read", "c:@F@recv", "c:@F@recvfrom",
                                       "c:@F@pread", "c:@F@pread64", NULL};

static int one_of(const char *usr, const char *const *set)
{
	for (int i = 0; usr && set[i]; i++)
		if (str_eq(usr, set[i]))
			return 1;
	return 0;
}

/* The object a libc descriptor call of `set` copies through its buffer `&X` (X), with the
 * descriptor's path in *fd; NULL when ev is no such call. */
static const char *buffer_object(const struct event *ev, const char *const *set, const char **fd)
{
	if (ev->kind != EV_CALL || !one_of(ev->callee, set) || ev->nargs < 2 || !ev->args[1].path)
		return NULL;
	*fd = ev->args[0].path;
	return ev->args[1].path[0] == '&' && ev->args[1].path[1] ? ev->args[1].path + 1 : NULL;
}

/* A path in a callee's terms in the terms of its call ev: its argument for "p:N" (NULL when
 * not given), any other path as is. */
static const char *in_caller(const struct event *ev, const char *path)
{
	if (!path || !str_starts(path, "p:"))
		return path;
	int n = atoi(path + 2);
	return n >= 0 && n < ev->nargs && !path[2 + strspn(path + 2, "0123456789")] &&
	       ev->args[n].path && !str_eq(ev->args[n].path, "?") ? ev->args[n].path : NULL;
}

/* The value (a path in the caller's terms) whose bytes the call ev writes to a descriptor:
 * X for write(fd, &X, …); the argument a wrapper writes that way (its parameter); NULL
 * when none. *fd: the descriptor's path in the caller's terms (NULL when unknown). */
static const char *sent_value(struct facts_at *fc, const struct event *ev, int depth,
                              const char **fd)
{
	const char *direct = buffer_object(ev, writes_fd, fd);
	if (direct || ev->kind != EV_CALL || !ev->callee || depth >= MAX_DEPTH)
		return direct;
	const struct function *callee = facts_function_by_usr(fc, ev->callee);
	for (int b = 0; callee && b < callee->nblocks; b++)
		for (int i = 0; i < callee->blocks[b].nevents; i++) {
			const char *inner_fd = NULL;
			const char *v = sent_value(fc, &callee->blocks[b].events[i], depth + 1, &inner_fd);
			if (v && str_starts(v, "p:") && in_caller(ev, v)) {
				*fd = in_caller(ev, inner_fd);
				return in_caller(ev, v);
			}
		}
	return NULL;
}

/* The local ("l:F:x") the call ev fills from a descriptor: X of read(fd, &X, …) when X is
 * a local, or the local a wrapper's result goes to when the wrapper returns a local it
 * filled so; NULL when none. */
static const char *received_local(struct facts_at *fc, const struct event *ev, int depth,
                                  const char **fd)
{
	const char *direct = buffer_object(ev, reads_fd, fd);
	if (direct)
		return str_starts(direct, "l:") ? direct : NULL;
	if (ev->kind != EV_CALL || !ev->callee || !ev->path || !str_starts(ev->path, "l:") ||
	    depth >= MAX_DEPTH)
		return NULL;
	const struct function *callee = facts_function_by_usr(fc, ev->callee);
	for (int b = 0; callee && b < callee->nblocks; b++)
		for (int i = 0; i < callee->blocks[b].nevents; i++) {
			const char *inner_fd = NULL;
			const char *local = received_local(fc, &callee->blocks[b].events[i], depth + 1,
			                                   &inner_fd);
			for (int r = 0; local && r < callee->nblocks; r++)
				for (int k = 0; k < callee->blocks[r].nevents; k++) {
					const struct event *ret = &callee->blocks[r].events[k];
					if (ret->kind == EV_RETURN && str_eq(ret->path, local)) {
						*fd = in_caller(ev, inner_fd);
						return ev->path;
					}
				}
		}
	return NULL;
}

/* Does the event go through value v (its path or one of its arguments)? */
static int uses(const struct event *ev, const char *v)
{
	if ((ev->kind == EV_ACCESS || ev->kind == EV_CALL) && path_within(ev->path, v) &&
	    !(ev->kind == EV_CALL && str_eq(ev->path, v)))
		return 1;
	for (int a = 0; ev->kind == EV_CALL && a < ev->nargs; a++)
		if (path_within(ev->args[a].path, v))
			return 1;
	return 0;
}

/* Does ev give v a new value: the allocation of heap block "&h:F:L" (a call at line L), a
 * call's result stored into local v? */
static int redefines(const struct event *ev, const char *v)
{
	if (ev->kind != EV_CALL)
		return 0;
	if (str_starts(v, "&h:")) {
		const char *colon = strrchr(v, ':');
		return ev->line == atoi(colon + 1);
	}
	return str_eq(ev->path, v);
}

int vg_line_derefs(const char *file, int line, const char *name)
{
	size_t len, n = strlen(name);
	const char *text = source_line(NULL, file, line, &len);
	for (size_t i = 0; text && n && i + n <= len; i++) {
		if (strncmp(text + i, name, n) || (i && (isalnum((unsigned char)text[i - 1]) ||
		                                        text[i - 1] == '_')))
			continue;
		size_t j = i + n, k = i;
		if (j < len && (isalnum((unsigned char)text[j]) || text[j] == '_'))
			continue;
		while (j < len && isspace((unsigned char)text[j]))
			j++;
		while (k > 0 && isspace((unsigned char)text[k - 1]))
			k--;
		if ((j + 1 < len && text[j] == '-' && text[j + 1] == '>') ||
		    (j < len && text[j] == '[') || (k > 0 && text[k - 1] == '*'))
			return 1;
	}
	return 0;
}

/* The name of local v ("l:F:x" -> "x"), or NULL when v is not a local. */
static const char *local_name(const char *v)
{
	return str_starts(v, "l:") && strrchr(v, ':') ? strrchr(v, ':') + 1 : NULL;
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does the text t[0..len) name the identifier `name` (a whole word)? */
static int names(const char *t, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n <= len; i++)
		if (!strncmp(t + i, name, n) && (!i || !ident_char(t[i - 1])) &&
		    (i + n == len || !ident_char(t[i + n])))
			return 1;
	return 0;
}

/* Is local q of fn derived from the pointer `from`: every assignment of q in fn's text
 * (`const char *q = r->name;`, `q = r + 1`, on one line, up to its `;` or `,`) names
 * `from`, there is one, and q's address is never taken? q++ and q += n keep it derived. */
static int derived_from(const struct function *fn, const char *q, const char *from)
{
	size_t n = strlen(q);
	int assigned = 0;
	for (int l = fn->line; l <= fn->end_line; l++) {
		size_t len;
		const char *t = source_line(NULL, fn->file, l, &len);
		for (size_t i = 0; t && i + n <= len; i++) {
			if (strncmp(t + i, q, n) || (i && ident_char(t[i - 1])) ||
			    (i + n < len && ident_char(t[i + n])))
				continue;
			size_t k = i, j = i + n;
			while (k && isspace((unsigned char)t[k - 1]))
				k--;
			if (k && t[k - 1] == '&' && (k < 2 || t[k - 2] != '&'))
				return 0;
			size_t d = k;                /* `char *q = …` declares q; `*q = …` writes through it */
			while (d && (t[d - 1] == '*' || isspace((unsigned char)t[d - 1])))
				d--;
			if (k && (t[k - 1] == '.' || t[k - 1] == '>' ||
			          (t[k - 1] == '*' && !(d && ident_char(t[d - 1])))))
				continue;                /* a member named q, or through q */
			while (j < len && isspace((unsigned char)t[j]))
				j++;
			if (j >= len || t[j] != '=' || (j + 1 < len && t[j + 1] == '='))
				continue;
			size_t e = j + 1;
			while (e < len && t[e] != ';' && t[e] != ',')
				e++;
			if (!names(t + j + 1, e - j - 1, from))
				return 0;
			assigned = 1;
		}
	}
	return assigned;
}

/* Does the text of `line` of fn dereference `name`, or a local derived from it
 * (`*p` after `p = r->name`)? */
static int derefs_through(const struct function *fn, int line, const char *name)
{
	if (vg_line_derefs(fn->file, line, name))
		return 1;
	size_t len;
	const char *t = source_line(NULL, fn->file, line, &len);
	for (size_t i = 0; t && i < len; i++) {
		if (!ident_char(t[i]) || isdigit((unsigned char)t[i]) || (i && ident_char(t[i - 1])))
			continue;
		size_t e = i;
		while (e < len && ident_char(t[e]))
			e++;
		char *q = xstrndup(t + i, e - i);
		int hit = !str_eq(q, name) && vg_line_derefs(fn->file, line, q) &&
		          derived_from(fn, q, name);
		free(q);
		if (hit)
			return 1;
		i = e;
	}
	return 0;
}

/* Does `line` of fn go through value v: an event there, or (a local, whose accesses the
 * facts do not record when a call's result went to it) its text dereferences it? */
static int line_uses(const struct function *fn, int line, const char *v)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++)
			if (fn->blocks[b].events[i].line == line && uses(&fn->blocks[b].events[i], v))
				return 1;
	return local_name(v) && derefs_through(fn, line, local_name(v));
}

/* Walks fn from just after event (b, i) along its control flow, a path ending where v is
 * given a new value; 1 when an event reached uses v, or (*cycle) the walk comes back to
 * (b, i) itself. */
static int used_after(const struct function *fn, int b, int i, const char *v, int *cycle)
{
	char *seen = xcalloc((size_t)fn->nblocks, 1);
	int *todo = xcalloc((size_t)fn->nblocks + 1, sizeof *todo);
	int n = 0, used = 0, from = i + 1, blk = b;
	*cycle = 0;
	for (;;) {
		const struct block *bl = &fn->blocks[blk];
		int k = from, stop = 0;
		for (; k < bl->nevents && !stop && !used; k++) {
			*cycle |= blk == b && k == i;
			stop = redefines(&bl->events[k], v);
			used = !stop && uses(&bl->events[k], v);
		}
		for (int s = 0; !stop && !used && s < bl->nsuccs; s++) {
			int t = bl->succs[s];
			if (t >= 0 && t < fn->nblocks && !seen[t]) {
				seen[t] = 1;
				todo[n++] = t;
			}
		}
		if (used || !n)
			break;
		blk = todo[--n];
		from = 0;
	}
	free(seen);
	free(todo);
	return used;
}

/* Can `line` of fn run after the send (b, i) of v, v still the value sent: a use of v
 * reached from the send, a line below it going through v, or any such line when the send
 * can come back to itself with v unchanged (v sent again in a loop)? line 0: any use. */
static int touched_after_send(const struct function *fn, int b, int i, const char *v, int line)
{
	int cycle, send_line = fn->blocks[b].events[i].line;
	if (used_after(fn, b, i, v, &cycle))
		return 1;
	if (!local_name(v))
		return 0;
	for (int l = cycle ? fn->line : send_line + 1; l <= fn->end_line; l++)
		if ((!line || l == line) && l != send_line && derefs_through(fn, l, local_name(v)))
			return 1;
	return 0;
}

/* Is every send of fn clean (its block not touched after it)? With v, only sends of v,
 * and `line` must not be touched after one. */
static int sends_clean(struct facts_at *fc, const struct function *fn, const char *v, int line)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const char *fd, *sent = sent_value(fc, &fn->blocks[b].events[i], 0, &fd);
			if (sent && (!v || str_eq(sent, v)) && touched_after_send(fn, b, i, sent, line))
				return 0;
		}
	return 1;
}

struct receive_query {
	struct facts_at *fc;
	const char *local;
};

static int receives(const struct event *ev, const void *arg)
{
	const struct receive_query *q = arg;
	const char *fd;
	return str_eq(received_local(q->fc, ev, 0, &fd), q->local);
}

/* The later side: in a function of its stack, the line goes through a local received from
 * a descriptor before it on every path, and not sent on before it. The local (*at its frame,
 * *fd the descriptor's path), or NULL. */
static const char *after_receive(struct facts_at *fc, const struct location *side,
                                 const struct frame **at, const char **fd)
{
	for (int k = 0; k < side->nstack; k++) {
		const struct frame *fr = &side->stack[k];
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		for (int b = 0; fn && b < fn->nblocks; b++)
			for (int i = 0; i < fn->blocks[b].nevents; i++) {
				const char *local = received_local(fc, &fn->blocks[b].events[i], 0, fd);
				struct receive_query q = {fc, local};
				if (local && line_uses(fn, fr->line, local) &&
				    facts_ordered_after(fn, fr->line, receives, &q) &&
				    sends_clean(fc, fn, local, fr->line)) {
					*at = fr;
					return local;
				}
			}
	}
	return NULL;
}

/* Where `line` runs in fn: its first event, or when it has none (an access through a local
 * the facts do not follow), the first event of a later line. 0 when none. */
static int point_at(const struct function *fn, int line, int *pb, int *pi)
{
	if (facts_first_event_at(fn, line, pb, pi))
		return 1;
	const struct event *next = NULL;
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line > line && (!next || ev->line < next->line ||
			                        (ev->line == next->line && ev->pos < next->pos))) {
				next = ev;
				*pb = b;
				*pi = i;
			}
		}
	return next != NULL;
}

/* The earlier side: in a function of its stack, the line goes through a value the function
 * sends after it to descriptor `to` (the receiver's: by its path, the pipe or socket pair's
 * array; NULL: any), and the block is not touched after the send. The send's line, or 0. */
static int before_send(struct facts_at *fc, const struct location *side, const char *to)
{
	for (int k = 0; k < side->nstack; k++) {
		const struct frame *fr = &side->stack[k];
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		int ab, ai;
		if (!fn || !point_at(fn, fr->line, &ab, &ai))
			continue;
		for (int b = 0; b < fn->nblocks; b++)
			for (int i = 0; i < fn->blocks[b].nevents; i++) {
				const char *fd = NULL, *v = sent_value(fc, &fn->blocks[b].events[i], 0, &fd);
				if (v && (!to || str_eq(fd, to)) && line_uses(fn, fr->line, v) &&
				    ((ab == b && ai == i) || facts_reaches(fn, ab, ai, b, i)) &&
				    !touched_after_send(fn, b, i, v, 0))
					return fn->blocks[b].events[i].line;
			}
	}
	return 0;
}

/* Is every hand-over of the loaded units clean? */
static int all_sends_clean(struct facts_at *fc)
{
	for (int t = 0; t < fc->ntus; t++)
		for (int f = 0; f < fc->tus[t].nfuncs; f++)
			if (!sends_clean(fc, &fc->tus[t].funcs[f], NULL, 0))
				return 0;
	return 1;
}

char *vg_pipe_handover(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	for (int k = 0; k < n; k++) {
		const struct frame *at;
		const char *fd = NULL, *local = after_receive(fc, s[k], &at, &fd);
		if (!local)
			continue;
		/* sent to the receiver's descriptor, or along a chain of hand-overs (a relay's)
		 * all of which are clean */
		int sent = n == 2 && fd ? before_send(fc, s[1 - k], fd) : 0;
		if (n == 2 && !sent && (sent = before_send(fc, s[1 - k], NULL)) && !all_sends_clean(fc))
			sent = 0;
		if ((n == 2 && !sent) || (n == 1 && !all_sends_clean(fc)))
			continue;
		char *earlier = n == 2 ? xasprintf("accessed at %s:%d before its pointer is written "
		                                   "to a descriptor at line %d, and ", s[1 - k]->file,
		                                   s[1 - k]->line, sent)
		                       : xstrdup("no longer touched by any sender after it writes "
		                                 "the pointer to a descriptor, and ");
		char *reason = xasprintf("likely benign: the block's pointer was handed over through "
		                         "a pipe/socket: %saccessed at %s:%d through '%s', read from "
		                         "a descriptor before it: the write -> read orders them, "
		                         "which Valgrind does not model", earlier, at->file, at->line,
		                         local_name(local));
		free(earlier);
		return reason;
	}
	return NULL;
}
