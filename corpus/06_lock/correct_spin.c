/*
 * 06_lock/correct_spin.c — worker threads count processed items in shared statistics
 * guarded by a spinlock (the lock is held for a couple of instructions only).
 * Seed 004 (Multi-Threading in Python: "Lock" and "Thread Safety").
 * Correct: both fields are only touched with the spinlock held, and main reads them after
 * the joins.
 */
#include <pthread.h>
#include <stdio.h>

enum { NWORKERS = 4, ITEMS = 500 };

static pthread_spinlock_t stats_lock;
static struct {
	long items;
	long checksum;
} stats;

static void count_item(long value)
{
	pthread_spin_lock(&stats_lock);
	stats.items++;
	stats.checksum += value;
	pthread_spin_unlock(&stats_lock);
}

static void *worker(void *arg)
{
	long base = (long)arg * ITEMS;
	for (long i = 0; i < ITEMS; i++)
		count_item(base + i);
	return NULL;
}

int main(void)
{
	pthread_t workers[NWORKERS];

	pthread_spin_init(&stats_lock, PTHREAD_PROCESS_PRIVATE);
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)i);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	pthread_spin_destroy(&stats_lock);
	printf("%ld items, checksum %ld\n", stats.items, stats.checksum);
	return 0;
}
