/* asleep.c — whether a thread the registry shows blocked is blocked: the kernel's view,
 * which a deadlock verdict needs for every thread it counts.
 *
 * The registry marks a wait from just before the thread's wait to just after it, so a
 * marked thread may be running: on its way in, already through (a lock wait that got the
 * lock and has not yet said so holds that lock, and the lock's owner field names the
 * waiter itself; a condition wait woken and not yet back), or in a signal handler inside
 * the wait. Counting such a thread as blocked ended a correct program as deadlocked
 * whenever it was held up there across two checks: prodcons under the untimed lock wait,
 * a thread that had just got the lock runnable but not running while the others slept in
 * condition waits ("every thread is blocked"). So each thread a verdict counts, but the
 * one checking, must be asleep in a futex wait (every wait the runtime marks sleeps there:
 * locks, joins, semaphores, barriers, conditions), or between two slices of a wait in
 * slices (its last slice timed out: it has not got what it waits for, and waits again).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "sys.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

/* The first line of /proc/self/task/TID/<leaf> into buf; its length, or -1. */
static int task_file(pid_t tid, const char *leaf, char *buf, size_t size)
{
	char path[64] = "/proc/self/task/", digits[16];
	int n = 0;
	do
		digits[n++] = (char)('0' + tid % 10);
	while ((tid /= 10) > 0);
	size_t len = strlen(path);
	while (n > 0)
		path[len++] = digits[--n];
	path[len++] = '/';
	memcpy(path + len, leaf, strlen(leaf) + 1);
	int saved = errno;
	int fd = rt_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	ssize_t got = fd < 0 ? -1 : rt_sys_read(fd, buf, size - 1);
	if (fd >= 0)
		rt_sys_close(fd);
	errno = saved;
	if (got < 0)
		return -1;
	buf[got] = '\0';
	return (int)got;
}

/* State S in stat (after the command name, which may hold anything): runnable, in disk
 * wait or stopped, the thread may still move. -1 when there is no /proc to ask. */
static int task_sleeps(pid_t tid)
{
	char stat[512];
	if (task_file(tid, "stat", stat, sizeof stat) <= 0)
		return -1;
	const char *end = strrchr(stat, ')');
	return end && end[1] == ' ' && end[2] == 'S';
}

/* Asleep in futex or futex_waitv, as /proc/self/task/TID/syscall says ("running" while it
 * runs). A kernel without that file: the state alone. */
static int task_in_futex(pid_t tid)
{
	char call[128];
	if (task_file(tid, "syscall", call, sizeof call) <= 0)
		return 1;
	if (call[0] < '0' || call[0] > '9')
		return 0;
	long nr = strtol(call, NULL, 10);
	return nr == SYS_futex || nr == SYS_futex_waitv;
}

int rt_confirmed_blocked(const struct rt_thread *o, const struct rt_thread *self)
{
	if (o == self || RT_LOAD(&o->slice_gap))
		return 1;
	pid_t tid = RT_LOAD(&o->tid);
	if (tid <= 0)
		return 0;
	int sleeps = task_sleeps(tid);
	if (sleeps < 0)
		return 1;        /* no /proc (a bare container): the registry's word, as before */
	return sleeps && task_in_futex(tid);
}
