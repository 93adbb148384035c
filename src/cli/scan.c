/* scan.c — `tsafe scan`: sources → facts (in parallel, cached) → whole-program analysis →
 * findings stored as one run → printed from the database like every engine's. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "analyze/suppress.h"
#include "cli.h"
#include "common/config.h"
#include "common/rules.h"
#include "common/util.h"
#include "cache/cache.h"
#include "extractor.h"
#include "pool.h"
#include "results.h"
#include "store/edges.h"

struct scan_args {
	struct output_opts out;
	const char *build_dir;
	char **files;
	int nfiles;
	char **flags;
	int nflags;
	int jobs;
	struct opt_rest rest;
};

/* Where a compile database usually is when none is named, as clang-tidy and clangd look:
 * the current directory, then CMake's build/. */
static const char *default_build_dir(void)
{
	static const char *const dirs[] = {".", "build"};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char path[64];
		snprintf(path, sizeof path, "%s/compile_commands.json", dirs[i]);
		if (access(path, F_OK) == 0) {
			fprintf(stderr, "tsafe: reading %s\n", path);
			return dirs[i];
		}
	}
	return NULL;
}

/* 0 to go on, 1 after --help, -1 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct scan_args *a)
{
	output_opts_init(&a->out);
	a->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	const struct option opts[] = {
		OPT_STRING('p', NULL, &a->build_dir, "DIR",
		           "read DIR/compile_commands.json (default: ./ or build/, the first that has one)"),
		OPT_INT('j', "jobs", &a->jobs, "N", 1, 4096,
		        "translation units analysed in parallel (default: all cores)"),
		OPT_DB(&a->out),
		OPT_FORMAT(&a->out),
		OPT_OUTPUT(&a->out),
		OPT_ROOT(&a->out, "project root: paths in findings are relative to it (default: the "
		         "current directory if it holds every source)"),
		OPT_FAIL_ON(&a->out),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "scan",
		.usage = "tsafe scan [-p BUILD_DIR] [options]\ntsafe scan FILE... [options] [-- COMPILER_FLAGS]",
		.opts = opts,
		.footer = "Exit status: 0 no findings, 1 findings, 2 usage or tool error, 3 some files "
		          "could not be analysed (the others were, and their findings are stored).",
	};
	int r = opt_parse(&cmd, argc, argv, &a->rest);
	if (r)
		return r;
	a->files = a->rest.operands;
	a->nfiles = a->rest.noperands;
	a->flags = a->rest.rest;
	a->nflags = a->rest.nrest;
	if (!a->build_dir && !a->nfiles && !(a->build_dir = default_build_dir())) {
		cli_error("nothing to scan: no compile_commands.json here or in build/; give -p "
		          "BUILD_DIR (with a compile_commands.json) or source files");
		return -1;
	}
	if (a->build_dir && a->nfiles) {
		cli_error("give either -p BUILD_DIR or files, not both");
		return -1;
	}
	return 0;
}

/* Entries of compile_commands.json that compile a file again: the first few said one line
 * each, the rest counted, since a build of several targets from shared sources (xz's
 * tools each compile the same helpers) would otherwise bury the summary line. */
enum { SKIPPED_SAID = 3 };

static void report_skipped(const struct compile_db *db)
{
	if (db->nassembler)
		fprintf(stderr, "tsafe: %d entr%s of compile_commands.json assemble%s (%s%s), not C: not "
		        "analysed\n", db->nassembler, db->nassembler == 1 ? "y" : "ies",
		        db->nassembler == 1 ? "s" : "", db->first_assembler,
		        db->nassembler > 1 ? " and others" : "");
	int shown = db->nskipped > SKIPPED_SAID + 1 ? SKIPPED_SAID : db->nskipped;
	if (shown < db->nskipped)
		fprintf(stderr, "tsafe: %d entries of compile_commands.json compile a file an earlier "
		        "entry compiles: each file is analysed once, with its first entry's flags; the "
		        "first %d:\n", db->nskipped, shown);
	for (int i = 0; i < shown; i++) {
		const struct compile_skip *k = &db->skipped[i];
		fprintf(stderr, "tsafe: compile_commands.json entry %d compiles %s again%s%s%s: it is "
		        "analysed once, with the flags of entry %d\n", k->entry, k->file,
		        k->difference ? " (" : " (same command)", k->difference ? k->difference : "",
		        k->difference ? ")" : "", k->kept_entry);
	}
}

/* The current directory when it holds every source, else their deepest common directory. */
static char *default_root(const struct compile_db *db)
{
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof cwd)) {
		size_t n = strlen(cwd);
		int all = 1;
		for (int i = 0; i < db->n && all; i++)
			all = !strncmp(db->units[i].file, cwd, n) && db->units[i].file[n] == '/';
		if (all)
			return xstrdup(cwd);
	}
	char *common = xstrdup(db->units[0].file);
	for (int i = 1; i < db->n; i++) {
		size_t k = 0;
		while (common[k] && common[k] == db->units[i].file[k])
			k++;
		common[k] = '\0';
	}
	char *slash = strrchr(common, '/');
	if (slash)
		*(slash == common ? slash + 1 : slash) = '\0';
	return common;
}

static char *canonical_root(const char *root)
{
	char buf[PATH_MAX];
	return realpath(root, buf) ? xstrdup(buf) : NULL;
}

/* Drops units the project config excludes. */
static void apply_excludes(struct compile_db *db, const struct project_config *cfg, const char *root)
{
	size_t n = strlen(root);
	int w = 0;
	for (int i = 0; i < db->n; i++) {
		const char *f = db->units[i].file;
		const char *rel = !strncmp(f, root, n) && f[n] == '/' ? f + n + 1 : f;
		if (config_excluded(cfg, rel)) {
			compile_unit_free(&db->units[i]);
			continue;
		}
		db->units[w++] = db->units[i];
	}
	db->n = w;
}

/* Reports the units that could not be analysed; returns how many failed or were partial. */
static int report_unit_problems(const struct scan_pool *pool)
{
	int bad = 0;
	for (int i = 0; i < pool->db->n; i++) {
		if (pool->status[i] == UNIT_FAILED)
			fprintf(stderr, "tsafe: cannot analyse %s: %s\n", pool->db->units[i].file, pool->why[i]);
		else if (pool->status[i] == UNIT_PARTIAL)
			fprintf(stderr, "tsafe: %s has errors, analysed in part: %s\n", pool->db->units[i].file,
			        pool->why[i]);
		else
			continue;
		bad++;
	}
	return bad;
}

static int validate_suppressions(const struct compile_db *db)
{
	for (int i = 0; i < db->n; i++) {
		char *err = NULL;
		if (suppress_check_file(db->units[i].file, &err)) {
			cli_error("%s", err);
			free(err);
			return -1;
		}
	}
	return 0;
}

/* The analysis's lock-order edges as the store keeps them, for `tsafe graph` and the HTML
 * report (the cross-run prediction reads only runtime runs' edges). Moves the strings. */
static int store_edges(struct store *st, long run, struct analyze_edge_list *edges)
{
	struct stored_edge_list l = {0};
	for (int i = 0; i < edges->n; i++) {
		struct analyze_edge *ae = &edges->items[i];
		struct stored_edge *e = stored_edge_list_add(&l);
		e->from = ae->from;
		e->to = ae->to;
		e->flags = EDGE_BLOCKING;   /* the analysis keeps no edge whose inner lock was a trylock */
		e->threads = ae->threads;
		e->inner = ae->inner;
		e->outer = ae->outer;
		memset(ae, 0, sizeof *ae);
	}
	int rc = store_edges_add(st, run, l.items, l.n);
	stored_edge_list_free(&l);
	return rc;
}

/* What a scan stores: findings and lock-order edges, fresh from the analysis or, when the
 * analysis of run `reused` is taken, copied from that run. */
struct scan_result {
	struct finding_list found;
	struct analyze_edge_list edges;
	long reused;
};

/* Stores the result as a run, then reads that run back: what is printed is what the
 * database holds. *run is the new run's id (or -1). */
static int store_and_print(struct scan_args *a, struct store *st, struct scan_result *res,
                           int argc, char **argv, int analysed_ok, long *run)
{
	char *cmd = cli_command(argc, argv);
	*run = store_run_begin(st, "static", a->out.root, a->out.root, cmd);
	free(cmd);
	int rc;
	if (*run < 0 || store_findings_add(st, *run, res->found.items, res->found.n) ||
	    (res->reused ? store_edges_copy(st, res->reused, *run) : store_edges(st, *run, &res->edges)))
		rc = cli_error("storing findings in '%s' failed: %s", a->out.db, store_errmsg(st));
	else
		rc = output_run(&a->out, st, *run, EXIT_CLEAN);
	if (rc != EXIT_TOOL && !analysed_ok)
		rc = EXIT_PARTIAL;
	if (*run > 0)
		store_run_end(st, *run, rc);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Loads the facts of every unit the pool found in the cache or had extracted, keeping one
 * copy of each header function, then analyses them. 0, or -1 when the database failed. */
static int analyse(struct scan_args *a, struct store *st, struct scan_pool *pool,
                   const struct project_config *cfg, struct scan_result *res,
                   struct analyze_stats *stats)
{
	const struct compile_db *db = pool->db;
	struct header_copies *copies = header_copies_new(pool->facts);
	int ok = 0, rc = 0;
	for (int i = 0; i < db->n && rc == 0; i++) {
		if (pool->status[i] == UNIT_FAILED)
			continue;
		struct tu_facts *tu = &pool->facts[i];
		char *file = tu->file, *key = tu->cache_key;
		memset(tu, 0, sizeof *tu);
		if (!cache_load(st, file, key, tu))
			rc = cli_error("the facts of %s vanished from '%s' during the scan: %s", file,
			               a->out.db, *store_errmsg(st) ? store_errmsg(st) : "run the scan again");
		header_copies_add(copies, i);
		free(file);
		free(key);
	}
	header_copies_finish(copies, db->n);
	if (rc)
		return -1;
	struct tu_facts *tus = xcalloc((size_t)(db->n ? db->n : 1), sizeof *tus);
	for (int i = 0; i < db->n; i++)
		if (pool->status[i] != UNIT_FAILED)
			tus[ok++] = pool->facts[i];
	struct analyze_opts ao = {.root = a->out.root, .edges = &res->edges};
	analyze_program(tus, ok, &ao, &res->found, stats);
	suppress_apply(&res->found, a->out.root, cfg);
	free(tus);
	return 0;
}

/* What the analysis could not follow, by rule: creation sites whose start routine it could
 * not resolve, callbacks outside code calls back (each one a finding, so a reused analysis
 * knows them too). */
static int count_rule(const struct finding_list *found, const char *rule)
{
	int n = 0;
	for (int i = 0; i < found->n; i++)
		n += str_eq(found->items[i].rule, rule);
	return n;
}

static void print_summary(const struct compile_db *db, int cached, const struct analyze_stats *s,
                          const struct finding_list *found, long reused_run, const struct timespec *t0)
{
	int nfound = found->n, unfollowed = count_rule(found, "thread-unresolved");
	int callbacks = count_rule(found, "callback-unfollowed");
	fprintf(stderr, "tsafe: %d translation unit%s (%d from cache), %d program%s, %d thread%s, "
	        "%d finding%s", db->n, db->n == 1 ? "" : "s", cached, s->programs,
	        s->programs == 1 ? "" : "s", s->threads, s->threads == 1 ? "" : "s", nfound,
	        nfound == 1 ? "" : "s");
	if (unfollowed)
		fprintf(stderr, ", %d thread creation%s not followed (their threads are not analysed)",
		        unfollowed, unfollowed == 1 ? "" : "s");
	if (callbacks)
		fprintf(stderr, ", %d callback%s of outside code not followed (not analysed for races)",
		        callbacks, callbacks == 1 ? "" : "s");
	if (reused_run > 0)
		fprintf(stderr, " (nothing changed: analysis of run %ld reused)", reused_run);
	fprintf(stderr, " in %.2f s\n", seconds_since(t0));
	if (s->truncated)
		fprintf(stderr, "tsafe: the call graph is too large to follow everywhere; some calls were "
		                "not analysed (findings may be missing)\n");
}

static int analyse_and_store(struct scan_args *a, struct store *st, struct compile_db *db,
                             const char *config_path, const struct project_config *cfg, int argc,
                             char **argv)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct scan_pool pool = {
		.db = db, .db_path = a->out.db, .root = a->out.root, .config_path = config_path,
		.jobs = a->jobs,
		.progress = isatty(STDERR_FILENO),
	};
	struct scan_result res = {0};
	char *key = NULL;
	int rc = EXIT_TOOL;
	if (pool_run(&pool)) {
		cli_error("%s", pool.fatal);
		goto out;
	}
	int problems = report_unit_problems(&pool), cached = 0;
	for (int i = 0; i < db->n; i++)
		cached += pool.status[i] == UNIT_CACHED;
	key = results_key(&pool, a->out.root);
	struct stored_results prev = {0};
	struct analyze_stats stats = {0};
	int reused = results_reuse(st, key, &res.found, &prev);
	if (reused < 0) {
		cli_error("reading '%s' failed: %s", a->out.db, store_errmsg(st));
		goto out;
	}
	if (reused) {
		res.reused = prev.run;
		stats.programs = prev.programs;
		stats.threads = prev.threads;
		stats.truncated = prev.truncated;
	} else if (analyse(a, st, &pool, cfg, &res, &stats)) {
		goto out;
	}
	print_summary(db, cached, &stats, &res.found, res.reused, &t0);
	long run;
	rc = store_and_print(a, st, &res, argc, argv, problems == 0, &run);
	/* A truncated analysis is remembered too: its budget counts work, not time, so the same
	 * inputs are cut the same way again (and the summary says so either way). */
	if (rc != EXIT_TOOL && !reused && results_remember(st, key, run, &stats))
		rc = cli_error("storing findings in '%s' failed: %s", a->out.db, store_errmsg(st));
out:
	free(key);
	finding_list_free(&res.found);
	analyze_edge_list_free(&res.edges);
	pool_free(&pool);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a = {0};
	struct compile_db db = {0};
	struct project_config cfg = {0};
	struct store *st = NULL;
	char *err = NULL, *root = NULL;
	int rc = EXIT_TOOL;
	/* An extractor process that dies mid-answer must not take the scan with it. */
	signal(SIGPIPE, SIG_IGN);
	int parsed = parse_args(argc, argv, &a);
	if (parsed) {
		rc = parsed > 0 ? EXIT_CLEAN : EXIT_TOOL;
		goto out;
	}
	if (rules_load(&err)) {
		cli_error("%s", err);
		goto out;
	}
	if (a.build_dir ? extractor_list(a.build_dir, &db, &err) : (compdb_from_files(&db, a.files, a.nfiles, a.flags, a.nflags), 0)) {
		cli_error("%s", err);
		goto out;
	}
	report_skipped(&db);
	root = a.out.root ? canonical_root(a.out.root) : default_root(&db);
	if (!root) {
		cli_error("--root '%s' is not a directory", a.out.root);
		goto out;
	}
	a.out.root = root;
	if (config_load(root, &cfg, &err)) {
		cli_error("%s", err);
		goto out;
	}
	apply_excludes(&db, &cfg, root);
	if (db.n == 0) {
		cli_error("every translation unit is excluded by %s", cfg.path);
		goto out;
	}
	if (validate_suppressions(&db))
		goto out;
	/* Opened here first: a bad --db fails before any parsing, and the schema exists before
	 * the workers open their own connections. */
	if (store_open(a.out.db, &st, &err)) {
		cli_error("%s", err);
		goto out;
	}
	rc = analyse_and_store(&a, st, &db, cfg.path, &cfg, argc, argv);
out:
	if (st)
		store_close(st);
	free(err);
	free(root);
	opt_rest_free(&a.rest);
	config_free(&cfg);
	compdb_free(&db);
	return rc;
}
