/* log.c — the per-process record file: opened once per process image (and again in a
 * fork child), appended to with one write() per record so that whatever was written
 * survives a crash, abort or _exit. No stdio: it locks and allocates. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "rt.h"

static int log_fd = -1;
static char log_name[64];

/* Appends the decimal digits of v. */
static char *put_uint(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s, const char *end)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

void rt_say(const char *msg)
{
	char buf[512];
	char *p = put_str(buf, "tsafe-rt: ", buf + sizeof buf - 1);
	p = put_str(p, msg, buf + sizeof buf - 1);
	*p++ = '\n';
	int saved = errno;
	ssize_t r = write(STDERR_FILENO, buf, (size_t)(p - buf));
	(void)r;
	errno = saved;
}

size_t rt_rec_finish(void *rec, uint32_t type, size_t len)
{
	size_t padded = (len + 7) & ~(size_t)7;
	memset((char *)rec + len, 0, padded - len);
	struct rt_rec *h = rec;
	h->type = type;
	h->len = (uint32_t)padded;
	return padded;
}

void rt_log_write(const void *rec, size_t len)
{
	if (log_fd < 0)
		return;
	int saved = errno;
	const char *p = rec;
	while (len) {
		ssize_t w = write(log_fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	errno = saved;
}

uint64_t rt_log_size(void)
{
	int saved = errno;
	off_t end = log_fd < 0 ? 0 : lseek(log_fd, 0, SEEK_END);
	errno = saved;
	return end < 0 ? 0 : (uint64_t)end;
}

const char *rt_log_name(void)
{
	return log_name;
}

static void write_process(uint32_t flags, const char *parent, uint64_t parent_offset)
{
	char buf[RT_REC_MAX];
	struct rt_process *r = (struct rt_process *)buf;
	memset(r, 0, sizeof *r);
	r->magic = RT_MAGIC;
	r->version = RT_VERSION;
	r->pid = getpid();
	r->ppid = getppid();
	r->flags = flags;
	r->parent_offset = parent_offset;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	r->start_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	char *s = r->strings, *end = buf + sizeof buf - 2;
	ssize_t n = readlink("/proc/self/exe", s, (size_t)(end - s - 80));
	s += n > 0 ? n : 0;
	*s++ = '\0';
	if (parent)
		s = put_str(s, parent, end);
	*s++ = '\0';
	rt_log_write(buf, rt_rec_finish(buf, RT_PROCESS, (size_t)(s - buf)));
}

int rt_log_open(const char *dir, uint32_t flags, const char *parent, uint64_t parent_offset)
{
	int saved = errno;
	char path[4096];
	char *end = path + sizeof path - 1;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	/* tsafe-rt.<pid>.<n>.log: n > 0 when an exec'd image reuses its predecessor's pid. */
	for (unsigned n = 0; n < 1000 && log_fd < 0; n++) {
		char *p = put_str(path, dir, end - 64);
		char *name = p = put_str(p, "/tsafe-rt.", end);
		p = put_uint(p, (unsigned long)getpid());
		*p++ = '.';
		p = put_uint(p, n);
		p = put_str(p, ".log", end);
		*p = '\0';
		log_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0 && errno != EEXIST)
			break;
		if (log_fd >= 0) {
			size_t len = (size_t)(p - name - 1);
			memcpy(log_name, name + 1, len < sizeof log_name ? len + 1 : sizeof log_name);
			log_name[sizeof log_name - 1] = '\0';
		}
	}
	if (log_fd >= 0) {
		/* Out of the way of programs that reuse low descriptors they did not open. */
		int high = fcntl(log_fd, F_DUPFD_CLOEXEC, 800);
		if (high >= 0) {
			close(log_fd);
			log_fd = high;
		}
	}
	errno = saved;
	if (log_fd < 0)
		return -1;
	write_process(flags, parent, parent_offset);
	return 0;
}
