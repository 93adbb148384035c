/*
 * 08_condition/unlocked_predicate.c — main sets the `ready` predicate and notifies without
 * taking the condition's mutex.
 * Seed 004 (Multi-Threading in Python: "Condition: allows threads to wait for a specific
 * condition to be satisfied").
 * Bug: lost wake-up — the store and signal can fall between the waiter's check and its
 * wait, and the flag itself is written with no lock while the waiter reads it under one.
 * (The waiter wakes every 50 ms, as code bitten by this often ends up doing, so the run
 * finishes either way.)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool ready;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!ready) { // tsafe-expect: data-race
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 50 * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cond, &lock, &deadline);
	}
	pthread_mutex_unlock(&lock);
	puts("waiter: ready");
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, waiter, NULL);
	sleep_ms(10);
	ready = true; // tsafe-expect-related: data-race
	pthread_cond_signal(&cond);
	pthread_join(t, NULL);
	return 0;
}
