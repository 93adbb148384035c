/*
 * 06_lock/unlock_not_held.c — withdraw() unlocks on its refusal branch and then again at
 * the shared failure label.
 * Seed 004 (Multi-Threading in Python: "Lock" — acquire() and release() must pair up).
 * Bug: the `fail:` path releases a mutex it no longer holds; on a default mutex that can
 * release another thread's critical section. (The run never refuses a withdrawal.)
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 100 };

struct account {
	pthread_mutex_t lock;
	long balance;
};

static struct account acct = {PTHREAD_MUTEX_INITIALIZER, 1000};

static int withdraw(struct account *a, long amount)
{
	pthread_mutex_lock(&a->lock);
	if (amount > a->balance) {
		pthread_mutex_unlock(&a->lock);
		goto fail;
	}
	a->balance -= amount;
	pthread_mutex_unlock(&a->lock);
	return 0;

fail:
	fprintf(stderr, "withdrawal of %ld refused\n", amount);
	pthread_mutex_unlock(&a->lock); // tsafe-expect: unlock-not-held
	return -1;
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
	printf("balance %ld\n", acct.balance);
	return 0;
}
