/* inputfile.c — outside files opened for reading only when they are regular files of a
 * plausible size (see inputfile.h). The file is opened without blocking, so that opening a
 * FIFO returns at once, and checked on the open descriptor, so a rename in between cannot
 * swap it. */
#include "inputfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a file";
}

static char *size_text(long long bytes)
{
	if (bytes >= 1LL << 30)
		return xasprintf("%.1f GB", (double)bytes / (1LL << 30));
	if (bytes >= 1LL << 20)
		return xasprintf("%.1f MB", (double)bytes / (1LL << 20));
	return xasprintf("%lld bytes", bytes);
}

/* Why a file with this status is refused, or NULL (errno set when refused). */
static char *refusal(const struct stat *st, long long max)
{
	if (!S_ISREG(st->st_mode)) {
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		return xasprintf("is %s, not a regular file", kind_of(st->st_mode));
	}
	if (max > 0 && (long long)st->st_size > max) {
		char *have = size_text((long long)st->st_size), *limit = size_text(max);
		char *why = xasprintf("is %s, more than such a file can be (at most %s)", have, limit);
		free(have);
		free(limit);
		errno = EFBIG;
		return why;
	}
	return NULL;
}

FILE *input_open(const char *path, long long max, char **why)
{
	*why = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		*why = xstrdup(strerror(saved));
		if (fd >= 0)
			close(fd);
		errno = saved;
		return NULL;
	}
	if ((*why = refusal(&st, max))) {
		int saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	FILE *fp = fdopen(fd, "rb");
	if (!fp) {
		int saved = errno;
		*why = xstrdup(strerror(saved));
		close(fd);
		errno = saved;
	}
	return fp;
}

FILE *fopen_regular(const char *path)
{
	char *why = NULL;
	FILE *f = input_open(path, 0, &why);
	free(why);
	return f;
}

int input_read(const char *path, long long max, struct strbuf *sb, char **why)
{
	FILE *fp = input_open(path, max, why);
	if (!fp)
		return -1;
	char buf[65536];
	size_t n;
	long long total = 0;
	while ((max <= 0 || total <= max) && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
		sb_addn(sb, buf, n);
		total += (long long)n;
	}
	int bad = ferror(fp), saved = errno;
	fclose(fp);
	if (bad) {
		*why = xstrdup(strerror(saved));
		errno = saved;
		return -1;
	}
	if (max > 0 && total > max) {
		*why = xasprintf("grew past %lld bytes while it was read", max);
		errno = EFBIG;
		return -1;
	}
	return 0;
}
