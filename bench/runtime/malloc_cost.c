/* malloc_cost.c — what an allocation costs: N malloc/free pairs of small blocks, 16 kept
 * alive at a time; prints nanoseconds per pair. watch_bench.py --malloc runs it natively,
 * under the runtime, and with heap candidates watched whose allocation sites are not its
 * calls (outside and inside the bounds of the sites' code). Usage: malloc_cost [N] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000;
	void *keep[16] = {0};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int k = (int)(i & 15);
		free(keep[k]);
		keep[k] = malloc((size_t)(16 + (i & 63)));
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	for (int k = 0; k < 16; k++)
		free(keep[k]);
	printf("%.2f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
