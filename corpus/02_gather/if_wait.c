/*
 * 02_gather/if_wait.c — main waits on a condition variable until both tasks are done.
 * Seed 000 (Introduction to Multi-Threading and Concurrency:
 * asyncio.gather(task_one(), task_two())).
 * Bug: the wait is under `if`, not `while`: the first task's signal (or a spurious wake-up)
 * lets main "gather" while task two is still pending.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t task_done = PTHREAD_COND_INITIALIZER;
static int remaining = 2;
static const char *results[2];

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void finish(int slot, const char *result)
{
	pthread_mutex_lock(&lock);
	results[slot] = result;
	remaining--;
	pthread_cond_signal(&task_done);
	pthread_mutex_unlock(&lock);
}

static void *task_one(void *arg)
{
	(void)arg;
	puts("Starting task one");
	sleep_ms(10);
	finish(0, "one");
	return NULL;
}

static void *task_two(void *arg)
{
	(void)arg;
	puts("Starting task two");
	sleep_ms(20);
	finish(1, "two");
	return NULL;
}

int main(void)
{
	pthread_t one, two;

	pthread_create(&one, NULL, task_one, NULL);
	pthread_create(&two, NULL, task_two, NULL);

	pthread_mutex_lock(&lock);
	if (remaining > 0)
		pthread_cond_wait(&task_done, &lock); // tsafe-expect: cond-wait-no-loop
	printf("gathered: %s, %s\n", results[0] ? results[0] : "(pending)",
	       results[1] ? results[1] : "(pending)");
	pthread_mutex_unlock(&lock);

	pthread_join(one, NULL);
	pthread_join(two, NULL);
	return 0;
}
