/*
 * 01_numbers_letters/strtok.c — both threads split their item lists with strtok().
 * Seed 000 (Introduction to Multi-Threading and Concurrency: print_numbers / print_letters).
 * Bug: strtok keeps its position in one static pointer shared by every thread, so the two
 * loops can continue each other's strings (use strtok_r).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Prints every comma-separated item of `list` (modified in place). */
static void print_items(const char *label, char *list)
{
	char *tok = strtok(list, ","); // tsafe-expect: mt-unsafe-call
	while (tok) {
		printf("%s: %s\n", label, tok);
		tok = strtok(NULL, ","); // tsafe-expect: mt-unsafe-call
	}
}

static void *print_numbers(void *arg)
{
	(void)arg;
	char list[] = "1,2,3,4,5";
	print_items("Number", list);
	return NULL;
}

static void *print_letters(void *arg)
{
	(void)arg;
	char list[] = "a,b,c,d,e";
	print_items("Letter", list);
	return NULL;
}

int main(void)
{
	pthread_t thread1, thread2;

	pthread_create(&thread1, NULL, print_numbers, NULL);
	pthread_create(&thread2, NULL, print_letters, NULL);
	pthread_join(thread1, NULL);
	pthread_join(thread2, NULL);
	printf("Done!\n");
	return 0;
}
