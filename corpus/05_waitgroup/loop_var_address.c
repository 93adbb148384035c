/*
 * 05_waitgroup/loop_var_address.c — each worker is handed the address of the loop counter.
 * Seed 003 (A Beginner's guide to parallel and concurrent programming: multithreading.go,
 * go worker(&wg, i)).
 * Bug: Go passes i by value; passing &i instead lets main's i++ race with the worker's read,
 * so several workers can report the same id (pass the value, or &ids[i]).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

struct waitgroup {
	pthread_mutex_t lock;
	pthread_cond_t zero;
	int count;
};

static struct waitgroup wg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void wg_add(struct waitgroup *g, int n)
{
	pthread_mutex_lock(&g->lock);
	g->count += n;
	pthread_mutex_unlock(&g->lock);
}

static void wg_done(struct waitgroup *g)
{
	pthread_mutex_lock(&g->lock);
	if (--g->count == 0)
		pthread_cond_broadcast(&g->zero);
	pthread_mutex_unlock(&g->lock);
}

static void wg_wait(struct waitgroup *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->count > 0)
		pthread_cond_wait(&g->zero, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int id = *(int *)arg; // tsafe-expect: data-race
	printf("Worker %d: Started\n", id);
	sleep_ms(10);
	printf("Worker %d: Finished\n", id);
	wg_done(&wg);
	return NULL;
}

int main(void)
{
	const int max_workers = 5;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

	int i;
	for (i = 0; i < max_workers; i++) { // tsafe-expect-related: data-race
		wg_add(&wg, 1);
		pthread_t t;
		pthread_create(&t, &attr, worker, &i);
	}
	pthread_attr_destroy(&attr);

	wg_wait(&wg);
	printf("All Workers Completed\n");
	return 0;
}
