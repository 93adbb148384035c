/*
 * 04_processes/correct_separate_memory.c — each child increments a global "shared" counter;
 * the parent still sees 0.
 * Seed 002 (Multi-threading vs Multi-processing: "Memory of each process is separated from
 * another, it cannot be shared" — the cache that Gunicorn's processes could not share).
 * Correct for thread safety: after fork each process writes its own copy of the global, so
 * there is no race (and no sharing either, which is the lesson of the seed).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NPROCS = 4 };

static int cache_hits;

static void serve_requests(void)
{
	for (int i = 0; i < 100; i++)
		cache_hits++;
}

int main(void)
{
	for (int i = 0; i < NPROCS; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			serve_requests();
			printf("child %d: cache_hits = %d\n", i, cache_hits);
			fflush(stdout);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	printf("parent: cache_hits = %d (the children's updates stayed in the children)\n", cache_hits);
	return 0;
}
