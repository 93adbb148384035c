/*
 * 11_uploads/inconsistent_lock.c — uploaders update the progress under its lock; the
 * reporter reads the byte count without it.
 * Seed 001 (Concurrency and Multithreading: "File Uploads: each upload can be handled by a
 * different thread").
 * Bug: inconsistent locking — "the reporter only reads, and only for display", but its read
 * races with the uploaders' locked updates (and can see a torn or stale value).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { NFILES = 4, CHUNK = 4096 };

struct progress {
	pthread_mutex_t lock;
	long bytes_done, bytes_total;
	int files_done;
};

struct upload {
	const char *name;
	long size;
	unsigned seed;
};

static struct progress progress = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void progress_lock(struct progress *p)
{
	pthread_mutex_lock(&p->lock);
}

static void progress_unlock(struct progress *p)
{
	pthread_mutex_unlock(&p->lock);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *uploader(void *arg)
{
	struct upload *up = arg;
	for (long sent = 0; sent < up->size;) {
		long n = CHUNK / 2 + rand_r(&up->seed) % (CHUNK / 2);
		if (n > up->size - sent)
			n = up->size - sent;
		sleep_ms(1);	/* the network */
		sent += n;
		progress_lock(&progress);
		progress.bytes_done += n; // tsafe-expect: data-race
		progress_unlock(&progress);
	}
	progress_lock(&progress);
	progress.files_done++;
	progress_unlock(&progress);
	printf("%s uploaded\n", up->name);
	return NULL;
}

static void *reporter(void *arg)
{
	(void)arg;
	for (bool finished = false; !finished;) {
		long done = progress.bytes_done; // tsafe-expect-related: data-race
		progress_lock(&progress);
		long total = progress.bytes_total;
		finished = progress.files_done == NFILES;
		progress_unlock(&progress);
		printf("progress: %ld%%\n", total ? done * 100 / total : 0);
		if (!finished)
			sleep_ms(3);
	}
	return NULL;
}

int main(void)
{
	static const char *const names[NFILES] = {"a.jpg", "b.png", "c.mov", "d.txt"};
	struct upload ups[NFILES];
	pthread_t threads[NFILES], report;

	for (int i = 0; i < NFILES; i++) {
		ups[i] = (struct upload){.name = names[i], .size = 20000L * (i + 1), .seed = 7u * i + 1};
		progress.bytes_total += ups[i].size;
	}
	pthread_create(&report, NULL, reporter, NULL);
	for (int i = 0; i < NFILES; i++)
		pthread_create(&threads[i], NULL, uploader, &ups[i]);
	for (int i = 0; i < NFILES; i++)
		pthread_join(threads[i], NULL);
	pthread_join(report, NULL);
	printf("uploaded %ld of %ld bytes\n", progress.bytes_done, progress.bytes_total);
	return 0;
}
