/* vgkinds.c — which tsafe rule a Helgrind or DRD error is, from the table in
 * rules/valgrind-kinds.tsv (tool, kind, a glob on the error's text, rule). Kept as data so
 * that a new Valgrind message needs a row, not a rebuild. */
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
};

static struct kind_row *rows;
static int nrows;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

/* Splits a tab-separated line into exactly four fields (in place). */
static int split4(char *line, char **f)
{
	for (int i = 0; i < 4; i++) {
		f[i] = line;
		char *tab = strchr(line, i < 3 ? '\t' : '\n');
		if (!tab && i < 3)
			return -1;
		if (tab) {
			*tab = '\0';
			line = tab + 1;
		}
	}
	return 0;
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
		char *f[4];
		if (buf[0] == '#' || buf[0] == '\n' || split4(buf, f))
			continue;
		rows = append_zeroed(rows, &nrows, sizeof *rows);
		rows[nrows - 1] = (struct kind_row){xstrdup(f[0]), xstrdup(f[1]), xstrdup(f[2]),
		                                    xstrdup(f[3])};
	}
	fclose(fp);
	free(path);
}

const char *vg_rule_of(const char *tool, const char *kind, const char *text)
{
	pthread_once(&loaded, load);
	for (int i = 0; i < nrows; i++)
		if (str_eq(rows[i].tool, tool) && str_eq(rows[i].kind, kind) &&
		    fnmatch(rows[i].text, text ? text : "", 0) == 0)
			return rows[i].rule;
	return NULL;
}
