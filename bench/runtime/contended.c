/* contended.c — several threads take turns on one mutex around a short update, with a
 * little work between turns: the lock is contended most of the time.
 * Usage: contended [ITERATIONS] [THREADS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t shared[64];
static long iters;

static void *run(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
	for (long i = 0; i < iters; i++) {
		for (int k = 0; k < 16; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		pthread_mutex_lock(&lock);
		shared[x & 63] += x;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	iters = argc > 1 ? atol(argv[1]) : 1000000;
	int n = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, run, (void *)(i + 1));
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	uint64_t sum = 0;
	for (int k = 0; k < 64; k++)
		sum += shared[k];
	printf("%d threads x %ld iterations on one lock: checksum %llx\n", n, iters,
	       (unsigned long long)sum);
	free(t);
	return 0;
}
