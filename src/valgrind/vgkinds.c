/* vgkinds.c — which tsafe rule a Helgrind or DRD error is, from the table in
 * rules/valgrind-kinds.tsv (tool, kind, a glob on the error's text, rule, and optionally a
 * glob on the function the program called). Kept as data so that a new Valgrind message
 * needs a row, not a rebuild. */
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/util.h"
#include "internal.h"

struct kind_row {
	char *tool, *kind, *text, *rule;
	char *via;                   /* glob on a frame above the user's, or NULL: any */
};

static struct kind_row *rows;
static int nrows;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

/* Splits a tab-separated line into four or five fields (in place): the count, or -1. */
static int split(char *line, char **f)
{
	line[strcspn(line, "\n")] = '\0';
	int n = 0;
	for (char *save, *t = strtok_r(line, "\t", &save); t; t = strtok_r(NULL, "\t", &save)) {
		if (n == 5)
			return -1;
		f[n++] = t;
	}
	return n >= 4 ? n : -1;
}

static void load(void)
{
	char *path = xasprintf("%s/valgrind-kinds.tsv", rules_dir());
	FILE *fp = fopen(path, "r");
	if (!fp) {
		/* Without the table every error keeps its tool's kind: nothing is lost. */
		fprintf(stderr, "tsafe: cannot read %s: Valgrind errors keep their own kind names "
		        "(set TSAFE_RULES_DIR to the rules/ folder)\n", path);
		free(path);
		return;
	}
	char buf[1024];
	while (fgets(buf, sizeof buf, fp)) {
		char *f[5];
		int n;
		if (buf[0] == '#' || buf[0] == '\n' || (n = split(buf, f)) < 0)
			continue;
		rows = append_zeroed(rows, &nrows, sizeof *rows);
		rows[nrows - 1] = (struct kind_row){xstrdup(f[0]), xstrdup(f[1]), xstrdup(f[2]),
		                                    xstrdup(f[3]), n == 5 ? xstrdup(f[4]) : NULL};
	}
	fclose(fp);
	free(path);
}

/* Does a frame of the stack above its first user frame match glob (NULL: any)? */
static int via(const char *glob, const struct vg_stack *s)
{
	if (!glob || !strcmp(glob, "*"))
		return 1;
	int u = s ? vg_user_frame(s) : -1;
	for (int i = 0; i < u; i++)
		if (s->frames[i].fn && fnmatch(glob, s->frames[i].fn, 0) == 0)
			return 1;
	return 0;
}

const char *vg_rule_of(const char *tool, const char *kind, const char *text,
                       const struct vg_stack *stack)
{
	pthread_once(&loaded, load);
	for (int i = 0; i < nrows; i++)
		if (str_eq(rows[i].tool, tool) && str_eq(rows[i].kind, kind) &&
		    fnmatch(rows[i].text, text ? text : "", 0) == 0 && via(rows[i].via, stack))
			return rows[i].rule;
	return NULL;
}
