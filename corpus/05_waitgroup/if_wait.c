/*
 * 05_waitgroup/if_wait.c — the wait group's Wait checks the count once.
 * Seed 003 (A Beginner's guide to parallel and concurrent programming: multithreading.go,
 * wg.Wait()).
 * Bug: wg_wait waits under `if`: woken by a spurious wake-up (or by any broadcast), main
 * carries on while workers are still running.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct waitgroup {
	pthread_mutex_t lock;
	pthread_cond_t changed;
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
	g->count--;
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

static void wg_wait(struct waitgroup *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->count > 0)
		pthread_cond_wait(&g->changed, &g->lock); // tsafe-expect: cond-wait-no-loop
	pthread_mutex_unlock(&g->lock);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	printf("Worker %d: Started\n", id);
	sleep_ms(5 + 2 * id);
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

	for (int i = 0; i < max_workers; i++) {
		wg_add(&wg, 1);
		pthread_t t;
		pthread_create(&t, &attr, worker, (void *)(intptr_t)i);
	}
	pthread_attr_destroy(&attr);

	wg_wait(&wg);
	printf("All Workers Completed\n");
	return 0;
}
