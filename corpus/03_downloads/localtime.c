/*
 * 03_downloads/localtime.c — download threads stamp their log lines with localtime().
 * Seed 002 (Multi-threading vs Multi-processing: "create 200 threads and wait one time").
 * Bug: localtime returns a pointer to one static struct tm shared by all threads, so a
 * thread can print another thread's time (use localtime_r).
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

static void log_line(long id, const char *what)
{
	time_t now = time(NULL);
	const struct tm *tm = localtime(&now); // tsafe-expect: mt-unsafe-call
	printf("[%02d:%02d:%02d] file %ld: %s\n", tm->tm_hour, tm->tm_min, tm->tm_sec, id, what);
}

static void *download_large_file(void *arg)
{
	long id = (long)arg;
	log_line(id, "started");
	sleep_ms(10);
	log_line(id, "done");
	return NULL;
}

int main(void)
{
	pthread_t threads[NDOWNLOADS];

	for (long i = 0; i < NDOWNLOADS; i++)
		pthread_create(&threads[i], NULL, download_large_file, (void *)i);
	for (int i = 0; i < NDOWNLOADS; i++)
		pthread_join(threads[i], NULL);
	printf("All downloads finished\n");
	return 0;
}
