/*
 * 02_gather/correct_atomic.c — gather two tasks and record the order in which they finish.
 * Seed 000 (Introduction to Multi-Threading and Concurrency:
 * asyncio.gather(task_one(), task_two())).
 * Correct: the finishing order is taken from an atomic counter, so no lock is needed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int finished;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void run_task(const char *name, long ms)
{
	printf("Starting %s\n", name);
	sleep_ms(ms);
	int place = atomic_fetch_add(&finished, 1) + 1;
	printf("Finished %s (%d of 2)\n", name, place);
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
	printf("gathered %d tasks\n", atomic_load(&finished));
	return 0;
}
