/* fuzz_compdb.c — libFuzzer target: a compile_commands.json as `tsafe scan -p DIR` reads it:
 * the units libclang lists (both "command" and "arguments" forms), kept once per file, and
 * the explanation tsafe gives when it is not a database. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "targets.h"
#include "common/compdb.h"
#include "extract/extract.h"

static char dir[64], path[128];

int fuzz_compdb(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/tsafe-fuzz-compdb-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof path, "%s/compile_commands.json", dir);
	}
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	struct compile_db db = {0};
	if (extract_compdb_read(dir, &db) != 0 || db.n == 0)
		free(compdb_explain_failure(path));
	compdb_free(&db);
	return 0;
}
