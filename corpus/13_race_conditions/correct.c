/*
 * 13_race_conditions/correct.c — one thread modifies a profile while reader threads use it.
 * Seed 002 (Multi-threading vs Multi-processing: "race conditions occur when ... thread A
 * modifies the data while thread B is using it").
 * Correct: the writer holds the rwlock for writing while it changes the record; readers
 * hold it for reading while they look at it, so they always see a consistent pair.
 */
#include <pthread.h>
#include <stdio.h>

enum { NREADERS = 3, UPDATES = 200 };

struct profile {
	pthread_rwlock_t lock;
	long version;
	long checksum;	/* always version * 7 */
};

static struct profile prof = {.lock = PTHREAD_RWLOCK_INITIALIZER};

static void *updater(void *arg)
{
	(void)arg;
	for (int i = 1; i <= UPDATES; i++) {
		pthread_rwlock_wrlock(&prof.lock);
		prof.version = i;
		prof.checksum = i * 7L;
		pthread_rwlock_unlock(&prof.lock);
	}
	return NULL;
}

static void *reader(void *arg)
{
	long *inconsistent = arg;
	for (int i = 0; i < UPDATES; i++) {
		pthread_rwlock_rdlock(&prof.lock);
		if (prof.checksum != prof.version * 7)
			(*inconsistent)++;
		pthread_rwlock_unlock(&prof.lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t up, readers[NREADERS];
	long inconsistent[NREADERS] = {0};

	pthread_create(&up, NULL, updater, NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_create(&readers[i], NULL, reader, &inconsistent[i]);
	pthread_join(up, NULL);
	long total = 0;
	for (int i = 0; i < NREADERS; i++) {
		pthread_join(readers[i], NULL);
		total += inconsistent[i];
	}
	printf("version %ld, inconsistent reads: %ld\n", prof.version, total);
	return 0;
}
