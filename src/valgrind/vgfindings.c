/* vgfindings.c — one Valgrind error as a finding: every part of the error that comes with a
 * stack becomes a location at its first user frame (Valgrind's preload objects, libc and
 * the loader skipped), carrying the symbolised stack, TSan style. A race names its
 * variable (the symbol Valgrind names) or, for heap memory, where the block was allocated, and
 * each side says which thread it ran in and where that thread was created. Addresses and
 * thread numbers appear in messages only, never in a fingerprint. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "internal.h"

/* A frame's file relative to the project root (absolute when outside it). */
char *vg_frame_file(const struct vg_opts *o, const struct vg_frame *fr)
{
	char *full = fr->dir && fr->dir[0] == '/' ? xasprintf("%s/%s", fr->dir, fr->file)
	                                          : xstrdup(fr->file);
	char *rel = root_relative(o->root, full);
	free(full);
	return rel;
}

const char *vg_address_in(const char *text, size_t *n)
{
	const char *a = text ? strstr(text, " at 0x") : NULL;
	if (!a)
		return NULL;
	a += 4;
	*n = strspn(a, "0123456789abcdefABCDEFx");
	return a;
}

/* Text with its hexadecimal addresses dropped: "lock at 0x10C0C0" -> "lock". */
char *vg_without_addresses(const char *text)
{
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = text ? text : ""; *p;) {
		if (p[0] == '0' && p[1] == 'x' && isxdigit((unsigned char)p[2])) {
			p += 2;
			while (isxdigit((unsigned char)*p))
				p++;
			while (sb.len && sb.buf[sb.len - 1] == ' ')
				sb.buf[--sb.len] = '\0';
			if (sb.len >= 3 && !strcmp(sb.buf + sb.len - 3, " at"))
				sb.buf[sb.len -= 3] = '\0';
			continue;
		}
		sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

static const struct vg_thread *thread_of(const struct vg_doc *d, int id)
{
	for (int i = 0; i < d->nthreads; i++)
		if (d->threads[i].id == id)
			return &d->threads[i];
	return NULL;
}

/* "thread #3 created at a.c:57", "main thread" (Helgrind's #1), or NULL when unknown. */
char *vg_thread_desc(const struct vg_build *b, int id)
{
	if (id == 1)
		return xstrdup("main thread");
	const struct vg_thread *t = thread_of(b->doc, id);
	int u = t ? vg_user_frame(&t->created) : -1;
	if (u < 0)
		return id > 0 ? xasprintf("thread #%d", id) : NULL;
	const struct vg_frame *fr = &t->created.frames[u];
	char *file = vg_frame_file(b->o, fr);
	char *d = xasprintf("thread #%d created at %s:%d", id, file, fr->line);
	free(file);
	return d;
}

/* A location at the stack's first user frame, with the frames from there down (the thread
 * start-up plumbing left out). NULL when the stack has no user frame. */
struct location *vg_add_location(const struct vg_build *b, const struct vg_stack *s,
                                     const char *message)
{
	int u = vg_user_frame(s);
	if (u < 0)
		return NULL;
	struct location *loc = finding_add_loc(b->f);
	const struct vg_frame *top = &s->frames[u];
	loc->file = vg_frame_file(b->o, top);
	loc->line = top->line;
	loc->func = xstrdup(top->fn);
	loc->message = xstrdup(message);
	/* Down to the last user frame: the C library's frames in between (pthread_once running
	 * an initialiser) stay, the thread start-up plumbing below does not. */
	int last = u;
	for (int i = u; i < s->n; i++)
		if (s->frames[i].file && !vg_system_frame(&s->frames[i]))
			last = i;
	for (int i = u; i <= last; i++) {
		const struct vg_frame *fr = &s->frames[i];
		if (!fr->fn)
			continue;
		char *file = fr->file ? vg_frame_file(b->o, fr) : xstrdup(fr->obj);
		finding_add_frame(loc, fr->fn, file, fr->file ? fr->line : 0);
		free(file);
	}
	return loc;
}

struct finding *vg_new_finding(struct vg_build *b, struct finding_list *out, const char *rule,
                               char *message, char *symbol)
{
	b->f = finding_new(out, b->o->tool, rule, message, symbol);
	free(message);
	free(symbol);
	return b->f;
}

/* Lock misuse, lock order and kinds tsafe has no rule for: each part with a stack is a
 * location, in Valgrind's order; a part without one that names a thread ("Thread #2:
 * Exiting thread still holds 1 lock") is placed where that thread was created. */
static void other_finding(struct vg_build *b, struct finding_list *out, const struct vg_error *e,
                          const char *rule)
{
	const struct vg_note *what = e->nnotes ? &e->notes[0] : NULL;
	char *msg = vg_without_addresses(what && what->text ? what->text : e->kind);
	if (str_eq(e->kind, "LockOrder") && what && what->hthreadid) {
		/* 'lock order "0x10C080 before 0x10C0C0" violated' says nothing once the
		 * addresses are gone. */
		free(msg);
		msg = xasprintf("Thread #%d took two locks in the reverse of an order seen before",
		                what->hthreadid);
	}
	vg_new_finding(b, out, rule, xstrdup(msg), xstrdup(""));
	for (int i = 0; i < e->nnotes; i++) {
		const struct vg_note *n = &e->notes[i];
		/* The first part says what happened: the finding's message when it was rewritten. */
		char *text = i == 0 && str_eq(e->kind, "LockOrder") ? xstrdup(msg)
		           : vg_without_addresses(n->text ? n->text : msg);
		struct location *loc = vg_add_location(b, &n->stack, text);
		if (loc && i == 0 && n->hthreadid)
			loc->thread = vg_thread_desc(b, n->hthreadid);
		free(text);
	}
	const struct vg_thread *t = what ? thread_of(b->doc, what->hthreadid) : NULL;
	if (!b->f->nlocs && t) {
		struct location *loc = vg_add_location(b, &t->created, "the thread was created here");
		if (loc)
			loc->thread = vg_thread_desc(b, what->hthreadid);
	}
	if (!strcmp(rule, "lock-order-inversion"))
		vg_trylock_benign(b, e);
	free(msg);
}

/* The texts of an error that come before its first stack, joined with a space: Helgrind's
 * "Thread #2's call to pthread_cond_wait failed" and "with error code 1 (EPERM…)". */
static char *error_text(const struct vg_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < e->nnotes; i++) {
		if (e->notes[i].text)
			sb_addf(&sb, "%s%s", sb.len ? " " : "", e->notes[i].text);
		if (e->notes[i].stack.n)
			break;
	}
	return sb_detach(&sb);
}

void vg_findings(const struct vg_doc *doc, const struct vg_opts *o, struct finding_list *out)
{
	const char *tool = doc->tool ? doc->tool : o->tool;
	for (int i = 0; i < doc->nerrors; i++) {
		const struct vg_error *e = &doc->errors[i];
		const struct vg_stack *where = NULL;
		for (int k = 0; k < e->nnotes && !where; k++)
			where = e->notes[k].stack.n ? &e->notes[k].stack : NULL;
		char *text = error_text(e);
		const char *rule = vg_rule_of(tool, e->kind, text, where);
		free(text);
		struct vg_build b = {.doc = doc, .o = o};
		if (rule && !strcmp(rule, "data-race")) {
			vg_race_finding(&b, out, e);
		} else {
			char *own = rule ? NULL : xasprintf("%s:%s", tool, e->kind ? e->kind : "unknown");
			other_finding(&b, out, e, rule ? rule : own);
			free(own);
		}
	}
}
