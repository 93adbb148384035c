/* watch_budget.c — what watching may cost a thread that switches often. An armed debug
 * register costs nothing while untouched, but the kernel saves and restores it at every
 * context switch of the thread (in a VM each debug-register write can exit to the
 * hypervisor): about RT_WATCH_SWITCH_NS per register per switch on the machines measured
 * (bench/runtime). A thread that blocks and wakes 100,000 times a second (a producer and
 * a consumer handing items over) would double its time. So at the end of every period (a
 * tick, 10 ms of the thread's CPU time, or RT_WATCH_WAKES wake-ups from blocking waits,
 * whichever comes first) the thread weighs the switches it made against the CPU time it
 * used: when the cost of a period it had armed exceeds RT_WATCH_BUDGET_PCT of that time,
 * the thread rests (its watches closed: a thread without perf events costs the kernel
 * nothing at a switch, while even disabled events keep it scheduling their context) for
 * as many periods as keep the average within the budget, then arms again (re-opens them)
 * for one period. A thread that switches at ordinary rates is never rested. Rested and
 * armed periods are counted for the whole process: tsafe run scales each candidate's
 * watched time by their share. */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "watch.h"

#define RT_WATCH_SWITCH_NS 1200u  /* one context switch, per armed register */
#define RT_WATCH_BUDGET_PCT 3u    /* of the thread's CPU time, on average */
#define RT_WATCH_MAX_REST 1000u   /* periods (10 s of CPU time) */

uint64_t rt_watch_armed_ticks, rt_watch_rested_ticks;

/* The thread's context switches so far (a raw system call: this runs in the handler). */
static uint64_t switches(void)
{
	struct rusage ru;
	if (syscall(SYS_getrusage, RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

/* The thread's CPU time (clock_gettime is async-signal-safe). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rt_watch_budget_start(struct rt_watch_budget *b)
{
	b->switches = switches();
	b->cpu_ns = cpu_ns();
	b->rest_left = 0;
	b->armed = 1;
}

int rt_watch_budget_tick(struct rt_watch_budget *b, int regs)
{
	uint64_t now = switches(), made = now - b->switches;
	uint64_t cpu = cpu_ns(), used = cpu - b->cpu_ns;
	b->switches = now;
	b->cpu_ns = cpu;
	if (b->armed) {
		__atomic_add_fetch(&rt_watch_armed_ticks, 1, __ATOMIC_RELAXED);
		uint64_t cost = made * (uint64_t)regs * RT_WATCH_SWITCH_NS;
		uint64_t budget = used / 100u * RT_WATCH_BUDGET_PCT;
		uint64_t rest = budget && cost > budget ? cost / budget : 0;
		b->rest_left = (uint32_t)(rest > RT_WATCH_MAX_REST ? RT_WATCH_MAX_REST : rest);
	} else {
		__atomic_add_fetch(&rt_watch_rested_ticks, 1, __ATOMIC_RELAXED);
		if (b->rest_left)
			b->rest_left--;
	}
	b->armed = b->rest_left == 0;
	return b->armed;
}
