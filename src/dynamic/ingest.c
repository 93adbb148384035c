/* ingest.c — a run's logs to findings: read every process's file, give fork children
 * their parent's definitions, symbolise (one symboliser per module map: fork children
 * share their parent's), then misuse, deadlocks, thread leaks and same-class inversions
 * per process, and the run's edges between classes for the lock-order graph. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

struct ingest {
	struct rt_file *files;
	int nfiles, cap_files;
	struct dyn_process *procs;
	struct symbolizer **syms;
	char **sym_keys;
	int nsyms, cap_syms, cap_keys;
};

static int is_log_name(const struct dirent *e)
{
	size_t len = strlen(e->d_name);
	return str_starts(e->d_name, "tsafe-rt.") && len > 4 && !strcmp(e->d_name + len - 4, ".log");
}

static int read_dir(const char *dir, struct ingest *in, char **err)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_log_name, alphasort);   /* a stable order of processes */
	if (n < 0) {
		*err = xasprintf("cannot read the runtime's log directory '%s': %m", dir);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name);
		char *why = NULL;
		grow_array((void **)&in->files, &in->cap_files, in->nfiles, sizeof *in->files);
		int got = rc ? -1 : rtlog_read(path, &in->files[in->nfiles], &why);
		if (got == 0)
			in->nfiles++;
		else if (got == -2) {
			*err = why;       /* what no runtime wrote is refused, not skipped */
			why = NULL;
			rc = -1;
		}
		free(why);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

static const struct rt_file *parent_of(const struct ingest *in, const struct rt_file *f)
{
	if (!(f->proc->flags & RTP_FORKED))
		return NULL;
	for (int i = 0; i < in->nfiles; i++)
		if (!strcmp(in->files[i].name, f->parent))
			return &in->files[i];
	return NULL;
}

/* The module map as text: processes with equal maps share a symboliser. */
static char *map_key(const struct dyn_process *p)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, p->exe);
	for (int i = 0; i < p->nmods; i++)
		sb_addf(&sb, "\n%s@%llx", p->mods[i].path, (unsigned long long)p->mods[i].base);
	return sb_detach(&sb);
}

static struct symbolizer *symbolizer_for(void *ctx, const struct dyn_process *p)
{
	struct ingest *in = ctx;
	char *key = map_key(p);
	for (int i = 0; i < in->nsyms; i++)
		if (!strcmp(in->sym_keys[i], key)) {
			free(key);
			return in->syms[i];
		}
	grow_array((void **)&in->syms, &in->cap_syms, in->nsyms, sizeof *in->syms);
	grow_array((void **)&in->sym_keys, &in->cap_keys, in->nsyms, sizeof *in->sym_keys);
	in->sym_keys[in->nsyms] = key;
	in->syms[in->nsyms] = sym_new(p->mods, p->nmods, p->exe);
	return in->syms[in->nsyms++];
}

static void analyse(const struct dyn_ctx *c, struct dyn_process *p, struct dyn_run *out)
{
	dyn_name_classes(c, p);
	dyn_name_threads(c, p);
	dyn_misuse_findings(c, p);
	dyn_deadlocks(c, p);
	dyn_thread_leaks(c, p);
	dyn_same_class_cycles(c, p);
	dyn_collect_edges(c, p, &out->edges);
	out->sum.processes++;
	out->sum.truncated += p->file->truncated;
	out->sum.deadlocked += p->deadlocked;
	out->sum.exited += p->exited;
	for (int w = 1; w <= RTL_MAX; w++)
		if (p->limits[w].count > out->sum.limits[w].count)
			out->sum.limits[w] = p->limits[w];
	for (int i = 1; i < p->cap_threads; i++)
		out->sum.threads += p->threads[i].defined;
}

/* The same finding from several processes (a fork child repeating its parent's code) is
 * one finding. */
static void dedupe(struct finding_list *l)
{
	int w = 0;
	for (int i = 0; i < l->n; i++) {
		int dup = 0;
		for (int k = 0; k < w && !dup; k++)
			dup = str_eq(l->items[k].fingerprint, l->items[i].fingerprint);
		if (dup)
			finding_free(&l->items[i]);
		else
			l->items[w++] = l->items[i];
	}
	l->n = w;
}

int dynamic_ingest(const char *dir, const struct dyn_opts *o, struct dyn_run *out, char **err)
{
	memset(out, 0, sizeof *out);
	struct ingest in = {0};
	if (read_dir(dir, &in, err)) {
		for (int i = 0; i < in.nfiles; i++)
			rtlog_free(&in.files[i]);
		free(in.files);
		return -1;
	}
	struct dyn_ctx c = {.opts = o, .out = &out->findings};
	in.procs = xcalloc((size_t)in.nfiles + 1, sizeof *in.procs);
	for (int i = 0; i < in.nfiles; i++)
		process_load(&in.procs[i], &in.files[i], parent_of(&in, &in.files[i]));
	for (int i = 0; i < in.nfiles; i++) {
		in.procs[i].make_sym = symbolizer_for;
		in.procs[i].sym_ctx = &in;
		analyse(&c, &in.procs[i], out);
	}
	for (int i = 0; i < out->findings.n; i++)
		finding_fingerprint(&out->findings.items[i], o->root);
	for (int i = 0; o->watch && i < in.nfiles; i++)
		dyn_watch(&c, &in.procs[i], o->watch);   /* the static findings' fingerprints */
	dedupe(&out->findings);
	for (int i = 0; i < in.nfiles; i++)
		process_free(&in.procs[i]);
	free(in.procs);
	for (int i = 0; i < in.nsyms; i++) {
		sym_free(in.syms[i]);
		free(in.sym_keys[i]);
	}
	free(in.syms);
	free(in.sym_keys);
	for (int i = 0; i < in.nfiles; i++)
		rtlog_free(&in.files[i]);
	free(in.files);
	return 0;
}

void dyn_run_free(struct dyn_run *r)
{
	finding_list_free(&r->findings);
	stored_edge_list_free(&r->edges);
	memset(r, 0, sizeof *r);
}
