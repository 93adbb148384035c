/*
 * 03_downloads/correct_sequential.c — five "downloads" one after the other, no threads.
 * Seed 002 (Multi-threading vs Multi-processing: the loop calling download_large_file()).
 * Correct: single-threaded baseline; its total time is the sum of the downloads.
 */
#include <stdio.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Stands for a 5 s transfer: 5 ms here. */
static void download_large_file(void)
{
	sleep_ms(5);
}

int main(void)
{
	double start = now_s();
	for (int i = 0; i < 5; i++)
		download_large_file();
	printf("Total time: %.2fs\n", now_s() - start);
	return 0;
}
