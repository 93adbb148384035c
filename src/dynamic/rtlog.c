/* rtlog.c — reading one runtime log into memory and walking its records. A log cut short
 * by a crash ends in a partial record: everything before it is kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inputfile.h"
#include "common/util.h"
#include "internal.h"

/* The smallest size each record type can have. */
static size_t min_size(uint32_t type)
{
	switch (type) {
	case RT_PROCESS: return sizeof(struct rt_process);
	case RT_MODULE: return sizeof(struct rt_module);
	case RT_STACK: return sizeof(struct rt_stack);
	case RT_CLASS: return sizeof(struct rt_class);
	case RT_EDGE: return sizeof(struct rt_edge);
	case RT_EDGE_UPDATE: return sizeof(struct rt_edge_update);
	case RT_THREAD: return sizeof(struct rt_thread_rec);
	case RT_JOIN:
	case RT_DETACH:
	case RT_THREAD_END: return sizeof(struct rt_join);
	case RT_MISUSE: return sizeof(struct rt_misuse);
	case RT_DEADLOCK: return sizeof(struct rt_deadlock);
	case RT_EXIT: return sizeof(struct rt_exit);
	case RT_LIMIT: return sizeof(struct rt_limit);
	case RT_WATCH_STATE: return sizeof(struct rt_watch_state);
	case RT_WATCH_HIT: return sizeof(struct rt_watch_hit);
	case RT_WATCH_END: return sizeof(struct rt_watch_end);
	default: return sizeof(struct rt_rec);
	}
}

/* Variable parts fit in the record. */
static int well_formed(const struct rt_rec *r)
{
	if (r->len < min_size(r->type))
		return 0;
	if (r->type == RT_STACK) {
		const struct rt_stack *s = (const void *)r;
		return s->n <= RT_MAX_FRAMES && sizeof *s + s->n * sizeof(uint64_t) <= r->len;
	}
	if (r->type == RT_DEADLOCK) {
		const struct rt_deadlock *d = (const void *)r;
		return d->n <= 64 && sizeof *d + d->n * sizeof d->t[0] <= r->len;
	}
	if (r->type == RT_WATCH_END) {
		const struct rt_watch_end *e = (const void *)r;
		return e->n <= 1024 && sizeof *e + e->n * sizeof e->t[0] <= r->len;
	}
	if (r->type == RT_MODULE || r->type == RT_PROCESS)   /* strings, ending inside */
		return r->len > min_size(r->type) && ((const char *)r)[r->len - 1] == '\0';
	return 1;
}

const struct rt_rec *rtlog_next(const struct rt_file *f, const struct rt_rec *prev, size_t limit)
{
	size_t end = limit && limit < f->size ? limit : f->size;
	size_t off = prev ? (size_t)((const unsigned char *)prev - f->data) + prev->len : 0;
	while (off + sizeof(struct rt_rec) <= end) {
		const struct rt_rec *r = (const void *)(f->data + off);
		if (off + r->len > end)
			return NULL;
		if (well_formed(r))
			return r;
		off += r->len;       /* a record this reader does not understand: skip it */
	}
	return NULL;
}

/* Keeps whole records only; notes a cut-off tail. */
static void trim(struct rt_file *f)
{
	size_t off = 0;
	while (off + sizeof(struct rt_rec) <= f->size) {
		const struct rt_rec *r = (const void *)(f->data + off);
		if (r->len < sizeof *r || r->len % 8 || off + r->len > f->size)
			break;
		off += r->len;
	}
	f->truncated = off != f->size;
	f->size = off;
}

int rtlog_read(const char *path, struct rt_file *f, char **err)
{
	memset(f, 0, sizeof *f);
	struct strbuf sb;
	sb_init(&sb);
	char *why = NULL;
	if (input_read(path, 0, &sb, &why)) {
		int refused = input_refused();
		*err = refused ? xasprintf("runtime log '%s' %s: tsafe reads only the logs the runtime "
		                           "writes (remove it)", path, why)
		               : xasprintf("cannot read runtime log '%s': %s", path, why);
		free(why);
		sb_free(&sb);
		return refused ? -2 : -1;
	}
	f->size = sb.len;
	f->data = (unsigned char *)sb_detach(&sb);
	trim(f);
	const struct rt_rec *r = rtlog_next(f, NULL, 0);
	const struct rt_process *p = (const void *)r;
	if (!r || r->type != RT_PROCESS || p->magic != RT_MAGIC || p->version != RT_VERSION) {
		*err = xasprintf("'%s' is not a runtime log of this tsafe version (left out)", path);
		rtlog_free(f);
		return -1;
	}
	f->proc = p;
	f->exe = p->strings;
	f->parent = p->strings + strlen(p->strings) + 1;
	if ((const char *)f->parent >= (const char *)p + p->h.len)
		f->parent = "";
	f->path = xstrdup(path);
	const char *slash = strrchr(path, '/');
	f->name = xstrdup(slash ? slash + 1 : path);
	return 0;
}

void rtlog_free(struct rt_file *f)
{
	free(f->path);
	free(f->name);
	free(f->data);
	memset(f, 0, sizeof *f);
}
