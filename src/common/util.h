/* util.h — allocation that cannot fail silently, and small string helpers used everywhere. */
#ifndef TSAFE_UTIL_H
#define TSAFE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);          /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The path of `name` in the directory of this process's executable (tsafe and tsafe-extract
 * live side by side, in the build tree and once installed), new string; NULL when the
 * executable's path cannot be read. */
char *exe_sibling(const char *name);

/* Grow *arr (of *cap elements of `size` bytes) so that index `need` fits. */
void grow_array(void **arr, int *cap, int need, size_t size);
/* Appends one zeroed element to an array that keeps no capacity: it grows to the next power
 * of two, so the capacity follows from the count. Returns the (possibly moved) array. */
void *append_zeroed(void *arr, int *count, size_t size);

/* Inline: the analysis compares paths millions of times, mostly against short constants. */
static inline int str_eq(const char *a, const char *b)       /* NULL-safe equality */
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static inline int str_starts(const char *s, const char *prefix)
{
	if (!s)
		return 0;
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* A growable string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_addc(struct strbuf *sb, char c);
void sb_addint(struct strbuf *sb, long v);   /* decimal, without printf's cost */
char *sb_detach(struct strbuf *sb);
/* The words joined with single spaces (new string). */
char *join_words(char *const *w, int n);
/* fopen(path, "rb") of a regular file only: NULL with errno EISDIR for a directory, EINVAL
 * for a FIFO, device or socket (whose reading could block or never end). In inputfile.c,
 * with input_open, which also says why. */
FILE *fopen_regular(const char *path);
/* Appends everything left in the stream. -1 on a read error (errno set), else 0. */
int sb_read_stream(struct strbuf *sb, FILE *f);   /* returns the string ("" if empty); sb is reset */
void sb_free(struct strbuf *sb);

#endif
