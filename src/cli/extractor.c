/* extractor.c — starting tsafe-extract processes and talking to them in frames
 * (common/frame.h). The scan itself never loads libclang: each worker thread drives one
 * extractor process, which parses and stores facts, and a process that dies on a file (a
 * libclang crash) costs that file only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/frame.h"
#include "common/util.h"
#include "extractor.h"

extern char **environ;

/* tsafe-extract lives next to tsafe, in the build tree and once installed. */
static char *helper_path(void)
{
	char *path = exe_sibling("tsafe-extract");
	return path ? path : xstrdup("tsafe-extract");
}

/* Runs tsafe-extract with argv, its stdin and stdout on new pipes. */
static int spawn(struct extractor *x, char **argv, char **err)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC))
		goto fail;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		goto fail;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	int rc = posix_spawn(&x->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		x->pid = 0;
		errno = rc;
		goto fail;
	}
	x->to = in[1];
	x->from = out[0];
	return 0;
fail:;
	char buf[128];
	*err = xasprintf("cannot start %s: %s (it is built and installed with tsafe; rebuild or "
	                 "reinstall tsafe)", argv[0], strerror_r(errno, buf, sizeof buf));
	return -1;
}

int extractor_start(struct extractor *x, const struct extractor_args *a, char **err)
{
	if (x->pid)
		return 0;
	char *path = helper_path();
	char *argv[] = {path, "--serve", "--db", (char *)a->db_path, "--root", (char *)a->root,
	                a->config_path ? "--config" : NULL, (char *)a->config_path, NULL};
	int rc = spawn(x, argv, err);
	free(path);
	return rc;
}

/* Ends the process and says how it ended, for the unit it died on. */
static char *reap(struct extractor *x)
{
	close(x->to);
	close(x->from);
	int status = 0;
	while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
		;
	x->pid = 0;
	if (WIFSIGNALED(status)) {     /* sigdescr_np, unlike strsignal, is thread-safe */
		const char *sig = sigdescr_np(WTERMSIG(status));
		return xasprintf("the extractor died on it (%s): libclang crashed on this file; the "
		                 "other files are analysed", sig ? sig : "killed by a signal");
	}
	return xasprintf("the extractor stopped on it (exit status %d); the other files are "
	                 "analysed", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int extractor_run(struct extractor *x, const struct extractor_args *a, const struct compile_unit *u,
                  struct extracted *out)
{
	memset(out, 0, sizeof *out);
	char *err = NULL;
	if (extractor_start(x, a, &err)) {
		out->status = xstrdup("cannot-start");
		out->why = err;
		return -1;
	}
	const char **rec = xcalloc((size_t)u->argc + 2, sizeof *rec);
	rec[0] = u->file;
	rec[1] = u->directory;
	for (int i = 0; i < u->argc; i++)
		rec[i + 2] = u->argv[i];
	char **reply = NULL;
	int n = 0;
	int ok = frame_write(x->to, rec, u->argc + 2) == 0 && frame_read(x->from, &reply, &n) == 1 &&
	         n == 3;
	free(rec);
	if (!ok) {
		frame_free(reply, n);
		out->status = xstrdup("failed");
		out->why = reap(x);
		return -1;
	}
	out->status = reply[0];
	out->why = reply[1];
	out->key = *reply[2] ? reply[2] : (free(reply[2]), NULL);
	free(reply);
	return 0;
}

void extracted_free(struct extracted *e)
{
	free(e->status);
	free(e->why);
	free(e->key);
}

void extractor_stop(struct extractor *x)
{
	if (!x->pid)
		return;
	close(x->to);            /* end of input: it finishes and exits */
	close(x->from);
	while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
		;
	x->pid = 0;
}

int extractor_list(const char *dir, struct compile_db *db, char **err)
{
	*err = NULL;
	/* libclang's reader takes what it can of a broken file: check it strictly first. */
	char *json_path = xasprintf("%s/compile_commands.json", dir);
	int bad = access(json_path, F_OK) == 0 && compdb_check_json(json_path, err);
	free(json_path);
	if (bad)
		return -1;
	struct extractor x = {0};
	char *path = helper_path();
	char *argv[] = {path, "--list", (char *)dir, NULL};
	int rc = spawn(&x, argv, err);
	free(path);
	if (rc)
		return -1;
	close(x.to);
	char **rec;
	int n;
	int got = frame_read(x.from, &rec, &n);
	int fine = got == 1 && n == 1 && strcmp(rec[0], "ok") == 0;
	if (got == 1)
		frame_free(rec, n);
	while (fine && (got = frame_read(x.from, &rec, &n)) == 1) {
		if (n >= 3) {
			char **args = xcalloc((size_t)n - 1, sizeof *args);
			for (int i = 2; i < n; i++) {
				args[i - 2] = rec[i];
				rec[i] = NULL;
			}
			compdb_add_command(db, rec[0], rec[1], args, n - 2);
		}
		frame_free(rec, n);
	}
	close(x.from);
	waitpid(x.pid, NULL, 0);
	char *json = xasprintf("%s/compile_commands.json", dir);
	if (!fine || got < 0)
		*err = compdb_explain_failure(json);
	else if (db->n == 0)
		*err = xasprintf("%s lists no translation units (was the project configured and built?)", json);
	free(json);
	return *err ? -1 : 0;
}
