/* lockheavy.c — uncontended locking, lots of it: every thread updates its own small table
 * under a nested pair of locks (outer, inner) and reads it back under a third, millions
 * of times. WORK rounds of a xorshift mix (about 1 ns each) stand for what a critical
 * section does in real code (a map update, a counter with some bookkeeping); WORK 0 is
 * locking and nothing else. Usage: lockheavy [ITERATIONS] [THREADS] [WORK] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct worker {
	pthread_mutex_t outer, inner, reader;
	uint64_t table[256];
	uint64_t seed, sum;
	long iters;
	int work;
} __attribute__((aligned(64)));

static uint64_t mix(uint64_t x, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->seed;
	for (long i = 0; i < w->iters; i++) {
		x = mix(x, 1);
		pthread_mutex_lock(&w->outer);
		pthread_mutex_lock(&w->inner);
		w->table[x & 255] += mix(x, w->work);
		pthread_mutex_unlock(&w->inner);
		pthread_mutex_unlock(&w->outer);
		pthread_mutex_lock(&w->reader);
		w->sum += mix(w->table[(x >> 8) & 255], w->work / 2);
		pthread_mutex_unlock(&w->reader);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 2000000;
	int n = argc > 2 ? atoi(argv[2]) : 4;
	int work = argc > 3 ? atoi(argv[3]) : 48;
	struct worker *w = aligned_alloc(64, (size_t)n * sizeof *w);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (int i = 0; i < n; i++) {
		pthread_mutex_init(&w[i].outer, NULL);
		pthread_mutex_init(&w[i].inner, NULL);
		pthread_mutex_init(&w[i].reader, NULL);
		for (int k = 0; k < 256; k++)
			w[i].table[k] = 0;
		w[i].seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
		w[i].sum = 0;
		w[i].iters = iters;
		w[i].work = work;
		pthread_create(&t[i], NULL, run, &w[i]);
	}
	uint64_t total = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		total += w[i].sum;
	}
	printf("%d threads x %ld iterations (3 lock pairs, work %d each): checksum %llx\n", n, iters,
	       work, (unsigned long long)total);
	free(t);
	free(w);
	return 0;
}
