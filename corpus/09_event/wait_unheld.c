/*
 * 09_event/wait_unheld.c — the event's flag was made atomic, and event_wait() stopped
 * taking the mutex "since reading an atomic needs no lock".
 * Seed 004 (Multi-Threading in Python: "Event ... set() and wait()").
 * Bug: pthread_cond_wait must be called with its mutex held; without it the check and the
 * wait are not atomic (lost wake-up) and the call is undefined. (An error-checking mutex
 * makes glibc return EPERM instead of waiting, so this run spins until the flag is set
 * rather than hanging.)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum { NWORKERS = 3 };

struct event {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool is_set;
};

static struct event start;

static void event_init(struct event *ev)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&ev->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_cond_init(&ev->cond, NULL);
	atomic_init(&ev->is_set, false);
}

static void event_set(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	atomic_store(&ev->is_set, true);
	pthread_cond_broadcast(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
}

static void event_wait(struct event *ev)
{
	while (!atomic_load(&ev->is_set))
		pthread_cond_wait(&ev->cond, &ev->lock); // tsafe-expect: cond-wait-unheld // tsafe-expect-dynamic: cond-wait-unheld
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	event_wait(&start);
	printf("worker %ld started\n", id);
	return NULL;
}

int main(void)
{
	pthread_t workers[NWORKERS];

	event_init(&start);
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)i);
	sleep_ms(10);
	event_set(&start);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	return 0;
}
