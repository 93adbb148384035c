/*
 * 12_deadlocks/correct_transfer.c — opposite transfers run at the same time; transfer()
 * always locks the account with the smaller id first.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Correct: the two same-kind locks are ordered by account id (through account_lock()
 * wrappers), so every thread takes them in one global order.
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 200 };

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

static void account_lock(struct account *a)
{
	pthread_mutex_lock(&a->lock);
}

static void account_unlock(struct account *a)
{
	pthread_mutex_unlock(&a->lock);
}

static void transfer(struct account *from, struct account *to, long amount)
{
	struct account *first = from->id < to->id ? from : to;
	struct account *second = first == from ? to : from;

	account_lock(first);
	account_lock(second);
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
	}
	account_unlock(second);
	account_unlock(first);
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
	pthread_t a, b;

	pthread_create(&a, NULL, payer, &to_bob);
	pthread_create(&b, NULL, payer, &to_alice);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("alice %ld, bob %ld (total %ld)\n", alice.balance, bob.balance,
	       alice.balance + bob.balance);
	return 0;
}
