/*
 * 01_numbers_letters/correct.c — two threads print numbers and letters, main joins both.
 * Seed 000 (Introduction to Multi-Threading and Concurrency: print_numbers / print_letters).
 * Correct: the threads share nothing but stdout, whose calls are thread-safe.
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
	static const char letters[] = {'a', 'b', 'c', 'd', 'e'};
	for (size_t i = 0; i < sizeof letters; i++)
		printf("Letter: %c\n", letters[i]);
	return NULL;
}

int main(void)
{
	pthread_t thread1, thread2;

	if (pthread_create(&thread1, NULL, print_numbers, NULL) != 0)
		return 1;
	if (pthread_create(&thread2, NULL, print_letters, NULL) != 0) {
		pthread_join(thread1, NULL);
		return 1;
	}
	pthread_join(thread1, NULL);
	pthread_join(thread2, NULL);
	printf("Done!\n");
	return 0;
}
