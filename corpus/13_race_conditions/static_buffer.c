/*
 * 13_race_conditions/static_buffer.c — worker threads format ids through a helper that
 * returns a pointer to its static buffer.
 * Seed 002 (Multi-threading vs Multi-processing: "What are race conditions in
 * multi-threading?").
 * Bug: the buffer is one static array shared by every thread, so two threads formatting at
 * once overwrite each other's digits (make it _Thread_local, or pass the buffer in).
 */
#include <pthread.h>
#include <stdio.h>

enum { NWORKERS = 4 };

static const char digits[] = "0123456789abcdef";

/* Returns id as 8 hex digits; the string lives until the next call. */
static const char *format_id(unsigned id)
{
	static char buf[9];
	for (int i = 7; i >= 0; i--, id >>= 4)
		buf[i] = digits[id & 0xf]; // tsafe-expect: data-race
	return buf;
}

static void *worker(void *arg)
{
	unsigned base = (unsigned)(long)arg << 16;
	for (unsigned i = 0; i < 3; i++)
		printf("request %s\n", format_id(base + i));
	return NULL;
}

int main(void)
{
	pthread_t workers[NWORKERS];

	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)i);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	return 0;
}
