/*
 * 12_deadlocks/correct_transfer_c11.c — opposite transfers with C11 threads; transfer()
 * locks the account at the lower address first.
 * Seed 001 (Concurrency and Multithreading: "Deadlocks").
 * Correct: the two mtx_t of the same struct are always taken in address order, so
 * concurrent opposite transfers cannot deadlock.
 */
#include <stdio.h>
#include <threads.h>

enum { ROUNDS = 200 };

struct account {
	mtx_t lock;
	long balance;
};

struct payment {
	struct account *from, *to;
	long amount;
};

static struct account alice = {.balance = 500}, bob = {.balance = 500};

static void transfer(struct account *from, struct account *to, long amount)
{
	struct account *lo = from < to ? from : to;
	struct account *hi = from < to ? to : from;

	mtx_lock(&lo->lock);
	mtx_lock(&hi->lock);
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
	}
	mtx_unlock(&hi->lock);
	mtx_unlock(&lo->lock);
}

static int payer(void *arg)
{
	const struct payment *p = arg;
	for (int i = 0; i < ROUNDS; i++)
		transfer(p->from, p->to, p->amount);
	return 0;
}

int main(void)
{
	struct payment to_bob = {&alice, &bob, 3}, to_alice = {&bob, &alice, 2};
	thrd_t a, b;

	mtx_init(&alice.lock, mtx_plain);
	mtx_init(&bob.lock, mtx_plain);
	thrd_create(&a, payer, &to_bob);
	thrd_create(&b, payer, &to_alice);
	thrd_join(a, NULL);
	thrd_join(b, NULL);
	printf("alice %ld, bob %ld\n", alice.balance, bob.balance);
	mtx_destroy(&alice.lock);
	mtx_destroy(&bob.lock);
	return 0;
}
