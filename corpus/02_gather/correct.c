/*
 * 02_gather/correct.c — two tasks of different lengths run at once; main gathers both.
 * Seed 000 (Introduction to Multi-Threading and Concurrency:
 * asyncio.gather(task_one(), task_two())).
 * Correct: each task writes only its own struct (passed as its argument) and main reads the
 * results after joining; the entry point travels in the task struct as a function pointer.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

struct task {
	const char *name;
	void *(*run)(void *);
	long elapsed_ms;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The "await asyncio.sleep(n)" of a task: n stands for tens of milliseconds here. */
static void *task_sleep(struct task *t, long units)
{
	long start = now_ms();
	printf("Starting %s\n", t->name);
	sleep_ms(units * 10);
	printf("Finished %s\n", t->name);
	t->elapsed_ms = now_ms() - start;
	return t;
}

static void *task_one(void *arg)
{
	return task_sleep(arg, 1);
}

static void *task_two(void *arg)
{
	return task_sleep(arg, 2);
}

int main(void)
{
	struct task tasks[] = {
		{.name = "task one", .run = task_one},
		{.name = "task two", .run = task_two},
	};
	enum { NTASKS = sizeof tasks / sizeof tasks[0] };
	pthread_t threads[NTASKS];

	for (int i = 0; i < NTASKS; i++)
		pthread_create(&threads[i], NULL, tasks[i].run, &tasks[i]);
	for (int i = 0; i < NTASKS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < NTASKS; i++)
		printf("%s took about %ld ms\n", tasks[i].name, tasks[i].elapsed_ms);
	return 0;
}
