/*
 * 04_processes/correct_fork.c — five child processes do CPU-heavy work; the parent waits.
 * Seed 002 (Multi-threading vs Multi-processing: Process(target=do_heavy_computational_task)).
 * Correct: no threads at all; each child has its own copy of memory and reports its result
 * through its exit status.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NPROCS = 5 };

/* A small CPU-bound job: the number of primes below `limit`. */
static int do_heavy_computational_task(int limit)
{
	int primes = 0;
	for (int n = 2; n < limit; n++) {
		int prime = 1;
		for (int d = 2; d * d <= n && prime; d++)
			prime = n % d != 0;
		primes += prime;
	}
	return primes;
}

int main(void)
{
	pid_t pids[NPROCS];
	int started = 0;

	for (int i = 0; i < NPROCS; i++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0)
			_exit(do_heavy_computational_task(200 * (i + 1)) % 256);
		pids[started++] = pid;
	}
	printf("Done creating %d processes\n", started);

	for (int i = 0; i < started; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status))
			printf("process %d: %d primes (mod 256)\n", i, WEXITSTATUS(status));
	}
	return 0;
}
