/*
 * 02_gather/racy_total.c — both tasks add their duration to a shared total.
 * Seed 000 (Introduction to Multi-Threading and Concurrency:
 * asyncio.gather(task_one(), task_two())).
 * Bug: the coroutine version needed no lock (one thread); as threads, the += in the shared
 * helper is an unprotected read-modify-write from both tasks.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static long total_ms;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void run_task(const char *name, long ms)
{
	printf("Starting %s\n", name);
	sleep_ms(ms);
	total_ms += ms; // tsafe-expect: data-race
	printf("Finished %s\n", name);
}

static void *task_one(void *arg)
{
	(void)arg;
	run_task("task one", 10);
	return NULL;
}

static void *task_two(void *arg)
{
	(void)arg;
	run_task("task two", 20);
	return NULL;
}

int main(void)
{
	pthread_t one, two;

	pthread_create(&one, NULL, task_one, NULL);
	pthread_create(&two, NULL, task_two, NULL);
	pthread_join(one, NULL);
	pthread_join(two, NULL);
	printf("total work: %ld ms\n", total_ms);
	return 0;
}
