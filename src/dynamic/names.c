/* names.c — what the user reads: stacks as frames (the runtime's own frames and the libc
 * start-up tail left out, paths relative to the project root), lock classes by the names
 * the static analysis uses, and threads by their start routine and creation site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "store/facts_at.h"
#include "common/util.h"
#include "internal.h"

#define MAX_EXPANDED (RT_MAX_FRAMES * 4)

char *dyn_relative(const struct dyn_ctx *c, const char *path)
{
	return root_relative(c->opts->root, path);
}

/* The frames of one pc, runtime frames dropped. */
static int frames_of(struct dyn_process *p, uint64_t pc, struct sym_frame *out, int room)
{
	struct sym_frame tmp[8];
	int k = sym_pc(process_sym(p), pc, 1, tmp, 8), n = 0;
	for (int j = 0; j < k; j++) {
		if (tmp[j].runtime || n == room)
			sym_frame_clear(&tmp[j]);
		else
			out[n++] = tmp[j];
	}
	return n;
}

/* Raw frames: inlined calls expanded, runtime frames dropped. libc's frames above the
 * program's first frame with source and below its last are plumbing that resolve()
 * drops: they are not symbolised at all (naming one address of libc loads its whole
 * symbol table). */
static int expand(struct dyn_process *p, const struct dyn_stack *st, struct sym_frame *out)
{
	struct sym_frame *own[RT_MAX_FRAMES] = {0};
	int nown[RT_MAX_FRAMES] = {0}, first = -1, last = -1, n = 0;
	for (int i = 0; i < st->n && i < RT_MAX_FRAMES; i++) {
		if (sym_pc_is_plumbing(process_sym(p), st->pc[i]))
			continue;
		own[i] = xcalloc(8, sizeof *own[i]);
		nown[i] = frames_of(p, st->pc[i], own[i], 8);
		for (int j = 0; j < nown[i]; j++)
			if (own[i][j].file) {
				first = first < 0 ? i : first;
				last = i;
			}
	}
	for (int i = 0; i < st->n && i < RT_MAX_FRAMES; i++) {
		if (own[i]) {
			for (int j = 0; j < nown[i]; j++) {
				if (n < MAX_EXPANDED)
					out[n++] = own[i][j];
				else
					sym_frame_clear(&own[i][j]);
			}
			free(own[i]);
		} else if (first < 0 || (i > first && i < last)) {
			n += frames_of(p, st->pc[i], out + n, MAX_EXPANDED - n);
		}
	}
	return n;
}

static void resolve(const struct dyn_ctx *c, struct dyn_process *p, struct dyn_stack *st)
{
	struct sym_frame *raw = xcalloc(MAX_EXPANDED, sizeof *raw);
	int n = expand(p, st, raw);
	/* The location is the first frame with source; the plumbing at the bottom (thread
	 * start, __libc_start_main, _start) says nothing. */
	int lo = 0, hi = n;
	while (lo < n && (!raw[lo].file || raw[lo].system))
		lo++;
	if (lo == n)
		lo = 0;
	while (hi > lo + 1 && (raw[hi - 1].system || !raw[hi - 1].file))
		hi--;
	st->frames = xcalloc((size_t)(hi > lo ? hi - lo : 1), sizeof *st->frames);
	for (int i = lo; i < hi; i++) {
		struct frame *f = &st->frames[st->nframes++];
		f->func = xstrdup(raw[i].func ? raw[i].func : "??");
		f->file = raw[i].file ? dyn_relative(c, raw[i].file) : xstrdup(raw[i].module);
		f->line = raw[i].file ? raw[i].line : 0;
	}
	for (int i = 0; i < n; i++)
		sym_frame_clear(&raw[i]);
	free(raw);
	st->resolved = 1;
}

/* The stack symbolised for these addresses: the first with the same addresses (the runtime
 * captures a stack per new edge, and thousands of edges share one acquisition site). */
static struct dyn_stack *symbolised(const struct dyn_ctx *c, struct dyn_process *p,
                                    struct dyn_stack *st, uint32_t id)
{
	if (st->same_as)
		return &p->stacks[st->same_as];
	if (st->resolved)
		return st;
	struct keybuf kb = {0};
	for (int i = 0; i < st->n; i++)
		kb_int(&kb, (long)st->pc[i]);
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	int first;
	if (keymap_get(&p->stacks_by_pcs, k, &first) && (uint32_t)first != id) {
		st->same_as = (uint32_t)first;
		return &p->stacks[first];
	}
	keymap_put(&p->stacks_by_pcs, k, (int)id);
	resolve(c, p, st);
	return st;
}

const struct frame *dyn_frames(const struct dyn_ctx *c, struct dyn_process *p, uint32_t stack, int *n)
{
	struct dyn_stack *st = process_stack(p, stack);
	*n = 0;
	if (!st)
		return NULL;
	st = symbolised(c, p, st, stack);
	*n = st->nframes;
	return st->nframes ? st->frames : NULL;
}

char *dyn_where(const struct dyn_ctx *c, struct dyn_process *p, uint32_t stack)
{
	int n;
	const struct frame *f = dyn_frames(c, p, stack, &n);
	if (!f)
		return xstrdup("an unknown place");
	return f->line ? xasprintf("%s:%d", f->file, f->line) : xasprintf("%s (%s)", f->func, f->file);
}

struct location *dyn_add_location(const struct dyn_ctx *c, struct finding *fd, struct dyn_process *p,
                                  uint32_t stack, const char *message)
{
	struct location *loc = finding_add_loc(fd);
	int n;
	const struct frame *f = dyn_frames(c, p, stack, &n);
	loc->message = xstrdup(message);
	if (!f)
		return loc;
	loc->file = xstrdup(f[0].file);
	loc->line = f[0].line;
	loc->func = xstrdup(f[0].func);
	for (int i = 0; i < n; i++)
		finding_add_frame(loc, f[i].func, f[i].file, f[i].line);
	return loc;
}

/* "global:m" -> 'm', "field:struct a.lock" -> 'struct a.lock', "static:f.c:m" -> 'm',
 * "site:f.c:12" -> the lock made at f.c:12. */
char *dyn_label_of_name(const char *name)
{
	if (str_starts(name, "field:"))
		return xasprintf("'%s'", name + 6);
	if (str_starts(name, "site:"))
		return xasprintf("the lock made at %s", name + 5);
	const char *colon = strrchr(name, ':');
	return xasprintf("'%s'", colon ? colon + 1 : name);
}

/* A class name fit for a fingerprint: a site's line number dropped ("site:f.c"). */
char *dyn_symbol_of_name(const char *name)
{
	if (!str_starts(name, "site:"))
		return xstrdup(name);
	const char *colon = strrchr(name, ':');
	const char *d = colon ? colon + 1 : "";
	int digits = *d != '\0';
	for (; *d; d++)
		digits = digits && *d >= '0' && *d <= '9';
	return digits && colon > name + 5 ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
}

/* What a class's objects are called in messages. */
const char *dyn_kind_noun(int kind)
{
	switch (kind) {
	case RTK_SEM:
		return "semaphore";
	case RTK_BARRIER:
		return "barrier";
	case RTK_COND:
		return "condition variable";
	default:
		return "lock";
	}
}

static void name_site(const struct dyn_ctx *c, struct dyn_process *p, struct dyn_class *k)
{
	int n;
	const struct frame *f = dyn_frames(c, p, k->stack, &n);
	const char *noun = dyn_kind_noun(k->kind);
	if (f && f->line) {
		k->name = xasprintf("site:%s:%d", f->file, f->line);
		k->symbol = dyn_symbol_of_name(k->name);
		k->label = rt_kind_is_lock_kind(k->kind) ? dyn_label_of_name(k->name)
		                                         : xasprintf("the %s made at %s:%d", noun, f->file, f->line);
	} else if (f) {
		k->name = xasprintf("site:%s:%s", f->file, f->func);
		k->symbol = xstrdup(k->name);
		k->label = xasprintf("the %s made in %s", noun, f->func);
	} else {
		k->name = xasprintf("site:?:%#llx", (unsigned long long)k->addr);
		k->symbol = xstrdup("site:?");
		k->label = xasprintf("a %s of unknown origin", noun);
	}
}

/* The class the static facts give the line where the lock was made or first taken (or a
 * caller's line, when that line passes a lock it was given); NULL when they name none. */
static char *static_class(const struct dyn_ctx *c, struct dyn_process *p, const struct dyn_class *k)
{
	int n;
	const struct frame *f = c->opts->facts ? dyn_frames(c, p, k->stack, &n) : NULL;
	char *cls = NULL;
	for (int i = 0; f && i < n && !cls; i++)
		if (f[i].line > 0)
			cls = facts_lock_class_at(c->opts->facts, f[i].file, f[i].line);
	return cls;
}

static void name_as(struct dyn_class *k, char *name)
{
	free(k->name);
	free(k->symbol);
	free(k->label);
	k->name = name;
	k->symbol = dyn_symbol_of_name(name);
	k->label = dyn_label_of_name(name);
}

void dyn_name_classes(const struct dyn_ctx *c, struct dyn_process *p)
{
	for (int i = 1; i < p->cap_classes; i++) {
		struct dyn_class *k = &p->classes[i];
		if (!k->defined || k->name)
			continue;
		char *raw = k->how == RTC_DATA ? sym_data_class(process_sym(p), k->addr) : NULL;
		if (raw) {
			name_as(k, root_relative_text(c->opts->root, raw));
			free(raw);
			continue;
		}
		char *known = static_class(c, p, k);
		if (known)
			name_as(k, known);
		else if (k->how != RTC_DATA)
			name_site(c, p, k);
		else
			name_as(k, xasprintf("global:%#llx", (unsigned long long)k->addr));
	}
}

void dyn_name_threads(const struct dyn_ctx *c, struct dyn_process *p)
{
	for (int i = 1; i < p->cap_threads; i++) {
		struct dyn_thread *t = &p->threads[i];
		if (t->desc || !t->defined || (t->flags & RTT_FOREIGN))
			continue;        /* named when asked (dyn_thread_desc): most are never */
		if (t->flags & RTT_MAIN) {
			t->desc = xstrdup("main thread");
			continue;
		}
		struct sym_frame fr;
		sym_pc(process_sym(p), t->start, 0, &fr, 1);
		t->start_name = xstrdup(fr.func ? fr.func : "??");
		sym_frame_clear(&fr);
		char *where = dyn_where(c, p, t->stack);
		t->desc = xasprintf("thread '%s' created at %s", t->start_name, where);
		free(where);
	}
}

const char *dyn_thread_desc(struct dyn_process *p, uint32_t seq)
{
	struct dyn_thread *t = process_thread(p, seq);
	if (t && !t->desc && (!t->defined || (t->flags & RTT_FOREIGN)))
		t->desc = xasprintf("thread #%u", seq);
	return t && t->desc ? t->desc : "an unknown thread";
}

const char *dyn_class_label(struct dyn_process *p, uint32_t cls)
{
	struct dyn_class *k = process_class(p, cls);
	return k && k->label ? k->label : "an unknown lock";
}

char *dyn_object_label(struct dyn_process *p, uint32_t cls)
{
	struct dyn_class *k = process_class(p, cls);
	const char *label = dyn_class_label(p, cls);
	if (!k || rt_kind_is_lock_kind(k->kind) || label[0] != '\'')
		return xstrdup(label);
	return xasprintf("%s %s", dyn_kind_noun(k->kind), label);
}

int dyn_class_kind(struct dyn_process *p, uint32_t cls)
{
	struct dyn_class *k = process_class(p, cls);
	return k ? k->kind : RTK_MUTEX;
}

const char *dyn_class_name(struct dyn_process *p, uint32_t cls)
{
	struct dyn_class *k = process_class(p, cls);
	return k && k->name ? k->name : "?";
}

const char *dyn_class_symbol(struct dyn_process *p, uint32_t cls)
{
	struct dyn_class *k = process_class(p, cls);
	return k && k->symbol ? k->symbol : "?";
}
