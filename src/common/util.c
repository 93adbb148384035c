/* util.c — allocation wrappers and the growable string. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void out_of_memory(void)
{
	static const char msg[] = "tsafe: out of memory\n";
	fwrite(msg, 1, sizeof msg - 1, stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void grow_array(void **arr, int *cap, int need, size_t size)
{
	if (need < *cap)
		return;
	int ncap = *cap ? *cap * 2 : 8;
	while (ncap <= need)
		ncap *= 2;
	*arr = xrealloc(*arr, (size_t)ncap * size);
	memset((char *)*arr + (size_t)*cap * size, 0, (size_t)(ncap - *cap) * size);
	*cap = ncap;
}

void *append_zeroed(void *arr, int *count, size_t size)
{
	int n = *count;
	if (n == 0 || (n & (n - 1)) == 0)
		arr = xrealloc(arr, (size_t)(n ? n * 2 : 1) * size);
	memset((char *)arr + (size_t)n * size, 0, size);
	(*count)++;
	return arr;
}

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static void sb_reserve(struct strbuf *sb, size_t more)
{
	if (sb->len + more + 1 <= sb->cap)
		return;
	size_t ncap = sb->cap ? sb->cap * 2 : 64;
	while (ncap < sb->len + more + 1)
		ncap *= 2;
	sb->buf = xrealloc(sb->buf, ncap);
	sb->cap = ncap;
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void sb_addint(struct strbuf *sb, long v)
{
	char buf[24], *p = buf + sizeof buf;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	sb_addn(sb, p, (size_t)(buf + sizeof buf - p));
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *sb_detach(struct strbuf *sb)
{
	/* Detached strings are often kept by the thousand (analysis records): no slack. */
	if (sb->buf && sb->cap > sb->len + 1 + 16)
		sb->buf = xrealloc(sb->buf, sb->len + 1);
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb_init(sb);
	return s;
}

char *join_words(char *const *w, int n)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < n; i++) {
		if (i)
			sb_addc(&sb, ' ');
		sb_add(&sb, w[i]);
	}
	return sb_detach(&sb);
}

int sb_read_stream(struct strbuf *sb, FILE *f)
{
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_addn(sb, buf, n);
	return ferror(f) ? -1 : 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

char *exe_sibling(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	return xasprintf("%s/%s", slash ? self : ".", name);
}
