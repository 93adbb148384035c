/*
 * 03_downloads/missing_join.c — ten downloads, one thread each, waited for with a sleep.
 * Seed 002 (Multi-threading vs Multi-processing: "create 200 threads and wait one time").
 * Bug: main sleeps "long enough" instead of joining; the threads are never joined, and a
 * slow download is simply cut off when main returns.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { NDOWNLOADS = 10 };

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *download_large_file(void *arg)
{
	int id = (int)(long)arg;
	sleep_ms(10 + id);
	printf("file %d downloaded\n", id);
	return NULL;
}

int main(void)
{
	pthread_t thread;

	for (long i = 0; i < NDOWNLOADS; i++)
		pthread_create(&thread, NULL, download_large_file, (void *)i); // tsafe-expect: thread-leak // tsafe-maybe-dynamic: thread-leak
	printf("Done creating threads\n");

	sleep_ms(50);	/* should be plenty for every download */
	printf("Total time: about 50 ms\n");
	return 0;
}
