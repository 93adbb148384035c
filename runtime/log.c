/* log.c — the per-process record file: opened once per process image (and again in a
 * fork child), appended to with one write() per record so that whatever was written
 * survives a crash, abort or _exit. No stdio: it locks and allocates.
 *
 * The file lives on a high descriptor that the program does not know about, so the
 * program may close it or reuse its number: before every write the descriptor is
 * checked (fstat: same device and inode as the file opened) and, when it is no longer
 * ours, the file is opened again from its absolute path. The runtime never writes to, or
 * closes, a descriptor that is not its log's. Everything here is async-signal-safe. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rt.h"
#include "sys.h"

static int log_fd = -1;
static uint64_t log_dev, log_ino;      /* the identity of the file log_fd was opened on */
static char log_dir[4096];             /* absolute: TSAFE_RT_OUT as the program started */
static char log_path[4096 + 64];
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
	ssize_t r = rt_sys_write(STDERR_FILENO, buf, (size_t)(p - buf));
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

/* The descriptor is ours while it still names the file we opened: a program may close
 * it (closefrom, a close loop) and reuse the number, or dup2 over it. */
static int is_ours(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_dev == RT_LOAD(&log_dev) &&
	       (uint64_t)st.st_ino == RT_LOAD(&log_ino);
}

/* Out of the way of programs that reuse low descriptors they did not open. */
static int moved_high(int fd)
{
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 800);
	if (high < 0)
		return fd;
	rt_sys_close(fd);
	return high;
}

static void remember(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0) {
		RT_STORE(&log_dev, (uint64_t)st.st_dev);
		RT_STORE(&log_ino, (uint64_t)st.st_ino);
	}
}

/* The program took the descriptor away: the same file again, on a descriptor of our own.
 * The old number is the program's now (or nobody's): it is never closed. Threads racing
 * here each open one; the first to publish wins, the others close their own. */
static int reopen(int old)
{
	int fd = rt_sys_open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	fd = moved_high(fd);
	remember(fd);
	if (__atomic_compare_exchange_n(&log_fd, &old, fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return fd;
	rt_sys_close(fd);
	return is_ours(old) ? old : -1;
}

/* The log's descriptor, checked to be ours before every use; -1 when there is none. */
static int checked_fd(void)
{
	int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
	if (fd < 0 || RT_LIKELY(is_ours(fd)))
		return fd;
	return reopen(fd);
}

void rt_log_write(const void *rec, size_t len)
{
	int saved = errno;
	int fd = checked_fd();
	const char *p = rec;
	while (fd >= 0 && len) {
		ssize_t w = rt_sys_write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	errno = saved;
}

void rt_write_limit(uint32_t what, uint32_t limit, uint64_t count)
{
	struct rt_limit l;
	memset(&l, 0, sizeof l);
	l.what = what;
	l.limit = limit;
	l.count = count;
	rt_log_write(&l, rt_rec_finish(&l, RT_LIMIT, sizeof l));
}

uint64_t rt_log_size(void)
{
	int saved = errno;
	int fd = checked_fd();
	off_t end = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	errno = saved;
	return end < 0 ? 0 : (uint64_t)end;
}

const char *rt_log_name(void)
{
	return log_name;
}

int rt_log_dir(const char *dir)
{
	char *p = log_dir, *end = log_dir + sizeof log_dir - 80;
	if (dir[0] != '/') {
		/* Relative to where the program started: a daemon's chdir("/") must not lose it. */
		if (!getcwd(log_dir, sizeof log_dir - 80))
			return -1;
		p = put_str(log_dir + strlen(log_dir), "/", end);
	}
	p = put_str(p, dir, end);
	if (p == end)
		return -1;
	*p = '\0';
	return 0;
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

int rt_log_open(uint32_t flags, const char *parent, uint64_t parent_offset)
{
	int saved = errno;
	char *end = log_path + sizeof log_path - 1;
	int old = __atomic_exchange_n(&log_fd, -1, __ATOMIC_ACQ_REL);
	if (is_ours(old))          /* a fork child's copy of the parent's: never the program's */
		rt_sys_close(old);
	int fd = -1;
	/* tsafe-rt.<pid>.<n>.log: n > 0 when an exec'd image reuses its predecessor's pid. */
	for (unsigned n = 0; n < 1000 && fd < 0; n++) {
		char *p = put_str(log_path, log_dir, end - 64);
		char *name = p;    /* the "/" before the file name */
		p = put_str(p, "/tsafe-rt.", end);
		p = put_uint(p, (unsigned long)getpid());
		*p++ = '.';
		p = put_uint(p, n);
		p = put_str(p, ".log", end);
		*p = '\0';
		fd = rt_sys_open(log_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
		if (fd >= 0) {
			size_t len = (size_t)(p - name - 1);
			memcpy(log_name, name + 1, len < sizeof log_name ? len + 1 : sizeof log_name);
			log_name[sizeof log_name - 1] = '\0';
		}
	}
	if (fd >= 0) {
		fd = moved_high(fd);
		remember(fd);
		__atomic_store_n(&log_fd, fd, __ATOMIC_RELEASE);
	}
	errno = saved;
	if (fd < 0)
		return -1;
	write_process(flags, parent, parent_offset);
	return 0;
}
