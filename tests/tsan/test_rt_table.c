/* test_rt_table.c — the runtime's lock-free table (runtime/table.c) under ThreadSanitizer:
 * threads insert one set of keys in different orders at once. Every key must get one id
 * whichever thread made it, ids must be 1..N with none twice, and what a slot's init wrote
 * must be visible to every thread that finds the key (the fill is published by the slot's
 * state, release then acquire). Built with -fsanitize=thread (make test's unit-tsan step):
 * a missing order is a ThreadSanitizer report, which ends the test with an error. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt.h"

enum { THREADS = 4, KEYS = 4096 };

static struct rt_table table;
static uint64_t payload[KEYS + 1];      /* by id: the key init saw, written before publication */
static uint32_t seen[THREADS][KEYS];    /* by thread and key: the id it got */
static int failures;

static void fail(const char *what, long a, long b)
{
	fprintf(stderr, "FAIL %s (%ld, %ld)\n", what, a, b);
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

static void init_slot(uint32_t id, void *ctx)
{
	payload[id] = *(const uint64_t *)ctx;
}

static void *inserter(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int n = 0; n < KEYS; n++) {
		uint64_t key = (uint64_t)((n * 7 + t * 1031) % KEYS);   /* each thread its own order */
		uint32_t id = rt_table_get(&table, key, key ^ 0x5555, 3, 1, init_slot, &key, NULL);
		if (id == 0 || id > KEYS)
			fail("an id out of range", (long)key, (long)id);
		else if (payload[id] != key)
			fail("a slot's init not seen by a thread that found the key", (long)key, (long)id);
		else
			seen[t][key] = id;
	}
	return NULL;
}

int main(void)
{
	if (rt_table_init(&table, 14) != 0) {   /* 16384 slots: the keys fit under 3/4 */
		fprintf(stderr, "FAIL cannot map the table\n");
		return 1;
	}
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, inserter, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	static int owner[KEYS + 1];
	for (int key = 0; key < KEYS; key++) {
		for (int t = 1; t < THREADS; t++)
			if (seen[t][key] != seen[0][key])
				fail("one key, two ids", key, t);
		uint32_t id = seen[0][key];
		if (id && owner[id]++)
			fail("one id for two keys", key, (long)id);
	}
	if (table.next_id != KEYS)
		fail("ids made", (long)table.next_id, KEYS);
	uint64_t absent = KEYS + 5;
	if (rt_table_get(&table, absent, absent ^ 0x5555, 3, 0, NULL, NULL, NULL) != 0)
		fail("a key never inserted was found", (long)absent, 0);
	printf("%s: %d threads, %d keys, %d failures\n", failures ? "FAIL" : "ok", THREADS, KEYS, failures);
	return failures != 0;
}
