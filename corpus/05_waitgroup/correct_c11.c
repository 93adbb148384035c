/*
 * 05_waitgroup/correct_c11.c — the Go WaitGroup example with C11 threads (thrd_t, mtx_t, cnd_t).
 * Seed 003 (A Beginner's guide to parallel and concurrent programming: multithreading.go).
 * Correct: workers are detached with thrd_detach; the wait group's count is only touched
 * with its mtx_t held and cnd_wait sits in a while loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

struct waitgroup {
	mtx_t lock;
	cnd_t zero;
	int count;
};

static struct waitgroup wg;

static void wg_init(struct waitgroup *g)
{
	mtx_init(&g->lock, mtx_plain);
	cnd_init(&g->zero);
	g->count = 0;
}

static void wg_add(struct waitgroup *g, int n)
{
	mtx_lock(&g->lock);
	g->count += n;
	mtx_unlock(&g->lock);
}

static void wg_done(struct waitgroup *g)
{
	mtx_lock(&g->lock);
	if (--g->count == 0)
		cnd_broadcast(&g->zero);
	mtx_unlock(&g->lock);
}

static void wg_wait(struct waitgroup *g)
{
	mtx_lock(&g->lock);
	while (g->count > 0)
		cnd_wait(&g->zero, &g->lock);
	mtx_unlock(&g->lock);
}

static int worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	printf("Worker %d: Started\n", id);
	thrd_sleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
	printf("Worker %d: Finished\n", id);
	wg_done(&wg);
	return 0;
}

int main(void)
{
	const int max_workers = 5;
	wg_init(&wg);

	for (int i = 0; i < max_workers; i++) {
		printf("Adding worker %d\n", i);
		wg_add(&wg, 1);
		thrd_t t;
		if (thrd_create(&t, worker, (void *)(intptr_t)i) == thrd_success)
			thrd_detach(t);
		else
			wg_done(&wg);
	}

	printf("Waiting for %d workers to finish\n", max_workers);
	wg_wait(&wg);
	printf("All Workers Completed\n");
	return 0;
}
