/*
 * 12_deadlocks/correct_trylock.c — one thread must take the log lock before the cache lock,
 * the other needs them the other way round; it uses trylock and backs off.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Correct: the out-of-order acquisition is a trylock; on failure the thread releases what
 * it holds, backs off and retries, so it never waits while holding a lock (a successful
 * trylock cannot block, and lockdep orders nothing by it either).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 200 };

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_lines, cache_entries;

static void *logger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&log_lock);
		pthread_mutex_lock(&cache_lock);
		log_lines++;
		cache_entries++;
		pthread_mutex_unlock(&cache_lock);
		pthread_mutex_unlock(&log_lock);
	}
	return NULL;
}

static void *evictor(void *arg)
{
	int *retries = arg;
	for (int i = 0; i < ROUNDS; i++) {
		for (;;) {
			pthread_mutex_lock(&cache_lock);
			if (pthread_mutex_trylock(&log_lock) == 0)
				break;
			pthread_mutex_unlock(&cache_lock);
			(*retries)++;
			nanosleep(&(struct timespec){.tv_nsec = 1000}, NULL);
		}
		cache_entries--;
		log_lines++;
		pthread_mutex_unlock(&log_lock);
		pthread_mutex_unlock(&cache_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	int retries = 0;

	pthread_create(&a, NULL, logger, NULL);
	pthread_create(&b, NULL, evictor, &retries);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("log %d, cache %d, %d back-offs\n", log_lines, cache_entries, retries);
	return 0;
}
