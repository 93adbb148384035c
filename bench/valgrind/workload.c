/* workload.c — a test-like program for bench/valgrind: four workers each checksum their own
 * buffer (compute-bound, as a test's body mostly is), publish each result under a mutex,
 * and bump one shared counter without it (one data race for Valgrind to report).
 * Usage: workload [ROUNDS] (default 160: about 0.1 s native, 5 s under Helgrind or DRD). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { NWORKERS = 4, BUF = 1 << 16 };

static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t results[NWORKERS];
static long rounds = 160;
static long progress;   /* racy: bumped by every worker without the lock */

static uint64_t checksum(const uint32_t *buf, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < n; i++) {
		h ^= buf[i];
		h *= 0x100000001b3u;
		h ^= h >> 29;
	}
	return h;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	uint32_t *buf = malloc(BUF * sizeof *buf);
	for (size_t i = 0; i < BUF; i++)
		buf[i] = (uint32_t)(i * 2654435761u + (uint32_t)id);
	for (long r = 0; r < rounds; r++) {
		uint64_t h = checksum(buf, BUF, (uint64_t)r);
		buf[r % BUF] ^= (uint32_t)h;
		pthread_mutex_lock(&results_lock);
		results[id] ^= h;
		pthread_mutex_unlock(&results_lock);
		progress++;
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atol(argv[1]);
	pthread_t t[NWORKERS];
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(t[i], NULL);
	uint64_t all = 0;
	for (int i = 0; i < NWORKERS; i++)
		all ^= results[i];
	printf("%016llx after %ld rounds\n", (unsigned long long)all, progress);
	return 0;
}
