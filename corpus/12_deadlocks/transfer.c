/*
 * 12_deadlocks/transfer.c — transfer(from, to) locks the source account, then the
 * destination; one thread pays alice → bob while another pays bob → alice.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Bug: the two locks of the same kind are taken in argument order, so opposite transfers
 * take them in opposite orders (the classic ABBA). This run lets the second thread start
 * only after the first has finished, so it never hangs; the inversion is latent.
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 100 };

struct account {
	int id;
	pthread_mutex_t lock;
	long balance;
};

struct payment {
	struct account *from, *to;
	long amount;
};

static struct account alice = {1, PTHREAD_MUTEX_INITIALIZER, 500};
static struct account bob = {2, PTHREAD_MUTEX_INITIALIZER, 500};

static void transfer(struct account *from, struct account *to, long amount)
{
	pthread_mutex_lock(&from->lock); // tsafe-expect-related: lock-order-inversion // tsafe-expect-dynamic-related: lock-order-inversion
	pthread_mutex_lock(&to->lock); // tsafe-expect: lock-order-inversion // tsafe-expect-dynamic: lock-order-inversion
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
	}
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_unlock(&from->lock);
}

static void *payer(void *arg)
{
	const struct payment *p = arg;
	for (int i = 0; i < ROUNDS; i++)
		transfer(p->from, p->to, p->amount);
	return NULL;
}

int main(void)
{
	struct payment to_bob = {&alice, &bob, 3}, to_alice = {&bob, &alice, 2};
	pthread_t t;

	pthread_create(&t, NULL, payer, &to_bob);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, payer, &to_alice);
	pthread_join(t, NULL);
	printf("alice %ld, bob %ld\n", alice.balance, bob.balance);
	return 0;
}
