/*
 * 12_deadlocks/lock_order_c11.c — with C11 threads: the flusher holds the log mutex and
 * then the cache mutex, the evictor the cache mutex and then the log mutex.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Bug: lock-order inversion between two mtx_t. The threads run one after the other here,
 * so the run cannot hang, but run together they could.
 */
#include <stdio.h>
#include <threads.h>

static mtx_t log_lock, cache_lock;
static int log_lines, cache_entries = 8;

static int flusher(void *arg)
{
	(void)arg;
	mtx_lock(&log_lock);
	mtx_lock(&cache_lock); // tsafe-expect: lock-order-inversion // tsafe-expect-dynamic: lock-order-inversion
	log_lines += cache_entries;
	mtx_unlock(&cache_lock);
	mtx_unlock(&log_lock);
	return 0;
}

static int evictor(void *arg)
{
	(void)arg;
	mtx_lock(&cache_lock);
	cache_entries /= 2;
	mtx_lock(&log_lock); // tsafe-expect-related: lock-order-inversion // tsafe-expect-dynamic-related: lock-order-inversion
	log_lines++;
	mtx_unlock(&log_lock);
	mtx_unlock(&cache_lock);
	return 0;
}

int main(void)
{
	thrd_t t;

	mtx_init(&log_lock, mtx_plain);
	mtx_init(&cache_lock, mtx_plain);
	thrd_create(&t, flusher, NULL);
	thrd_join(t, NULL);
	thrd_create(&t, evictor, NULL);
	thrd_join(t, NULL);
	printf("log %d, cache %d\n", log_lines, cache_entries);
	mtx_destroy(&log_lock);
	mtx_destroy(&cache_lock);
	return 0;
}
