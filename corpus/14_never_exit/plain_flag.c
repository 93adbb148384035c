/*
 * 14_never_exit/plain_flag.c — a heartbeat thread loops until main sets a plain bool.
 * Seed 001 (Concurrency and Multithreading: "Infinite Loops: poorly designed concurrency
 * logic can cause infinite loops if there's no way for threads to exit gracefully").
 * Bug: `stop` is neither atomic nor locked: the read and main's write race, and an
 * optimising compiler may hoist the load out of the loop so the thread never exits (this
 * corpus builds at -O0, so the run ends). The entry point is chosen through a
 * function-pointer variable.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static bool stop;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *heartbeat(void *arg)
{
	int *beats = arg;
	while (!stop) { // tsafe-expect: data-race
		(*beats)++;
		sleep_ms(2);
	}
	return NULL;
}

int main(void)
{
	void *(*entry)(void *) = heartbeat;
	pthread_t t;
	int beats = 0;

	pthread_create(&t, NULL, entry, &beats);
	sleep_ms(20);
	stop = true; // tsafe-expect-related: data-race
	pthread_join(t, NULL);
	printf("heartbeat stopped after %d beats\n", beats);
	return 0;
}
