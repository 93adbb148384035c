/* tsafe_extract.c — the extractor process `tsafe scan` starts, one per worker: the only
 * program that loads libclang. It keeps the parse out of the scan's own memory (libclang and
 * its ASTs stay here, so the whole-program analysis starts from a small process) and a
 * libclang crash on one file from ending the scan.
 *
 *   tsafe-extract --list DIR
 *       the units of DIR/compile_commands.json, one record each (directory, file, argv...),
 *       after a first record "ok" (or "error" when libclang cannot read it).
 *   tsafe-extract --serve --db PATH --root DIR [--config PATH]
 *       for each record read (file, directory, argv...): parse, save the facts in the
 *       database, answer (status, why, cache key); status is parsed, partial, failed or
 *       store-error. Ends at end of input.
 *
 * Records are frames (common/frame.h) on stdin and stdout. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "common/config.h"
#include "common/frame.h"
#include "common/rules.h"
#include "common/util.h"
#include "extract/extract.h"

static int list_units(const char *dir)
{
	struct compile_db db = {0};
	const char *status = extract_compdb_read(dir, &db) ? "error" : "ok";
	int rc = frame_write(STDOUT_FILENO, &status, 1);
	for (int i = 0; rc == 0 && i < db.n; i++) {
		const struct compile_unit *u = &db.units[i];
		const char **rec = xcalloc((size_t)u->argc + 2, sizeof *rec);
		rec[0] = u->directory;
		rec[1] = u->file;
		for (int a = 0; a < u->argc; a++)
			rec[a + 2] = u->argv[a];
		rc = frame_write(STDOUT_FILENO, rec, u->argc + 2);
		free(rec);
	}
	compdb_free(&db);
	return rc == 0 && strcmp(status, "ok") == 0 ? 0 : 1;
}

/* A test's way to make this process die on one file, as a libclang crash would. */
static void crash_if_asked(const char *file)
{
	const char *victim = getenv("TSAFE_TEST_EXTRACTOR_CRASH");
	const char *base = strrchr(file, '/');
	if (victim && *victim && strcmp(base ? base + 1 : file, victim) == 0)
		abort();
}

/* The answer to one unit: status, why (a diagnostic or an error), the facts' cache key. */
struct answer {
	const char *status;
	char *why, *key;
};

/* Parses one unit and saves its facts. */
static void extract_one(struct store *st, const char *config_path, const struct compile_unit *u,
                        struct answer *ans)
{
	crash_if_asked(u->file);
	struct extract_opts eo = {
		.argv = (const char *const *)u->argv, .argc = u->argc, .directory = u->directory,
	};
	struct tu_facts tu;
	struct extract_deps deps = {0};
	int partial = 0;
	if (extract_tu_deps(&eo, u->file, &tu, &deps) != 0 || tu.parse_failed) {
		ans->status = "failed";
		ans->why = xstrdup(tu.ndiagnostics ? tu.diagnostics[0] : "libclang could not parse it");
	} else if (partial = tu.ndiagnostics > 0, cache_save(st, u, config_path, &tu, &deps, partial)) {
		ans->status = "store-error";
		ans->why = xstrdup(store_errmsg(st));
	} else {
		ans->status = partial ? "partial" : "parsed";
		ans->why = xstrdup(partial ? tu.diagnostics[0] : "");
		ans->key = xstrdup(tu.cache_key);
	}
	extract_deps_free(&deps);
	tu_facts_free(&tu);
}

static int serve(const char *db_path, const char *root, const char *config_path)
{
	char *err = NULL;
	struct project_config cfg = {0};
	struct store *st = NULL;
	if (rules_load(&err) || config_load(root, &cfg, &err) || store_open(db_path, &st, &err)) {
		fprintf(stderr, "tsafe: %s\n", err);
		free(err);
		config_free(&cfg);
		return 2;
	}
	char **rec;
	int n, rc = 0;
	while ((rc = frame_read(STDIN_FILENO, &rec, &n)) == 1) {
		if (n < 3)
			break;
		struct compile_unit u = {.file = rec[0], .directory = rec[1], .argv = rec + 2, .argc = n - 2};
		struct answer ans = {0};
		extract_one(st, config_path, &u, &ans);
		const char *rec_out[] = {ans.status, ans.why, ans.key ? ans.key : ""};
		rc = frame_write(STDOUT_FILENO, rec_out, 3);
		free(ans.why);
		free(ans.key);
		frame_free(rec, n);
		if (rc)
			break;
	}
	store_close(st);
	config_free(&cfg);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);      /* a scan that stops reading ends us by end of input */
	if (argc == 3 && strcmp(argv[1], "--list") == 0)
		return list_units(argv[2]);
	const char *db = NULL, *root = NULL, *config = NULL;
	int serving = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--serve") == 0)
			serving = 1;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
	}
	if (!serving || !db || !root) {
		fprintf(stderr, "tsafe-extract: started by `tsafe scan`, not by hand "
		                "(usage: tsafe-extract --list DIR | --serve --db PATH --root DIR [--config PATH])\n");
		return 2;
	}
	return serve(db, root, config);
}
