/*
 * 07_semaphore/race_in_slots.c — the slot holders count served requests in a plain int.
 * Seed 004 (Multi-Threading in Python: "Semaphore: ... allows a specified number of threads
 * to enter while blocking others").
 * Bug: a semaphore of 3 lets three threads in at once; it is not a lock, so served++ inside
 * the guarded region is still a data race.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

enum { NTHREADS = 6, NSLOTS = 3 };

static sem_t slots;
static int served;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *downloader(void *arg)
{
	long id = (long)arg;
	sem_wait(&slots);
	printf("downloader %ld has a connection\n", id);
	sleep_ms(10);
	served++; // tsafe-expect: data-race
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
	printf("served %d of %d\n", served, NTHREADS);
	return 0;
}
