/*
 * 09_event/correct_c11.c — the start-event example with C11 mtx_t / cnd_t / thrd_t, and a
 * wait with a timeout.
 * Seed 004 (Multi-Threading in Python: "Event ... set() and wait()").
 * Correct: event_wait_for() loops on the flag with cnd_timedwait and the mutex held; set()
 * changes the flag under the mutex.
 */
#include <stdbool.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

enum { NWORKERS = 3 };

struct event {
	mtx_t lock;
	cnd_t cond;
	bool is_set;
};

static struct event start;

static void event_init(struct event *ev)
{
	mtx_init(&ev->lock, mtx_plain);
	cnd_init(&ev->cond);
	ev->is_set = false;
}

static void event_set(struct event *ev)
{
	mtx_lock(&ev->lock);
	ev->is_set = true;
	cnd_broadcast(&ev->cond);
	mtx_unlock(&ev->lock);
}

/* Waits until the event is set or `ms` milliseconds pass; returns whether it was set. */
static bool event_wait_for(struct event *ev, long ms)
{
	struct timespec deadline;
	timespec_get(&deadline, TIME_UTC);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	mtx_lock(&ev->lock);
	while (!ev->is_set)
		if (cnd_timedwait(&ev->cond, &ev->lock, &deadline) == thrd_timedout)
			break;
	bool set = ev->is_set;
	mtx_unlock(&ev->lock);
	return set;
}

static int worker(void *arg)
{
	long id = (long)arg;
	bool started = event_wait_for(&start, 500);
	printf("worker %ld: %s\n", id, started ? "started" : "gave up waiting");
	return started ? 0 : 1;
}

int main(void)
{
	thrd_t workers[NWORKERS];
	int failures = 0;

	event_init(&start);
	for (long i = 0; i < NWORKERS; i++)
		thrd_create(&workers[i], worker, (void *)i);
	thrd_sleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
	event_set(&start);
	for (int i = 0; i < NWORKERS; i++) {
		int rc;
		thrd_join(workers[i], &rc);
		failures += rc;
	}
	mtx_destroy(&start.lock);
	cnd_destroy(&start.cond);
	return failures != 0;
}
