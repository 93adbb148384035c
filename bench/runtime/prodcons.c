/* prodcons.c — producers and consumers on a bounded queue: one mutex, two condition
 * variables, waits in loops. Usage: prodcons [ITEMS] [PAIRS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { CAP = 64 };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	uint64_t items[CAP];
	int head, count;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

static long per_thread;
static uint64_t consumed_sum;

static void *produce(void *arg)
{
	uint64_t x = (uintptr_t)arg;
	for (long i = 0; i < per_thread; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		pthread_mutex_lock(&q.lock);
		while (q.count == CAP)
			pthread_cond_wait(&q.not_full, &q.lock);
		q.items[(q.head + q.count++) % CAP] = x;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.lock);
	}
	return NULL;
}

static void *consume(void *arg)
{
	uint64_t sum = 0;
	for (long i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&q.lock);
		while (q.count == 0)
			pthread_cond_wait(&q.not_empty, &q.lock);
		sum += q.items[q.head];
		q.head = (q.head + 1) % CAP;
		q.count--;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.lock);
	}
	pthread_mutex_lock(&q.lock);
	consumed_sum += sum;
	pthread_mutex_unlock(&q.lock);
	return arg;
}

int main(int argc, char **argv)
{
	long items = argc > 1 ? atol(argv[1]) : 1000000;
	int pairs = argc > 2 ? atoi(argv[2]) : 2;
	per_thread = items / pairs;
	pthread_t *t = calloc((size_t)pairs * 2, sizeof *t);
	for (long i = 0; i < pairs; i++) {
		pthread_create(&t[2 * i], NULL, produce, (void *)(i + 1));
		pthread_create(&t[2 * i + 1], NULL, consume, NULL);
	}
	for (int i = 0; i < 2 * pairs; i++)
		pthread_join(t[i], NULL);
	printf("%d producer/consumer pairs, %ld items: checksum %llx\n", pairs,
	       per_thread * pairs, (unsigned long long)consumed_sum);
	free(t);
	return 0;
}
