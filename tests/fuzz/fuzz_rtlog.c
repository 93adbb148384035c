/* fuzz_rtlog.c — libFuzzer target: the runtime's logs as `tsafe run` reads them (records,
 * ids, fork parents, symbolising, findings, the lock-order search). The input is split at
 * each "\nTSAFE-NEXT-FILE\n" into up to four log files tsafe-rt.<n>.0.log of one run
 * directory, so a fork child can name its parent's file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets.h"
#include "dynamic/dynamic.h"

static const char separator[] = "\nTSAFE-NEXT-FILE\n";

static char dir[64];

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

static void write_file(int n, const uint8_t *data, size_t size)
{
	char path[128];
	snprintf(path, sizeof path, "%s/tsafe-rt.%d.0.log", dir, n + 1);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
}

int fuzz_rtlog(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/tsafe-fuzz-rtlog-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	clear_dir();
	const uint8_t *at = data, *end = data + size;
	for (int n = 0; n < 4 && at <= end; n++) {
		const uint8_t *cut = memmem(at, (size_t)(end - at), separator, sizeof separator - 1);
		if (n == 3 || !cut)
			cut = end;
		write_file(n, at, (size_t)(cut - at));
		at = cut + sizeof separator - 1;
	}
	struct dyn_opts o = {.root = "/"};
	struct dyn_run r;
	char *err = NULL;
	if (dynamic_ingest(dir, &o, &r, &err) == 0) {
		dynamic_lock_order(&r, NULL, &o);
		dyn_run_free(&r);
	}
	free(err);
	return 0;
}
