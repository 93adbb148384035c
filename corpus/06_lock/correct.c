/*
 * 06_lock/correct.c — threads deposit into and withdraw from one account under a Lock.
 * Seed 004 (Multi-Threading in Python: "Lock: allows only one thread to acquire the lock at
 * a time").
 * Correct: every access to the balance holds the account's mutex; the mutex is initialised
 * once with pthread_once before the threads start using it.
 */
#include <pthread.h>
#include <stdio.h>

enum { NDEPOSITORS = 3, ROUNDS = 1000 };

struct account {
	pthread_mutex_t lock;
	long balance;
};

static struct account acct;
static pthread_once_t acct_once = PTHREAD_ONCE_INIT;

static void acct_init(void)
{
	pthread_mutex_init(&acct.lock, NULL);
	acct.balance = 100;
}

static void deposit(struct account *a, long amount)
{
	pthread_mutex_lock(&a->lock);
	a->balance += amount;
	pthread_mutex_unlock(&a->lock);
}

static int withdraw(struct account *a, long amount)
{
	int ok;
	pthread_mutex_lock(&a->lock);
	ok = a->balance >= amount;
	if (ok)
		a->balance -= amount;
	pthread_mutex_unlock(&a->lock);
	return ok;
}

static void *depositor(void *arg)
{
	(void)arg;
	pthread_once(&acct_once, acct_init);
	for (int i = 0; i < ROUNDS; i++)
		deposit(&acct, 2);
	return NULL;
}

static void *spender(void *arg)
{
	int *refused = arg;
	pthread_once(&acct_once, acct_init);
	for (int i = 0; i < ROUNDS; i++)
		if (!withdraw(&acct, 1))
			(*refused)++;
	return NULL;
}

int main(void)
{
	pthread_t depositors[NDEPOSITORS], spending;
	int refused = 0;

	for (int i = 0; i < NDEPOSITORS; i++)
		pthread_create(&depositors[i], NULL, depositor, NULL);
	pthread_create(&spending, NULL, spender, &refused);
	for (int i = 0; i < NDEPOSITORS; i++)
		pthread_join(depositors[i], NULL);
	pthread_join(spending, NULL);
	printf("balance %ld, %d withdrawals refused\n", acct.balance, refused);
	return 0;
}
