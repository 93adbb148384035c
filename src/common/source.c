/* source.c — a small cache of source files split into lines. A file changed on disk since
 * it was cached (size or mtime) is read again. */
#include "source.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct cached {
	char *path;
	char *text;
	size_t *starts;          /* offset of each line */
	int nlines;
	off_t size;
	struct timespec mtime;
	struct cached *next;
};

static struct cached *files;
static struct cached *retired;       /* changed on disk: still owned until the cache is cleared */
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;

static void drop(struct cached *c)
{
	free(c->path);
	free(c->text);
	free(c->starts);
	free(c);
}

static struct cached *load(const char *path, const struct stat *st)
{
	FILE *f = fopen_regular(path);
	if (!f)
		return NULL;
	struct cached *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->size = st->st_size;
	c->mtime = st->st_mtim;
	c->text = xmalloc((size_t)st->st_size + 1);
	size_t n = fread(c->text, 1, (size_t)st->st_size, f);
	fclose(f);
	c->text[n] = '\0';
	int cap = 0;
	for (size_t off = 0; off < n;) {
		grow_array((void **)&c->starts, &cap, c->nlines, sizeof *c->starts);
		c->starts[c->nlines++] = off;
		char *nl = memchr(c->text + off, '\n', n - off);
		if (!nl)
			break;
		off = (size_t)(nl - c->text) + 1;
	}
	/* Lines end at '\n': terminate each in place so callers get plain strings. */
	for (size_t i = 0; i < n; i++)
		if (c->text[i] == '\n')
			c->text[i] = '\0';
	return c;
}

static struct cached *lookup(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	struct cached **pp = &files;
	for (; *pp; pp = &(*pp)->next) {
		struct cached *c = *pp;
		if (strcmp(c->path, path) != 0)
			continue;
		if (c->size == st.st_size && c->mtime.tv_sec == st.st_mtim.tv_sec &&
		    c->mtime.tv_nsec == st.st_mtim.tv_nsec)
			return c;
		*pp = c->next;      /* stale: callers may still hold its lines */
		c->next = retired;
		retired = c;
		break;
	}
	struct cached *c = load(path, &st);
	if (c) {
		c->next = files;
		files = c;
	}
	return c;
}

const char *source_line(const char *root, const char *path, int line, size_t *len)
{
	if (!path || line < 1)
		return NULL;
	char *full = path[0] == '/' || !root ? xstrdup(path) : xasprintf("%s/%s", root, path);
	pthread_mutex_lock(&files_lock);
	struct cached *c = lookup(full);
	const char *text = NULL;
	if (c && line <= c->nlines) {
		text = c->text + c->starts[line - 1];
		*len = strlen(text);
		if (*len && text[*len - 1] == '\r')
			(*len)--;
	}
	pthread_mutex_unlock(&files_lock);
	free(full);
	return text;
}

void source_cache_clear(void)
{
	pthread_mutex_lock(&files_lock);
	for (struct cached **list = &files; list; list = list == &files ? &retired : NULL)
		while (*list) {
			struct cached *c = *list;
			*list = c->next;
			drop(c);
		}
	pthread_mutex_unlock(&files_lock);
}

char *source_inside_root(const char *root, const char *path, int *outside)
{
	*outside = 0;
	if (!path || !*path)
		return NULL;
	root = root ? root : ".";
	char *full = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", root, path);
	char *real = realpath(full, NULL);
	char *real_root = realpath(root, NULL);
	free(full);
	struct stat st;
	int inside = real && real_root && stat(real, &st) == 0 && S_ISREG(st.st_mode);
	if (inside && strcmp(real_root, "/") != 0) {
		size_t n = strlen(real_root);
		inside = !strncmp(real, real_root, n) && real[n] == '/';
	}
	free(real_root);
	if (!inside) {
		*outside = real != NULL;
		free(real);
		return NULL;
	}
	return real;
}
