/* baseline.c — `tsafe baseline save`: the current findings as a file a team commits, so that
 * `tsafe gate` fails only on findings added after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/baseline.h"
#include "common/util.h"

/* Writes next to the target and renames, so a failed write never leaves half a baseline. */
static int write_atomically(const char *path, struct baseline *b)
{
	if (!strcmp(path, "-"))
		return baseline_write(stdout, b) ? cli_error("writing the baseline to stdout failed") : 0;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *out = fopen(tmp, "w");
	int rc = 0;
	if (!out) {
		rc = cli_error("cannot write '%s': %m (check the directory exists and is writable)", tmp);
	} else if (baseline_write(out, b) | fclose(out)) {
		rc = cli_error("writing the baseline to '%s' failed (is the disk full?)", tmp);
		unlink(tmp);
	} else if (rename(tmp, path)) {
		rc = cli_error("cannot replace '%s': %m (check the directory is writable)", path);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int save(const char *db, const char *path)
{
	if (access(db, F_OK) != 0)
		return cli_error("no database at '%s' (run 'tsafe scan' first, or pass --db PATH)", db);
	struct store *st;
	char *err = NULL;
	if (store_open(db, &st, &err)) {
		cli_error("%s", err);
		free(err);
		return EXIT_TOOL;
	}
	struct finding_query q = {.current_only = 1};
	struct finding_list l = {0};
	int rc;
	if (store_findings_load(st, &q, &l)) {
		rc = cli_error("reading findings from '%s' failed: %s", db, store_errmsg(st));
	} else {
		struct baseline b = {0};
		baseline_add_findings(&b, &l);
		rc = write_atomically(path, &b);
		if (rc == 0 && strcmp(path, "-") != 0)
			fprintf(stderr, "tsafe: %d finding%s saved to %s\n", b.n, b.n == 1 ? "" : "s", path);
		baseline_free(&b);
	}
	finding_list_free(&l);
	store_close(st);
	return rc;
}

int cmd_baseline(int argc, char **argv)
{
	struct output_opts o;
	output_opts_init(&o);
	o.out = "tsafe-baseline.json";
	const struct option opts[] = {
		OPT_DB(&o),
		OPT_STRING('o', "output", &o.out, "FILE", "where to write it (default "
		           "tsafe-baseline.json; -: stdout)"),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "baseline save",
		.usage = "tsafe baseline save [--db PATH] [-o FILE]",
		.about = "Writes the findings the database currently holds (the latest run of each "
		         "engine and scope; suppressed ones left out) to FILE: sorted, one finding per "
		         "line and without line numbers, so that it diffs well under review. Commit it, "
		         "then run 'tsafe gate --baseline FILE' in CI.",
		.opts = opts,
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		char *help = opt_help(&cmd);
		fputs(help, argc < 2 ? stderr : stdout);
		free(help);
		return argc < 2 ? EXIT_TOOL : EXIT_CLEAN;
	}
	if (strcmp(argv[1], "save") != 0)
		return cli_error("unknown baseline command '%s' (use 'tsafe baseline save')", argv[1]);
	int r = opt_parse_no_operands(&cmd, argc - 1, argv + 1);
	if (r)
		return r > 0 ? EXIT_CLEAN : EXIT_TOOL;
	return save(o.db, o.out);
}
