/*
 * 01_numbers_letters/correct_c11.c — the numbers/letters threads with C11 <threads.h>.
 * Seed 000 (Introduction to Multi-Threading and Concurrency: print_numbers / print_letters).
 * Correct: each thread tokenises its own copy of its list with the reentrant strtok_r.
 */
#include <stdio.h>
#include <string.h>
#include <threads.h>

/* Prints every comma-separated item of `list` (modified in place). */
static void print_items(const char *label, char *list)
{
	char *save = NULL;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		printf("%s: %s\n", label, tok);
}

static int print_numbers(void *arg)
{
	(void)arg;
	char list[] = "1,2,3,4,5";
	print_items("Number", list);
	return 0;
}

static int print_letters(void *arg)
{
	(void)arg;
	char list[] = "a,b,c,d,e";
	print_items("Letter", list);
	return 0;
}

int main(void)
{
	thrd_t thread1, thread2;

	if (thrd_create(&thread1, print_numbers, NULL) != thrd_success)
		return 1;
	if (thrd_create(&thread2, print_letters, NULL) != thrd_success) {
		thrd_join(thread1, NULL);
		return 1;
	}
	thrd_join(thread1, NULL);
	thrd_join(thread2, NULL);
	puts("Done!");
	return 0;
}
