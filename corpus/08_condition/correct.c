/*
 * 08_condition/correct.c — a producer and two consumers share a bounded buffer.
 * Seed 004 (Multi-Threading in Python: "Condition: allows threads to wait for a specific
 * condition to be satisfied ... wait(), notify() and notifyAll()").
 * Correct: every wait re-checks its predicate in a while loop with the mutex held, and the
 * predicates only change with the mutex held.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

enum { CAP = 4, NITEMS = 40, NCONSUMERS = 2 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int buf[CAP];
static int head, count;
static bool finished;

static void put(int item)
{
	pthread_mutex_lock(&lock);
	while (count == CAP)
		pthread_cond_wait(&not_full, &lock);
	buf[(head + count) % CAP] = item;
	count++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

/* Returns false when the producer has finished and the buffer is drained. */
static bool get(int *item)
{
	pthread_mutex_lock(&lock);
	while (count == 0 && !finished)
		pthread_cond_wait(&not_empty, &lock);
	bool got = count > 0;
	if (got) {
		*item = buf[head];
		head = (head + 1) % CAP;
		count--;
		pthread_cond_signal(&not_full);
	}
	pthread_mutex_unlock(&lock);
	return got;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= NITEMS; i++)
		put(i);
	pthread_mutex_lock(&lock);
	finished = true;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	int item;
	while (get(&item))
		*sum += item;
	return NULL;
}

int main(void)
{
	pthread_t prod, cons[NCONSUMERS];
	long sums[NCONSUMERS] = {0};

	pthread_create(&prod, NULL, producer, NULL);
	for (int i = 0; i < NCONSUMERS; i++)
		pthread_create(&cons[i], NULL, consumer, &sums[i]);
	pthread_join(prod, NULL);
	long total = 0;
	for (int i = 0; i < NCONSUMERS; i++) {
		pthread_join(cons[i], NULL);
		total += sums[i];
	}
	printf("consumed sum %ld (expected %d)\n", total, NITEMS * (NITEMS + 1) / 2);
	return 0;
}
