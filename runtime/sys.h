/* sys.h — the system calls the runtime makes for itself, made so that none is a
 * cancellation point. glibc's write, read, open and close are: with a pthread_cancel
 * pending, one of them inside a wrapper would unwind the program's thread from inside the
 * runtime, its cleanup handlers then running with the runtime's guard still set, so that
 * their unlocks go unseen (a false lock-leak) and the program's lock is taken or not
 * depending on where the runtime was. */
#ifndef TSAFE_RT_SYS_H
#define TSAFE_RT_SYS_H

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline ssize_t rt_sys_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

static inline ssize_t rt_sys_read(int fd, void *buf, size_t n)
{
	return syscall(SYS_read, fd, buf, n);
}

static inline int rt_sys_open(const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static inline int rt_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

#endif
