/* vgingest.c — every XML file a Valgrind run left (one per process: vg.PID.xml) read into
 * findings, with fingerprints, and one finding per fingerprint: Valgrind reports the two
 * halves of `counter++` (its read and its write), and each process of a forking program,
 * separately. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inputfile.h"
#include "common/keymap.h"
#include "common/util.h"
#include "internal.h"

static int is_xml_log(const char *name)
{
	size_t n = strlen(name);
	return str_starts(name, "vg.") && n > 4 && !strcmp(name + n - 4, ".xml");
}

struct reading {
	const struct vg_opts *o;
	struct finding_list *out;
	struct vg_summary *sum;
	struct keymap seen;          /* fingerprints of the findings kept so far */
	struct vg_echoes echoes;     /* this process's objects destroyed in use */
};

/* Each error becomes findings as soon as it is read, and a repeat of a finding already kept
 * is dropped at once: neither the file nor its repeated errors are held whole. */
static void take_error(void *ctx, const struct vg_doc *doc, const struct vg_error *e)
{
	struct reading *r = ctx;
	struct vg_doc one = *doc;
	one.errors = (struct vg_error *)e;
	one.nerrors = 1;
	int from = r->out->n;
	vg_findings(&one, r->o, r->out);
	r->sum->errors++;
	int k = from, dummy;
	for (int i = from; i < r->out->n; i++) {
		struct finding *f = &r->out->items[i];
		finding_fingerprint(f, r->o->root);
		if (keymap_get_str(&r->seen, f->fingerprint, &dummy)) {
			finding_free(f);
			continue;
		}
		keymap_put_str(&r->seen, f->fingerprint, 1);
		r->out->items[k++] = *f;
	}
	r->out->n = k;
	vg_echoes_take(&r->echoes, e, r->out, from);
}

static int read_one(const char *path, struct reading *r, char **err)
{
	struct vg_doc doc;
	char *why = NULL;
	if (vg_parse_file(path, &doc, take_error, r, &why)) {
		*err = input_refused()
			? xasprintf("Valgrind's output '%s' %s: tsafe reads only the XML files Valgrind "
			            "writes (remove it)", path, why)
			: xasprintf("cannot read Valgrind's output '%s': %s", path, why);
		free(why);
		return -1;
	}
	vg_echoes_reset(&r->echoes);
	r->sum->processes++;
	r->sum->truncated += !doc.complete;
	vg_doc_free(&doc);
	return 0;
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
	int rc = 0;
	struct reading r = {.o = o, .out = out, .sum = sum};
	for (int i = 0; i < n; i++) {
		if (rc == 0 && read_one(names[i], &r, err))
			rc = -1;
		free(names[i]);
	}
	free(names);
	keymap_free(&r.seen);   /* each finding was fingerprinted and kept once as read */
	return rc;
}
