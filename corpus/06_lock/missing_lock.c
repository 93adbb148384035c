/*
 * 06_lock/missing_lock.c — deposit() takes the lock; withdraw() was written without it.
 * Seed 004 (Multi-Threading in Python: "Lock" and "Thread Safety").
 * Bug: inconsistent locking — the balance is locked in one place and not in the other, so
 * a withdrawal can overwrite a concurrent deposit.
 */
#include <pthread.h>
#include <stdio.h>

enum { NDEPOSITORS = 2, ROUNDS = 1000 };

static pthread_mutex_t balance_lock = PTHREAD_MUTEX_INITIALIZER;
static long balance = 100;

static void deposit(long amount)
{
	pthread_mutex_lock(&balance_lock);
	balance += amount; // tsafe-expect: data-race
	pthread_mutex_unlock(&balance_lock);
}

/* "Only one thread ever withdraws, so no lock needed." */
static void withdraw(long amount)
{
	balance -= amount; // tsafe-expect-related: data-race
}

static void *depositor(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++)
		deposit(2);
	return NULL;
}

static void *spender(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++)
		withdraw(1);
	return NULL;
}

int main(void)
{
	pthread_t depositors[NDEPOSITORS], spending;

	for (int i = 0; i < NDEPOSITORS; i++)
		pthread_create(&depositors[i], NULL, depositor, NULL);
	pthread_create(&spending, NULL, spender, NULL);
	for (int i = 0; i < NDEPOSITORS; i++)
		pthread_join(depositors[i], NULL);
	pthread_join(spending, NULL);
	printf("balance %ld (expected %d)\n", balance, 100 + NDEPOSITORS * ROUNDS * 2 - ROUNDS);
	return 0;
}
