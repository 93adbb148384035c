/*
 * 01_numbers_letters/shared_counter.c — both threads count the lines they print in one global.
 * Seed 000 (Introduction to Multi-Threading and Concurrency: print_numbers / print_letters).
 * Bug: lines_printed++ runs in both threads with no lock, so increments can be lost.
 */
#include <pthread.h>
#include <stdio.h>

static int lines_printed;

static void *print_numbers(void *arg)
{
	(void)arg;
	for (int i = 1; i < 6; i++) {
		printf("Number: %d\n", i);
		lines_printed++; // tsafe-expect: data-race
	}
	return NULL;
}

static void *print_letters(void *arg)
{
	(void)arg;
	for (char c = 'a'; c <= 'e'; c++) {
		printf("Letter: %c\n", c);
		lines_printed++; // tsafe-expect-related: data-race
	}
	return NULL;
}

int main(void)
{
	pthread_t thread1, thread2;

	pthread_create(&thread1, NULL, print_numbers, NULL);
	pthread_create(&thread2, NULL, print_letters, NULL);
	pthread_join(thread1, NULL);
	pthread_join(thread2, NULL);
	printf("Done! %d lines\n", lines_printed);
	return 0;
}
