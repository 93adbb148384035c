/* frame.c — length-prefixed records of NUL-terminated strings over pipes (see frame.h).
 * Both ends are ours and run the same build, so the length is in host byte order. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "util.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 1 when n bytes were read, 0 at end of file before the first, -1 otherwise. */
static int read_all(int fd, char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

int frame_write(int fd, const char *const *strs, int n)
{
	struct strbuf sb;
	sb_init(&sb);
	uint32_t len = 0;
	sb_addn(&sb, (const char *)&len, sizeof len);
	for (int i = 0; i < n; i++)
		sb_addn(&sb, strs[i] ? strs[i] : "", strlen(strs[i] ? strs[i] : "") + 1);
	len = (uint32_t)(sb.len - sizeof len);
	memcpy(sb.buf, &len, sizeof len);
	int rc = write_all(fd, sb.buf, sb.len);
	sb_free(&sb);
	return rc;
}

int frame_read(int fd, char ***strs, int *n)
{
	*strs = NULL;
	*n = 0;
	uint32_t len;
	int rc = read_all(fd, (char *)&len, sizeof len);
	if (rc <= 0)
		return rc;
	if (len > (1u << 30))
		return -1;
	char *buf = xmalloc((size_t)len + 1);
	if (read_all(fd, buf, len) != 1 || (len && buf[len - 1] != '\0')) {
		free(buf);
		return -1;
	}
	int count = 0;
	for (uint32_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	char **v = xcalloc((size_t)count + 1, sizeof *v);
	for (uint32_t i = 0, k = 0; i < len; k++) {
		v[k] = xstrdup(buf + i);
		i += (uint32_t)strlen(buf + i) + 1;
	}
	free(buf);
	*strs = v;
	*n = count;
	return 1;
}

void frame_free(char **strs, int n)
{
	for (int i = 0; i < n; i++)
		free(strs[i]);
	free(strs);
}
