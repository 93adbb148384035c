/*
 * 14_never_exit/correct_cond.c — a cleanup thread sleeps between rounds on a condition
 * variable, so a shutdown request wakes it at once.
 * Seed 001 (Concurrency and Multithreading: "Infinite Loops ... no way for threads to exit
 * gracefully").
 * Correct: the shutdown flag is set under the mutex and broadcast; the thread waits with a
 * timeout in a loop that re-checks the flag, and main joins it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool shutting_down;

static struct timespec deadline_in_ms(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *cleaner(void *arg)
{
	int *rounds = arg;
	pthread_mutex_lock(&lock);
	while (!shutting_down) {
		(*rounds)++;
		struct timespec next = deadline_in_ms(100);
		while (!shutting_down && pthread_cond_timedwait(&wake, &lock, &next) == 0)
			;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t t;
	int rounds = 0;

	pthread_create(&t, NULL, cleaner, &rounds);
	nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
	pthread_mutex_lock(&lock);
	shutting_down = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	printf("cleaner stopped after %d rounds\n", rounds);
	return 0;
}
