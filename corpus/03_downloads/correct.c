/*
 * 03_downloads/correct.c — ten downloads, one thread each, all joined.
 * Seed 002 (Multi-threading vs Multi-processing: "create 200 threads and wait one time").
 * Correct: each thread fills its own slot of args[] (&args[i]); main sums the slots after
 * the joins. Log timestamps use localtime_r, which keeps no shared state.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { NDOWNLOADS = 10 };

struct download {
	int id;
	long bytes;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void log_line(int id, const char *what)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[16];
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	printf("[%s] file %d: %s\n", stamp, id, what);
}

static void *download_large_file(void *arg)
{
	struct download *d = arg;
	log_line(d->id, "started");
	sleep_ms(20);
	d->bytes = 1000L * (d->id + 1);
	log_line(d->id, "done");
	return NULL;
}

int main(void)
{
	pthread_t threads[NDOWNLOADS];
	struct download args[NDOWNLOADS];
	int started = 0;

	for (int i = 0; i < NDOWNLOADS; i++) {
		args[i] = (struct download){.id = i};
		if (pthread_create(&threads[i], NULL, download_large_file, &args[i]) != 0)
			break;
		started++;
	}
	printf("Done creating %d threads\n", started);

	long total = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(threads[i], NULL);
		total += args[i].bytes;
	}
	printf("Downloaded %ld bytes\n", total);
	return 0;
}
