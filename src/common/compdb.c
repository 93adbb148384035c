/* compdb.c — the list of translation units to analyse, and files named on the command line
 * with their flags after "--". (Reading compile_commands.json takes libclang, which knows
 * both its "command" and "arguments" forms: src/extract/compdb_read.c, in the extractor
 * process.) */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compdb.h"
#include "common/util.h"

static char *canonical(const char *dir, const char *file)
{
	char *joined = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", dir, file);
	char buf[PATH_MAX];
	char *real = realpath(joined, buf) ? xstrdup(buf) : NULL;
	if (real) {
		free(joined);
		return real;
	}
	return joined;     /* a missing file: the extractor will say so */
}

static int already_listed(const struct compile_db *db, const char *file)
{
	for (int i = 0; i < db->n; i++)
		if (!strcmp(db->units[i].file, file))
			return 1;
	return 0;
}

struct compile_unit *compdb_add(struct compile_db *db, const char *directory, const char *file)
{
	char *path = canonical(directory, file);
	if (already_listed(db, path)) {     /* compiled twice: analyse it once */
		free(path);
		return NULL;
	}
	grow_array((void **)&db->units, &db->cap, db->n, sizeof *db->units);
	struct compile_unit *u = &db->units[db->n++];
	memset(u, 0, sizeof *u);
	u->file = path;
	u->directory = xstrdup(directory);
	return u;
}

char *compdb_explain_failure(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return xasprintf("cannot read %s: %s (generate it with 'cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON' "
		                 "or 'bear -- make', or name files: tsafe scan FILE... -- FLAGS)", path, strerror(errno));
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, f);
	fclose(f);
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithOpts(sb.buf ? sb.buf : "", &end, 0);
	char *msg;
	if (!json) {
		int line = 1;
		for (const char *p = sb.buf; p && end && p < end; p++)
			line += *p == '\n';
		msg = xasprintf("%s is not valid JSON (near line %d); regenerate it with your build system", path, line);
	} else {
		msg = xasprintf("%s is not a compilation database (expected an array of {\"directory\", \"file\", "
		                "\"command\" or \"arguments\"}); regenerate it with your build system", path);
	}
	cJSON_Delete(json);
	sb_free(&sb);
	return msg;
}

void compdb_from_files(struct compile_db *db, char **files, int nfiles, char **flags, int nflags)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	for (int i = 0; i < nfiles; i++) {
		struct compile_unit *u = compdb_add(db, cwd, files[i]);
		if (!u)
			continue;
		u->argc = nflags + 2;
		u->argv = xcalloc((size_t)u->argc + 1, sizeof *u->argv);
		u->argv[0] = xstrdup("cc");
		for (int f = 0; f < nflags; f++)
			u->argv[f + 1] = xstrdup(flags[f]);
		u->argv[nflags + 1] = xstrdup(files[i]);
	}
}

void compile_unit_free(struct compile_unit *u)
{
	free(u->file);
	free(u->directory);
	for (int a = 0; a < u->argc; a++)
		free(u->argv[a]);
	free(u->argv);
}

void compdb_free(struct compile_db *db)
{
	for (int i = 0; i < db->n; i++)
		compile_unit_free(&db->units[i]);
	free(db->units);
	memset(db, 0, sizeof *db);
}
