/* compdb.c — the translation units to analyse: from a compile_commands.json (read by
 * libclang, which knows both the "command" and the "arguments" forms) or from files named on
 * the command line with their flags after "--". */
#include <clang-c/CXCompilationDatabase.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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

static struct compile_unit *add_unit(struct compile_db *db)
{
	grow_array((void **)&db->units, &db->cap, db->n, sizeof *db->units);
	struct compile_unit *u = &db->units[db->n++];
	memset(u, 0, sizeof *u);
	return u;
}

/* libclang says only "cannot load": find out why, for a message the user can act on. */
static char *explain_failure(const char *path)
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

int compdb_load(const char *dir, struct compile_db *db, char **err)
{
	char *path = xasprintf("%s/compile_commands.json", dir);
	CXCompilationDatabase_Error cerr;
	CXCompilationDatabase cdb = clang_CompilationDatabase_fromDirectory(dir, &cerr);
	if (cerr != CXCompilationDatabase_NoError || !cdb) {
		*err = explain_failure(path);
		free(path);
		return -1;
	}
	CXCompileCommands cmds = clang_CompilationDatabase_getAllCompileCommands(cdb);
	unsigned n = cmds ? clang_CompileCommands_getSize(cmds) : 0;
	for (unsigned i = 0; i < n; i++) {
		CXCompileCommand c = clang_CompileCommands_getCommand(cmds, i);
		CXString d = clang_CompileCommand_getDirectory(c), f = clang_CompileCommand_getFilename(c);
		char *file = canonical(clang_getCString(d), clang_getCString(f));
		if (already_listed(db, file)) {     /* compiled twice: analyse it once */
			free(file);
		} else {
			struct compile_unit *u = add_unit(db);
			u->file = file;
			u->directory = xstrdup(clang_getCString(d));
			u->argc = (int)clang_CompileCommand_getNumArgs(c);
			u->argv = xcalloc((size_t)u->argc + 1, sizeof *u->argv);
			for (int a = 0; a < u->argc; a++) {
				CXString s = clang_CompileCommand_getArg(c, (unsigned)a);
				u->argv[a] = xstrdup(clang_getCString(s));
				clang_disposeString(s);
			}
		}
		clang_disposeString(d);
		clang_disposeString(f);
	}
	if (cmds)
		clang_CompileCommands_dispose(cmds);
	clang_CompilationDatabase_dispose(cdb);
	if (db->n == 0) {
		*err = xasprintf("%s lists no translation units (was the project configured and built?)", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void compdb_from_files(struct compile_db *db, char **files, int nfiles, char **flags, int nflags)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	for (int i = 0; i < nfiles; i++) {
		char *file = canonical(cwd, files[i]);
		if (already_listed(db, file)) {
			free(file);
			continue;
		}
		struct compile_unit *u = add_unit(db);
		u->file = file;
		u->directory = xstrdup(cwd);
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
