/*
 * 11_uploads/racy_progress.c — parallel uploads add their chunks to a shared byte count.
 * Seed 001 (Concurrency and Multithreading: "File Uploads: each upload can be handled by a
 * different thread").
 * Bug: bytes_done += n runs in every uploader with no lock; concurrent updates get lost and
 * the final total comes out short.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { NFILES = 4, CHUNK = 4096 };

struct upload {
	const char *name;
	long size;
};

static long bytes_done;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *uploader(void *arg)
{
	const struct upload *up = arg;
	for (long sent = 0; sent < up->size;) {
		long n = up->size - sent < CHUNK ? up->size - sent : CHUNK;
		sleep_ms(1);	/* the network */
		sent += n;
		bytes_done += n; // tsafe-expect: data-race
	}
	printf("%s uploaded\n", up->name);
	return NULL;
}

int main(void)
{
	static const struct upload ups[NFILES] = {
		{"a.jpg", 20000}, {"b.png", 40000}, {"c.mov", 60000}, {"d.txt", 80000},
	};
	pthread_t threads[NFILES];

	for (int i = 0; i < NFILES; i++)
		pthread_create(&threads[i], NULL, uploader, (void *)&ups[i]);
	for (int i = 0; i < NFILES; i++)
		pthread_join(threads[i], NULL);
	printf("uploaded %ld of 200000 bytes\n", bytes_done);
	return 0;
}
