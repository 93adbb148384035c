/*
 * 03_downloads/racy_total.c — every download thread adds its size to a global total.
 * Seed 002 (Multi-threading vs Multi-processing: "What are race conditions in multi-threading?").
 * Bug: total_bytes += is an unprotected read-modify-write run by ten threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { NDOWNLOADS = 10 };

static long total_bytes;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *download_large_file(void *arg)
{
	long id = (long)arg;
	for (int chunk = 0; chunk < 4; chunk++) {
		sleep_ms(2);
		total_bytes += 256 * (id + 1); // tsafe-expect: data-race
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[NDOWNLOADS];

	for (long i = 0; i < NDOWNLOADS; i++)
		pthread_create(&threads[i], NULL, download_large_file, (void *)i);
	for (int i = 0; i < NDOWNLOADS; i++)
		pthread_join(threads[i], NULL);
	printf("Downloaded %ld bytes\n", total_bytes);
	return 0;
}
