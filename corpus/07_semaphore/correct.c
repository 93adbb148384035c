/*
 * 07_semaphore/correct.c — six downloader threads share three connection slots.
 * Seed 004 (Multi-Threading in Python: "Semaphore: restricts the number of threads accessing
 * a resource simultaneously").
 * Correct: the semaphore only bounds concurrency; the counters the slot holders update are
 * atomics, since up to three threads are inside at once.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { NTHREADS = 6, NSLOTS = 3 };

static sem_t slots;
static atomic_int active, peak, served;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void note_peak(int now)
{
	int seen = atomic_load(&peak);
	while (now > seen && !atomic_compare_exchange_weak(&peak, &seen, now))
		;
}

static void *downloader(void *arg)
{
	long id = (long)arg;
	sem_wait(&slots);
	note_peak(atomic_fetch_add(&active, 1) + 1);
	printf("downloader %ld has a connection\n", id);
	sleep_ms(10);
	atomic_fetch_add(&served, 1);
	atomic_fetch_sub(&active, 1);
	sem_post(&slots);
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];

	sem_init(&slots, 0, NSLOTS);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&threads[i], NULL, downloader, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(threads[i], NULL);
	sem_destroy(&slots);
	printf("served %d, at most %d at once (limit %d)\n", atomic_load(&served),
	       atomic_load(&peak), NSLOTS);
	return 0;
}
