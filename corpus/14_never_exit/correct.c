/*
 * 14_never_exit/correct.c — a heartbeat thread loops until main asks it to stop.
 * Seed 001 (Concurrency and Multithreading: "Infinite Loops: poorly designed concurrency
 * logic can cause infinite loops if there's no way for threads to exit gracefully").
 * Correct: the stop request is an atomic_bool, so the loop is guaranteed to see it; main
 * joins the thread. The entry point is chosen through a function-pointer variable.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static atomic_bool stop;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *heartbeat(void *arg)
{
	int *beats = arg;
	while (!atomic_load(&stop)) {
		(*beats)++;
		sleep_ms(2);
	}
	return NULL;
}

static void *quiet_heartbeat(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		sleep_ms(2);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*entry)(void *) = argc > 1 && argv[1][0] == 'q' ? quiet_heartbeat : heartbeat;
	pthread_t t;
	int beats = 0;

	pthread_create(&t, NULL, entry, &beats);
	sleep_ms(20);
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("heartbeat stopped after %d beats\n", beats);
	return 0;
}
