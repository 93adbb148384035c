/*
 * 01_numbers_letters/missing_join.c — the letters thread is started but never joined.
 * Seed 000 (Introduction to Multi-Threading and Concurrency: thread1.join(); thread2.join()).
 * Bug: main joins only thread1 and returns, so print_letters may be cut off mid-way.
 */
#include <pthread.h>
#include <stdio.h>

static void *print_numbers(void *arg)
{
	(void)arg;
	for (int i = 1; i < 6; i++)
		printf("Number: %d\n", i);
	return NULL;
}

static void *print_letters(void *arg)
{
	(void)arg;
	for (char c = 'a'; c <= 'e'; c++)
		printf("Letter: %c\n", c);
	return NULL;
}

int main(void)
{
	pthread_t thread1, thread2;

	pthread_create(&thread1, NULL, print_numbers, NULL);
	pthread_create(&thread2, NULL, print_letters, NULL); // tsafe-expect: thread-leak // tsafe-maybe-dynamic: thread-leak

	pthread_join(thread1, NULL);
	printf("Done!\n");
	return 0;
}
