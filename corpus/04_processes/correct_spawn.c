/*
 * 04_processes/correct_spawn.c — the parent spawns five fresh copies of itself, each given
 * its number, and waits for them.
 * Seed 003 (A Beginner's guide to parallel and concurrent programming: multiprocessing
 * spawn_process(number) for i in range(max_processes)).
 * Correct: like multiprocessing's "spawn" start method, each child is a new program image
 * (posix_spawn of /proc/self/exe) that receives its argument by copy; no threads, no sharing.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

enum { MAX_PROCESSES = 5 };

static int spawn_process(int number)
{
	printf("Runs in separate process %d\n", number);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return spawn_process(atoi(argv[2]));

	printf("Start %d processes\n", MAX_PROCESSES);
	fflush(stdout);
	pid_t pids[MAX_PROCESSES];
	int started = 0;
	for (int i = 0; i < MAX_PROCESSES; i++) {
		char num[16];
		snprintf(num, sizeof num, "%d", i);
		char *child_argv[] = {argv[0], "--child", num, NULL};
		if (posix_spawn(&pids[started], "/proc/self/exe", NULL, NULL, child_argv, environ) == 0)
			started++;
	}
	int failed = 0;
	for (int i = 0; i < started; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	printf("Finished running all Processes (%d failed)\n", failed + MAX_PROCESSES - started);
	return failed || started < MAX_PROCESSES;
}
