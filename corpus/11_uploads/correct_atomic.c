/*
 * 11_uploads/correct_atomic.c — parallel uploads whose progress counters are atomics; each
 * uploader counts its own chunks in a thread-local variable.
 * Seed 001 (Concurrency and Multithreading: "File Uploads: each upload can be handled by a
 * different thread").
 * Correct: bytes_done/files_done are _Atomic, the per-thread chunk count is _Thread_local,
 * and the reporter only loads atomics.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { NFILES = 4, CHUNK = 4096 };

struct upload {
	const char *name;
	long size;
};

static _Atomic long bytes_done;
static atomic_int files_done;
static _Thread_local int chunks_sent;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void send_chunk(long n)
{
	sleep_ms(1);	/* the network */
	chunks_sent++;
	atomic_fetch_add(&bytes_done, n);
}

static void *uploader(void *arg)
{
	const struct upload *up = arg;
	for (long sent = 0; sent < up->size; sent += CHUNK)
		send_chunk(up->size - sent < CHUNK ? up->size - sent : CHUNK);
	atomic_fetch_add(&files_done, 1);
	printf("%s uploaded in %d chunks\n", up->name, chunks_sent);
	return NULL;
}

static void *reporter(void *arg)
{
	long total = *(const long *)arg;
	while (atomic_load(&files_done) < NFILES) {
		printf("progress: %ld%%\n", atomic_load(&bytes_done) * 100 / total);
		sleep_ms(3);
	}
	return NULL;
}

int main(void)
{
	static const struct upload ups[NFILES] = {
		{"a.jpg", 20000}, {"b.png", 40000}, {"c.mov", 60000}, {"d.txt", 80000},
	};
	long total = 0;
	pthread_t threads[NFILES], report;

	for (int i = 0; i < NFILES; i++)
		total += ups[i].size;
	pthread_create(&report, NULL, reporter, &total);
	for (int i = 0; i < NFILES; i++)
		pthread_create(&threads[i], NULL, uploader, (void *)&ups[i]);
	for (int i = 0; i < NFILES; i++)
		pthread_join(threads[i], NULL);
	pthread_join(report, NULL);
	printf("uploaded %ld of %ld bytes\n", atomic_load(&bytes_done), total);
	return 0;
}
