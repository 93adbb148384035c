/*
 * 13_race_conditions/correct_tls.c — worker threads format ids through a helper that
 * returns a pointer to its buffer.
 * Seed 002 (Multi-threading vs Multi-processing: "What are race conditions in
 * multi-threading?").
 * Correct: the helper's buffer is _Thread_local, so each thread formats into its own copy.
 */
#include <pthread.h>
#include <stdio.h>

enum { NWORKERS = 4 };

static const char digits[] = "0123456789abcdef";

/* Returns id as 8 hex digits; the string lives until this thread's next call. */
static const char *format_id(unsigned id)
{
	static _Thread_local char buf[9];
	for (int i = 7; i >= 0; i--, id >>= 4)
		buf[i] = digits[id & 0xf];
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
