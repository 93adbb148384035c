/*
 * 06_lock/double_lock.c — withdraw() holds the account lock and, on its refusal path,
 * calls a helper that takes the same lock again.
 * Seed 004 (Multi-Threading in Python: "Lock: other threads that attempt to acquire the
 * lock will be blocked until it's released" — including the thread that holds it).
 * Bug: the mutex is not recursive, so the refusal path deadlocks the thread on itself.
 * (The run never takes that path: withdrawals stay below the balance.)
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 100 };

struct account {
	pthread_mutex_t lock;
	long balance;
};

static struct account acct = {PTHREAD_MUTEX_INITIALIZER, 1000};

static long account_balance(struct account *a)
{
	pthread_mutex_lock(&a->lock); // tsafe-expect: double-lock
	long b = a->balance;
	pthread_mutex_unlock(&a->lock);
	return b;
}

static int withdraw(struct account *a, long amount)
{
	pthread_mutex_lock(&a->lock);
	if (amount > a->balance) {
		fprintf(stderr, "refused %ld: balance is %ld\n", amount, account_balance(a));
		pthread_mutex_unlock(&a->lock);
		return -1;
	}
	a->balance -= amount;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static void deposit(struct account *a, long amount)
{
	pthread_mutex_lock(&a->lock);
	a->balance += amount;
	pthread_mutex_unlock(&a->lock);
}

static void *spender(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++)
		withdraw(&acct, 5);
	return NULL;
}

static void *earner(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++)
		deposit(&acct, 3);
	return NULL;
}

int main(void)
{
	pthread_t spending, earning;

	pthread_create(&spending, NULL, spender, NULL);
	pthread_create(&earning, NULL, earner, NULL);
	pthread_join(spending, NULL);
	pthread_join(earning, NULL);
	printf("balance %ld\n", account_balance(&acct));
	return 0;
}
