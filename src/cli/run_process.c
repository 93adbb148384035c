/* run_process.c — what every engine of `tsafe run` does around the program: a private
 * directory for what it writes, the program's exit status as tsafe returns it (and why it
 * ended, on stderr), and the directory's removal once its contents are stored. */
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/util.h"
#include "run.h"

char *run_tmpdir(const char *prefix, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	tmp = tmp && *tmp ? tmp : "/tmp";
	char *dir = xasprintf("%s/%s-XXXXXX", tmp, prefix);
	if (!mkdtemp(dir)) {
		cli_error("cannot create a directory for %s in '%s': %m (set TMPDIR to a writable "
		          "directory)", what, tmp);
		free(dir);
		return NULL;
	}
	/* Absolute, so that a program that changes directory (a daemon's chdir("/")) and then
	 * forks or execs still finds it. */
	char *absolute = realpath(dir, NULL);
	if (absolute) {
		free(dir);
		dir = absolute;
	}
	return dir;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void run_tmpdir_remove(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int run_exit_code(int status, const struct spawn_end *end, int timeout_s, const char *under)
{
	if (end->timed_out)
		fprintf(stderr, "tsafe: the program did not end within %d s%s and was ended; what "
		        "was recorded until then is kept\n", timeout_s, under);
	else if (end->passed_on)
		fprintf(stderr, "tsafe: SIG%s was passed on to the program; what was recorded until "
		        "it ended is kept\n", sigabbrev_np(end->passed_on));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		if (!end->timed_out && !end->passed_on)
			fprintf(stderr, "tsafe: the program was killed by signal %d (%s)%s; what was "
			        "recorded until then is kept\n", WTERMSIG(status),
			        sigdescr_np(WTERMSIG(status)), under);
		return 128 + WTERMSIG(status);
	}
	return EXIT_TOOL;
}
