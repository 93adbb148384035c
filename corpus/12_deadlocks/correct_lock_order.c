/*
 * 12_deadlocks/correct_lock_order.c — the shop and checkout threads both take the
 * inventory lock before the orders lock, and run at the same time.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Correct: one global lock order (inventory, then orders) documented and followed by every
 * path, so no cycle can form.
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 200 };

/* Lock order: inventory_lock, then orders_lock. */
static pthread_mutex_t inventory_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t orders_lock = PTHREAD_MUTEX_INITIALIZER;
static int stock = 1000;
static int orders;

/* Called with inventory_lock held. */
static void record_order(void)
{
	pthread_mutex_lock(&orders_lock);
	orders++;
	pthread_mutex_unlock(&orders_lock);
}

static void *shop(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&inventory_lock);
		if (stock > 0) {
			stock--;
			record_order();
		}
		pthread_mutex_unlock(&inventory_lock);
	}
	return NULL;
}

static void *checkout(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&inventory_lock);
		pthread_mutex_lock(&orders_lock);
		if (stock > 0) {
			stock--;
			orders++;
		}
		pthread_mutex_unlock(&orders_lock);
		pthread_mutex_unlock(&inventory_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, shop, NULL);
	pthread_create(&b, NULL, checkout, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("stock %d, orders %d\n", stock, orders);
	return 0;
}
