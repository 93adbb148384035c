/*
 * 13_race_conditions/read_unlocked.c — readers peek at the profile's version without the
 * lock to skip work when nothing changed.
 * Seed 002 (Multi-threading vs Multi-processing: "race conditions occur when ... thread A
 * modifies the data while thread B is using it").
 * Bug: the unlocked read of `version` races with the writer's locked update ("double-checked"
 * reads need an atomic, not a plain long).
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
		prof.version = i; // tsafe-expect: data-race
		prof.checksum = i * 7L;
		pthread_rwlock_unlock(&prof.lock);
	}
	return NULL;
}

static void *reader(void *arg)
{
	long *refreshes = arg;
	long seen = -1, checksum = 0;
	for (int i = 0; i < UPDATES; i++) {
		if (prof.version == seen) // tsafe-expect-related: data-race
			continue;	/* nothing new */
		pthread_rwlock_rdlock(&prof.lock);
		seen = prof.version;
		checksum = prof.checksum;
		pthread_rwlock_unlock(&prof.lock);
		(*refreshes)++;
	}
	return checksum == seen * 7 ? NULL : arg;
}

int main(void)
{
	pthread_t up, readers[NREADERS];
	long refreshes[NREADERS] = {0};

	pthread_create(&up, NULL, updater, NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_create(&readers[i], NULL, reader, &refreshes[i]);
	pthread_join(up, NULL);
	for (int i = 0; i < NREADERS; i++) {
		pthread_join(readers[i], NULL);
		printf("reader %d refreshed %ld times\n", i, refreshes[i]);
	}
	return 0;
}
