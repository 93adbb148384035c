/*
 * 12_deadlocks/lock_order.c — the shop thread holds the inventory lock and then records the
 * order; the checkout thread holds the orders lock and then reserves stock.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks: if multiple threads are trying to
 * access the same resource at the same time, it can lead to deadlocks").
 * Bug: lock-order inversion through helper functions — inventory → orders in one thread,
 * orders → inventory in the other. Run at the same time they can deadlock; this run
 * starts the second thread after the first has finished, so it never hangs, but the
 * inversion is there all the same (lockdep reports it the same way).
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t inventory_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t orders_lock = PTHREAD_MUTEX_INITIALIZER;
static int stock = 10;
static int orders;

/* Called with inventory_lock held. */
static void record_order(void)
{
	pthread_mutex_lock(&orders_lock); // tsafe-expect: lock-order-inversion // tsafe-expect-dynamic: lock-order-inversion
	orders++;
	pthread_mutex_unlock(&orders_lock);
}

/* Called with orders_lock held. */
static int reserve_item(void)
{
	int ok;
	pthread_mutex_lock(&inventory_lock); // tsafe-expect-related: lock-order-inversion // tsafe-expect-dynamic-related: lock-order-inversion
	ok = stock > 0;
	if (ok)
		stock--;
	pthread_mutex_unlock(&inventory_lock);
	return ok;
}

static void *shop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&inventory_lock);
	if (stock > 0) {
		stock--;
		record_order();
	}
	pthread_mutex_unlock(&inventory_lock);
	return NULL;
}

static void *checkout(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&orders_lock);
	if (reserve_item())
		orders++;
	pthread_mutex_unlock(&orders_lock);
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, shop, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, checkout, NULL);
	pthread_join(t, NULL);
	printf("stock %d, orders %d\n", stock, orders);
	return 0;
}
