/*
 * 14_never_exit/no_stop.c — a heartbeat thread loops forever; main has no way to stop it,
 * so it never joins it and just returns.
 * Seed 001 (Concurrency and Multithreading: "Infinite Loops: poorly designed concurrency
 * logic can cause infinite loops if there's no way for threads to exit gracefully").
 * Bug: the thread can never exit, is never joined, and is killed wherever it happens to be
 * when main returns.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int beats;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *heartbeat(void *arg)
{
	(void)arg;
	for (;;) {
		atomic_fetch_add(&beats, 1);
		sleep_ms(2);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, heartbeat, NULL); // tsafe-expect: thread-leak
	sleep_ms(20);
	printf("heartbeat after %d beats, exiting\n", atomic_load(&beats));
	return 0;
}
