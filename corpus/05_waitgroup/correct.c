/*
 * 05_waitgroup/correct.c — five workers, main waits for them on a wait group.
 * Seed 003 (A Beginner's guide to parallel and concurrent programming: multithreading.go,
 * sync.WaitGroup with wg.Add(1) / defer wg.Done() / wg.Wait()).
 * Correct: a wait group is a counter under a mutex plus a condition variable; wg_wait
 * re-checks the count in a loop. Workers are detached (like goroutines) and get their id
 * by value.
 */
#include <pthread.h>
#include <stdint.h>
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
	int id = (int)(intptr_t)arg;
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

	for (int i = 0; i < max_workers; i++) {
		printf("Adding worker %d\n", i);
		wg_add(&wg, 1);
		pthread_t t;
		if (pthread_create(&t, &attr, worker, (void *)(intptr_t)i) != 0)
			wg_done(&wg);
	}
	pthread_attr_destroy(&attr);

	printf("Waiting for %d workers to finish\n", max_workers);
	wg_wait(&wg);
	printf("All Workers Completed\n");
	return 0;
}
