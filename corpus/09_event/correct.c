/*
 * 09_event/correct.c — three workers block on a "start" event until main sets it.
 * Seed 004 (Multi-Threading in Python: "Event: allows threads to wait for an event to occur
 * ... set() and wait()").
 * Correct: the event is a flag guarded by a mutex with a condition variable; set()
 * broadcasts with the mutex held and wait() loops on the flag.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum { NWORKERS = 3 };

struct event {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool is_set;
};

static struct event start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

static void event_set(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	ev->is_set = true;
	pthread_cond_broadcast(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
}

static void event_wait(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	while (!ev->is_set)
		pthread_cond_wait(&ev->cond, &ev->lock);
	pthread_mutex_unlock(&ev->lock);
}

static bool event_is_set(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	bool set = ev->is_set;
	pthread_mutex_unlock(&ev->lock);
	return set;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	printf("worker %ld waiting for the start signal\n", id);
	event_wait(&start);
	printf("worker %ld started\n", id);
	return NULL;
}

int main(void)
{
	pthread_t workers[NWORKERS];

	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)i);
	sleep_ms(10);
	printf("main: event set before? %s\n", event_is_set(&start) ? "yes" : "no");
	event_set(&start);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	return 0;
}
