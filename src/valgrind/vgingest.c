/* vgingest.c — every XML file a Valgrind run left (one per process: vg.PID.xml) read into
 * findings, with fingerprints, and one finding per fingerprint: Valgrind reports the two
 * halves of `counter++` (its read and its write), and each process of a forking program,
 * separately. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "internal.h"

static int is_xml_log(const char *name)
{
	size_t n = strlen(name);
	return str_starts(name, "vg.") && n > 4 && !strcmp(name + n - 4, ".xml");
}

static void read_one(const char *path, const struct vg_opts *o, struct finding_list *out,
                     struct vg_summary *sum)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return;
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, fp);
	fclose(fp);
	struct vg_doc doc;
	vg_parse(sb.buf ? sb.buf : "", sb.len, &doc);
	sum->processes++;
	sum->errors += doc.nerrors;
	sum->truncated += !doc.complete;
	vg_findings(&doc, o, out);
	vg_doc_free(&doc);
	sb_free(&sb);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vg_ingest(const char *dir, const struct vg_opts *o, struct finding_list *out,
              struct vg_summary *sum, char **err)
{
	DIR *d = opendir(dir);
	if (!d) {
		*err = xasprintf("cannot read Valgrind's output directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (is_xml_log(e->d_name)) {
			names = append_zeroed(names, &n, sizeof *names);
			names[n - 1] = xasprintf("%s/%s", dir, e->d_name);
		}
	closedir(d);
	/* In name order, so the findings do not depend on the directory's order. */
	qsort(names, (size_t)n, sizeof *names, cmp_name);
	int from = out->n;
	for (int i = 0; i < n; i++) {
		read_one(names[i], o, out, sum);
		free(names[i]);
	}
	free(names);
	finding_list_finish(out, from, o->root);
	return 0;
}
