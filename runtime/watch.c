/* watch.c — hardware watchpoints on the race candidates, per thread.
 *
 * Every thread opens its own perf_event_open(PERF_TYPE_BREAKPOINT) events in sigtrap
 * mode: a watched access traps in the accessing thread itself, whose handler can read
 * its own state (held locks, vector clock). Inherited events would take the child's
 * registers and have no descriptor to rotate, so each thread opens its own at start and
 * closes them when it ends. The debug registers hold one group of targets at a time;
 * every thread arms the group of the current slice (wall time), so that two threads
 * watch the same addresses at once. A per-thread task-clock event, also in sigtrap mode,
 * ticks every RT_WATCH_TICK_NS of the thread's CPU time: it moves the thread to the
 * current group and re-enables the slots that fired, each slot being disabled after a
 * write or a second trap (a trap costs about 18 µs: this bounds the cost whatever the
 * program does; a read-modify-write compiled as a load and a store traps twice, and the
 * store is what matters).
 *
 * A target whose reads matter takes two registers: a read/write watch that traps, and a
 * write-only counter that tells whether the access wrote. A target both of whose static
 * accesses write takes one write watch.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "sys.h"
#include "watch.h"

#define RT_WATCH_TICK_NS 10000000ull      /* re-arm every 10 ms of a thread's CPU time */
#define RT_WATCH_SLICE_MS 50              /* a group stays armed this long (wall) */
#define RT_WATCH_STACKS 64                /* hits per target recorded with a stack */
#define RT_WATCH_FD_FLOOR 600             /* our descriptors live above the program's */
#define RT_WATCH_WAKES 256                /* wake-ups that end a budget period */
/* Threads watching at once: each holds up to five descriptors and a timer, which a program
 * with thousands of threads must not lose to the runtime (its descriptor limit, the
 * user's queued-signal limit that timers count against). Later threads watch nothing. */
#define RT_WATCH_MAX_WATCHING 64
#define TICK_MAGIC 0x74736166             /* "tsaf": the tick timer's sival_int */
#ifndef TRAP_PERF
#define TRAP_PERF 6
#endif

int rt_watch_on;
static int watching_threads;
static uint64_t start_ns, slice_ns;

struct wslot {
	int fd, wfd;            /* the trapping watch; the write counter (-1 when W only) */
	uint64_t id, wid;       /* their events' ids: the descriptors are still ours */
	int target;             /* index in rt_watch_targets */
	uint64_t addr;          /* the address armed (a heap word moves with its blocks) */
	int disabled;           /* spent: off until the next tick */
	int traps;              /* since the last tick */
	uint64_t writes;        /* the counter's value at the last trap */
};

struct wthread {
	int open;
	int tick_timer;         /* the POSIX CPU-time timer of the tick, -1 none */
	int group;              /* armed, -1 none */
	int busy;               /* arming outside the handler: a tick now leaves it alone */
	int refreshed;          /* re-armed for a moved heap word since the last tick */
	int heap_words;         /* the armed group holds heap words */
	uint32_t heap_gen;      /* rt_watch_heap_gen when armed */
	struct rt_watch_budget budget;   /* resting when it switches often */
	uint32_t wakes;         /* wake-ups from blocking waits since the period began */
	int nslots;
	struct wslot slot[RT_WATCH_REGS];
};
static RT_TLS __thread struct wthread wt;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int perf_open(struct perf_event_attr *a)
{
	int fd = (int)syscall(SYS_perf_event_open, a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -1;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, RT_WATCH_FD_FLOOR);
	if (high >= 0) {
		rt_sys_close(fd);
		fd = high;
	}
	return fd;
}

static void attr_base(struct perf_event_attr *a)
{
	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->exclude_kernel = 1;
	a->exclude_hv = 1;
}

/* A watch on len bytes at addr: trapping (cookie) or only counting writes. */
static int open_watch(uint64_t addr, int len, int type, uint64_t cookie)
{
	struct perf_event_attr a;
	attr_base(&a);
	a.type = PERF_TYPE_BREAKPOINT;
	a.bp_type = (uint32_t)type;
	a.bp_addr = addr;
	a.bp_len = (uint64_t)len;
	if (cookie) {
		a.sample_period = 1;
		a.sigtrap = 1;
		a.remove_on_exec = 1;
		a.sig_data = cookie;
	}
	return perf_open(&a);
}

/* The tick: a POSIX timer on the thread's CPU time (user and system), signalling this
 * thread with SIGTRAP. Not a perf task-clock event: that one's timer is stopped and
 * restarted at every context switch (about 2 us each in a VM, doubling the time of a
 * thread that switches 300,000 times a second) and counts only user time when the kernel
 * is excluded; a CPU-time timer is checked at the scheduler's tick, and costs nothing at a
 * switch. Raw system calls: glibc's timer_create may allocate. -1 when refused. */
static int open_tick(void)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGTRAP;
	ev.sigev_value.sival_int = TICK_MAGIC;
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	int id = -1;
	if (syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &ev, &id) != 0)
		return -1;
	struct itimerspec its = {{0, RT_WATCH_TICK_NS}, {0, RT_WATCH_TICK_NS}};
	if (syscall(SYS_timer_settime, id, 0, &its, NULL) != 0) {
		syscall(SYS_timer_delete, id);
		return -1;
	}
	return id;
}

static int is_tick(const siginfo_t *si)
{
	return si->si_code == SI_TIMER && si->si_value.sival_int == TICK_MAGIC && wt.open &&
	       wt.tick_timer >= 0 && si->si_timerid == wt.tick_timer;
}

static uint64_t event_id(int fd)
{
	uint64_t id = 0;
	if (fd >= 0 && ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0)
		id = 0;
	return id;
}

/* Whether fd still holds our event: a program may close descriptors it did not open
 * (closefrom) and reuse the number for its own file, which we must then never read,
 * switch or close. Asking a non-perf descriptor for its event id changes nothing. */
static int ours(int fd, uint64_t id)
{
	return fd >= 0 && id && event_id(fd) == id;
}

static void close_ours(int fd, uint64_t id)
{
	if (ours(fd, id))
		rt_sys_close(fd);
}

static uint64_t read_count(int fd, uint64_t id)
{
	uint64_t v = 0;
	if (!ours(fd, id) || rt_sys_read(fd, &v, sizeof v) != (ssize_t)sizeof v)
		return 0;
	return v;
}

static void switch_event(int fd, uint64_t id, unsigned long request)
{
	if (ours(fd, id))
		ioctl(fd, request, 0);
}

static void disarm(void)
{
	for (int i = 0; i < wt.nslots; i++) {
		close_ours(wt.slot[i].fd, wt.slot[i].id);
		close_ours(wt.slot[i].wfd, wt.slot[i].wid);
	}
	wt.nslots = 0;
	wt.group = -1;
}

/* The registers the armed slots take. */
static int armed_regs(void)
{
	int n = 0;
	for (int i = 0; i < wt.nslots; i++)
		n += wt.slot[i].wfd >= 0 ? 2 : 1;
	return n;
}

/* Every slot spent by a trap on again. */
static void enable_slots(void)
{
	for (int i = 0; i < wt.nslots; i++) {
		struct wslot *s = &wt.slot[i];
		s->traps = 0;
		if (s->disabled && ours(s->fd, s->id) && ioctl(s->fd, PERF_EVENT_IOC_ENABLE, 0) == 0) {
			s->disabled = 0;
			switch_event(s->wfd, s->wid, PERF_EVENT_IOC_ENABLE);
		}
	}
}

static void arm(int g)
{
	disarm();
	if (!wt.budget.armed)
		return;                /* resting: no event open, so a switch costs nothing */
	wt.heap_gen = __atomic_load_n(&rt_watch_heap_gen, __ATOMIC_ACQUIRE);
	wt.heap_words = 0;
	for (int i = rt_watch_group_first[g]; i < rt_watch_group_first[g + 1]; i++) {
		const struct rt_watch_target *t = &rt_watch_targets[i];
		struct wslot *s = &wt.slot[wt.nslots];
		uint64_t addr = __atomic_load_n(&t->addr, __ATOMIC_ACQUIRE);
		int len = t->len;
		wt.heap_words |= t->site >= 0;
		if (t->site >= 0) {
			len = rt_watch_packed_len(addr);
			addr = rt_watch_packed_addr(addr);
		}
		/* One slot per word: two watches on one word trap together, and the second
		 * SIGTRAP is merged into the first, leaving that slot's write count stale (its
		 * next read would pass for a write). */
		int taken = !addr;
		for (int k = 0; k < wt.nslots && !taken; k++)
			taken = wt.slot[k].addr == addr;
		if (taken)
			continue;
		s->fd = open_watch(addr, len, t->rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W,
		                   (uint64_t)wt.nslots + 1);
		if (s->fd < 0)
			break;         /* registers taken (a debugger): this group is partly watched */
		s->wfd = t->rw ? open_watch(addr, len, HW_BREAKPOINT_W, 0) : -1;
		s->id = event_id(s->fd);
		s->wid = event_id(s->wfd);
		s->target = i;
		s->addr = addr;
		s->disabled = 0;
		s->traps = 0;
		s->writes = read_count(s->wfd, s->wid);
		wt.nslots++;
	}
	wt.group = g;
}

static int current_group(void)
{
	if (rt_watch_ngroups <= 1)
		return 0;
	return (int)(((now_ns() - start_ns) / slice_ns) % (uint64_t)rt_watch_ngroups);
}

static void close_all(void)
{
	disarm();
	if (wt.tick_timer >= 0)
		syscall(SYS_timer_delete, wt.tick_timer);
	wt.tick_timer = -1;
	if (wt.open)
		__atomic_sub_fetch(&watching_threads, 1, __ATOMIC_RELAXED);
	wt.open = 0;
}

/* Whether a heap word of the armed group moved since it was armed. */
static int heap_moved(void)
{
	return wt.heap_words && wt.heap_gen != __atomic_load_n(&rt_watch_heap_gen, __ATOMIC_ACQUIRE);
}

/* The tick: the current group armed, every slot enabled again, unless the thread rests
 * this period (watch_budget.c). */
static void tick(void)
{
	if (wt.busy)
		return;            /* arming outside the handler: the next tick comes soon */
	wt.refreshed = 0;
	wt.wakes = 0;
	int armed = rt_watch_budget_tick(&wt.budget, armed_regs());
	int g = current_group();
	if (!armed)
		disarm();
	else if (g != wt.group || heap_moved())
		arm(g);
	else
		enable_slots();
}

/* The held locks: addresses, bit 0 set for a read hold. */
static uint32_t held_locks(const struct rt_thread *self, uint64_t *out)
{
	uint32_t n = 0;
	int nheld = self ? RT_LOAD(&self->nheld) : 0;
	for (int i = 0; i < nheld && n < RT_WATCH_LOCKS; i++) {
		const struct rt_held *h = &self->held[i];
		if (h->flags & (HF_WAITING | HF_GONE))
			continue;
		out[n++] = (uint64_t)(uintptr_t)h->lock | (h->flags & HF_SHARED ? RTWH_SHARED_LOCK : 0);
	}
	return n;
}

/* Records the hit; whether it wrote. */
static int record_hit(struct wslot *s, uint64_t pc)
{
	struct rt_watch_target *t = &rt_watch_targets[s->target];
	__atomic_add_fetch(&t->hits, 1, __ATOMIC_RELAXED);
	struct rt_watch_hit h;
	memset(&h, 0, sizeof h);
	if (!t->rw) {
		h.flags = RTWH_WRITE;
	} else {
		uint64_t w = read_count(s->wfd, s->wid);
		h.flags = w != s->writes ? RTWH_WRITE : RTWH_READ;
		s->writes = w;
	}
	if (rt_tls.guard)
		return 0;          /* the runtime's own code touched it */
	struct rt_thread *self = rt_tls.self;
	h.target = t->id;
	h.thread = self ? self->seq : 0;
	h.addr = s->addr;
	h.pc = pc;
	h.nlocks = held_locks(self, h.locks);
	if (self) {
		rt_vc_access(self);
		const struct rt_vc *vc = rt_vc_of(self);
		h.epoch = vc->epoch;
		memcpy(h.vc, vc->c, sizeof h.vc);
		memcpy(h.lvc, vc->cl, sizeof h.lvc);
	}
	if (__atomic_fetch_add(&t->stacks, 1, __ATOMIC_RELAXED) < RT_WATCH_STACKS) {
		rt_tls.guard = 1;
		h.stack = rt_stack_id();
		rt_stack_write_from(h.stack, pc);
		rt_tls.guard = 0;
	}
	rt_log_write(&h, rt_rec_finish(&h, RT_WATCH_HIT, sizeof h));
	return h.flags & RTWH_WRITE;
}

void rt_watch_trap(int sig, siginfo_t *si, void *uc)
{
	/* glibc 2.36 names no field for the cookie: it follows si_addr (offset 24). */
	uint64_t cookie;
	memcpy(&cookie, (const char *)si + 24, sizeof cookie);
	int ticked = is_tick(si);
	if (!ticked && (si->si_code != TRAP_PERF || !wt.open || cookie < 1 || cookie > RT_WATCH_REGS)) {
		rt_watch_program_action(sig, si, uc);
		return;
	}
	int saved = errno;
	if (!__atomic_load_n(&rt_watch_on, __ATOMIC_ACQUIRE)) {
		if (!wt.busy)
			close_all();
	} else if (ticked) {
		tick();
	} else if (cookie >= 1 && cookie <= (uint64_t)wt.nslots) {
		struct wslot *s = &wt.slot[cookie - 1];
		if (!s->disabled) {
			const ucontext_t *u = uc;
			int wrote = record_hit(s, (uint64_t)u->uc_mcontext.gregs[REG_RIP]);
			if (wrote || ++s->traps >= 2) {
				/* the write counter traps too: both rest until the tick */
				switch_event(s->fd, s->id, PERF_EVENT_IOC_DISABLE);
				switch_event(s->wfd, s->wid, PERF_EVENT_IOC_DISABLE);
				s->disabled = 1;
			}
		}
	}
	errno = saved;
}

void rt_watch_refresh(void)
{
	if (!wt.open || wt.busy || wt.refreshed || !wt.budget.armed || !heap_moved())
		return;
	int saved = errno;
	wt.busy = 1;
	wt.refreshed = 1;
	arm(wt.group >= 0 ? wt.group : current_group());
	wt.busy = 0;
	errno = saved;
}

void rt_watch_woke(void)
{
	if (!wt.open || wt.busy || ++wt.wakes < RT_WATCH_WAKES)
		return;
	int saved = errno;
	wt.busy = 1;
	wt.wakes = 0;
	int was = wt.budget.armed;
	int armed = rt_watch_budget_tick(&wt.budget, armed_regs());
	if (armed && !was)
		arm(current_group());  /* the rest ended: open the group again */
	else if (!armed && was)
		disarm();
	wt.busy = 0;
	errno = saved;
}

void rt_watch_thread_begin(struct rt_thread *t)
{
	if (!__atomic_load_n(&rt_watch_on, __ATOMIC_ACQUIRE) || wt.open)
		return;
	(void)t;
	if (__atomic_add_fetch(&watching_threads, 1, __ATOMIC_RELAXED) > RT_WATCH_MAX_WATCHING) {
		__atomic_sub_fetch(&watching_threads, 1, __ATOMIC_RELAXED);
		return;
	}
	int saved = errno;
	wt.open = 1;
	wt.group = -1;
	wt.nslots = 0;
	wt.busy = 1;
	rt_watch_budget_start(&wt.budget);
	wt.tick_timer = open_tick();
	arm(current_group());
	wt.busy = 0;
	errno = saved;
}

void rt_watch_thread_end(struct rt_thread *t)
{
	if (!wt.open)
		return;
	(void)t;
	int saved = errno;
	close_all();
	errno = saved;
}

static void write_state(uint32_t status, uint32_t err)
{
	struct rt_watch_state s;
	memset(&s, 0, sizeof s);
	s.status = status;
	s.err = err;
	s.ntargets = (uint32_t)rt_watch_ntargets;
	s.ngroups = (uint32_t)rt_watch_ngroups;
	s.slice_ns = slice_ns;
	s.at_ns = now_ns();
	rt_log_write(&s, rt_rec_finish(&s, RT_WATCH_STATE, sizeof s));
}

void rt_watch_stop(int why)
{
	if (__atomic_exchange_n(&rt_watch_on, 0, __ATOMIC_ACQ_REL))
		write_state((uint32_t)why, 0);
	if (wt.open)
		close_all();
}

static void at_exit(int status, void *arg)
{
	(void)status;
	(void)arg;
	char buf[RT_REC_MAX];
	struct rt_watch_end *e = (struct rt_watch_end *)buf;
	memset(e, 0, sizeof *e);
	e->at_ns = now_ns();
	e->armed_ticks = __atomic_load_n(&rt_watch_armed_ticks, __ATOMIC_RELAXED);
	e->rested_ticks = __atomic_load_n(&rt_watch_rested_ticks, __ATOMIC_RELAXED);
	size_t max = (sizeof buf - sizeof *e) / sizeof e->t[0];
	for (int i = 0; i < rt_watch_ntargets; i++) {
		uint32_t hits = __atomic_load_n(&rt_watch_targets[i].hits, __ATOMIC_RELAXED);
		if (!hits)
			continue;
		if (e->n == max) {
			rt_log_write(buf, rt_rec_finish(buf, RT_WATCH_END, sizeof *e + e->n * sizeof e->t[0]));
			e->n = 0;
		}
		e->t[e->n].target = rt_watch_targets[i].id;
		e->t[e->n++].hits = hits;
	}
	rt_log_write(buf, rt_rec_finish(buf, RT_WATCH_END, sizeof *e + e->n * sizeof e->t[0]));
}

/* In a fork child the inherited descriptors are the parent thread's events. */
static void after_fork_child(void)
{
	if (!wt.open)
		return;
	wt.tick_timer = -1;        /* timers are not inherited: the number is not ours here */
	__atomic_store_n(&watching_threads, 1, __ATOMIC_RELAXED);   /* this thread alone */
	close_all();
	rt_watch_thread_begin(rt_tls.self);
}

static int traced(void)
{
	int fd = rt_sys_open("/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	char buf[2048];
	ssize_t n = rt_sys_read(fd, buf, sizeof buf - 1);
	rt_sys_close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strstr(buf, "TracerPid:");
	return p && atoi(p + 10) != 0;
}

/* perf_event_open works here: 0, or the errno of the refusal. */
static int probe(void)
{
	static long probe_word;
	int fd = open_watch((uintptr_t)&probe_word, sizeof probe_word, HW_BREAKPOINT_W, 1);
	if (fd < 0)
		return errno ? errno : EPERM;
	rt_sys_close(fd);
	return 0;
}

void rt_watch_init(void)
{
	const char *path = getenv("TSAFE_WATCH");
	if (!path || !*path)
		return;
	int saved = errno;
	const char *slice = getenv("TSAFE_WATCH_SLICE_MS");
	long ms = slice && *slice ? atol(slice) : RT_WATCH_SLICE_MS;
	slice_ns = (uint64_t)(ms > 0 ? ms : RT_WATCH_SLICE_MS) * 1000000u;
	start_ns = now_ns();
	int err;
	if (rt_watch_load_targets(path) < 0)
		write_state(RTW_BAD_FILE, 0);
	else if (rt_watch_ntargets == 0)
		write_state(RTW_NO_TARGETS, 0);
	else if (traced())
		write_state(RTW_DEBUGGER, 0);
	else if ((err = probe()) != 0)
		write_state(RTW_DENIED, (uint32_t)err);
	else if (rt_watch_install_handler() != 0)
		write_state(RTW_PROGRAM_SIGTRAP, 0);
	else {
		rt_vc_init();
		__atomic_store_n(&rt_watch_on, 1, __ATOMIC_RELEASE);
		pthread_atfork(NULL, NULL, after_fork_child);
		on_exit(at_exit, NULL);
		write_state(RTW_ON, 0);
	}
	errno = saved;
}
