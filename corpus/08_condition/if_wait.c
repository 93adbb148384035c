/*
 * 08_condition/if_wait.c — the consumer waits for an item under `if`.
 * Seed 004 (Multi-Threading in Python: "Condition: ... wait(), notify() and notifyAll()").
 * Bug: after any wake-up (spurious, or a notify meant for someone else) the consumer takes
 * an item from a buffer that may be empty; the predicate must be re-checked in a loop.
 */
#include <pthread.h>
#include <stdio.h>

enum { CAP = 4, NITEMS = 40 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int buf[CAP];
static int head, count;

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

static int get(void)
{
	pthread_mutex_lock(&lock);
	if (count == 0)
		pthread_cond_wait(&not_empty, &lock); // tsafe-expect: cond-wait-no-loop
	int item = buf[head];
	head = (head + 1) % CAP;
	count--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&lock);
	return item;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= NITEMS; i++)
		put(i);
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	for (int i = 0; i < NITEMS; i++)
		*sum += get();
	return NULL;
}

int main(void)
{
	pthread_t prod, cons;
	long sum = 0;

	pthread_create(&prod, NULL, producer, NULL);
	pthread_create(&cons, NULL, consumer, &sum);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	printf("consumed sum %ld (expected %d)\n", sum, NITEMS * (NITEMS + 1) / 2);
	return 0;
}
