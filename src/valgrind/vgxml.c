/* vgxml.c — reading Valgrind's XML output (protocol 4 to 6) with expat, as a stream: each
 * <error> joins the document only once its closing tag is read, so a file cut short by a
 * crash or a kill keeps every complete error. Unknown tags are ignored. */
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

struct parse {
	struct vg_doc *doc;
	struct strbuf text;          /* character data of the innermost element */
	struct vg_error err;         /* the error being read (kind NULL when outside one) */
	int in_error;
	struct vg_thread thr;        /* the announcethread being read */
	int in_thread;
	struct vg_stack *stack;      /* the stack being read, or NULL */
	struct vg_frame frame;       /* the frame being read */
	int in_frame;
	struct vg_note *x;           /* the xwhat/xauxwhat being read, or NULL */
};

static void stack_free(struct vg_stack *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->frames[i].fn);
		free(s->frames[i].dir);
		free(s->frames[i].file);
		free(s->frames[i].obj);
	}
	free(s->frames);
	memset(s, 0, sizeof *s);
}

static void error_free(struct vg_error *e)
{
	free(e->kind);
	for (int i = 0; i < e->nnotes; i++) {
		free(e->notes[i].tag);
		free(e->notes[i].text);
		stack_free(&e->notes[i].stack);
	}
	free(e->notes);
	memset(e, 0, sizeof *e);
}

void vg_doc_free(struct vg_doc *doc)
{
	free(doc->tool);
	for (int i = 0; i < doc->nerrors; i++)
		error_free(&doc->errors[i]);
	free(doc->errors);
	for (int i = 0; i < doc->nthreads; i++)
		stack_free(&doc->threads[i].created);
	free(doc->threads);
	memset(doc, 0, sizeof *doc);
}

static struct vg_note *add_note(struct parse *p, const char *tag)
{
	struct vg_error *e = &p->err;
	e->notes = append_zeroed(e->notes, &e->nnotes, sizeof *e->notes);
	struct vg_note *n = &e->notes[e->nnotes - 1];
	n->tag = xstrdup(tag);
	return n;
}

/* The note a <stack> belongs to: the latest one (a stack follows its text). */
static struct vg_stack *stack_target(struct parse *p)
{
	if (p->in_thread)
		return &p->thr.created;
	if (!p->in_error)
		return NULL;
	if (!p->err.nnotes)
		add_note(p, "what");
	return &p->err.notes[p->err.nnotes - 1].stack;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *p = ud;
	(void)attrs;
	p->text.len = 0;
	if (p->text.buf)
		p->text.buf[0] = '\0';
	if (!strcmp(name, "error")) {
		error_free(&p->err);
		p->in_error = 1;
	} else if (!strcmp(name, "announcethread")) {
		memset(&p->thr, 0, sizeof p->thr);
		p->in_thread = 1;
	} else if (!strcmp(name, "stack")) {
		p->stack = stack_target(p);
	} else if (!strcmp(name, "frame") && p->stack) {
		memset(&p->frame, 0, sizeof p->frame);
		p->in_frame = 1;
	} else if (p->in_error && (!strcmp(name, "xwhat") || !strcmp(name, "xauxwhat"))) {
		p->x = add_note(p, name + 1);
	} else if (p->in_error && (str_starts(name, "other_segment_") ||
	                           !strcmp(name, "allocation_context"))) {
		add_note(p, name);
	}
}

static char *text_of(struct parse *p)
{
	return xstrdup(p->text.buf ? p->text.buf : "");
}

static void end_frame_field(struct parse *p, const char *name)
{
	struct vg_frame *f = &p->frame;
	char **field = !strcmp(name, "fn") ? &f->fn : !strcmp(name, "dir") ? &f->dir
	             : !strcmp(name, "file") ? &f->file : !strcmp(name, "obj") ? &f->obj : NULL;
	if (field) {
		free(*field);
		*field = text_of(p);
	} else if (!strcmp(name, "line")) {
		f->line = atoi(p->text.buf ? p->text.buf : "0");
	} else if (!strcmp(name, "frame")) {
		struct vg_stack *s = p->stack;
		s->frames = append_zeroed(s->frames, &s->n, sizeof *s->frames);
		s->frames[s->n - 1] = *f;
		memset(f, 0, sizeof *f);
		p->in_frame = 0;
	}
}

/* <text> of an xwhat/xauxwhat: several are joined with a space. */
static void add_x_text(struct parse *p)
{
	struct vg_note *n = p->x;
	char *t = text_of(p);
	if (n->text) {
		char *joined = xasprintf("%s %s", n->text, t);
		free(n->text);
		free(t);
		t = joined;
	}
	n->text = t;
}

static void end_error_field(struct parse *p, const char *name)
{
	if (!strcmp(name, "kind")) {
		free(p->err.kind);
		p->err.kind = text_of(p);
	} else if (!strcmp(name, "tid")) {
		p->err.tid = atoi(p->text.buf ? p->text.buf : "0");
	} else if (!strcmp(name, "what") || !strcmp(name, "auxwhat")) {
		add_note(p, name)->text = text_of(p);
	} else if (p->x && !strcmp(name, "text")) {
		add_x_text(p);
	} else if (p->x && !strcmp(name, "hthreadid")) {
		p->x->hthreadid = atoi(p->text.buf ? p->text.buf : "0");
	} else if (!strcmp(name, "xwhat") || !strcmp(name, "xauxwhat")) {
		p->x = NULL;
	} else if (!strcmp(name, "error")) {
		struct vg_doc *d = p->doc;
		d->errors = append_zeroed(d->errors, &d->nerrors, sizeof *d->errors);
		d->errors[d->nerrors - 1] = p->err;
		memset(&p->err, 0, sizeof p->err);
		p->in_error = 0;
	}
}

static void end_top_field(struct parse *p, const char *name)
{
	struct vg_doc *d = p->doc;
	if (!strcmp(name, "protocolversion")) {
		d->protocol = atoi(p->text.buf ? p->text.buf : "0");
	} else if (!strcmp(name, "protocoltool") && !d->tool) {
		d->tool = text_of(p);
	} else if (!strcmp(name, "valgrindoutput")) {
		d->complete = 1;
	} else if (p->in_thread && !strcmp(name, "hthreadid")) {
		p->thr.id = atoi(p->text.buf ? p->text.buf : "0");
	} else if (p->in_thread && !strcmp(name, "announcethread")) {
		d->threads = append_zeroed(d->threads, &d->nthreads, sizeof *d->threads);
		d->threads[d->nthreads - 1] = p->thr;
		memset(&p->thr, 0, sizeof p->thr);
		p->in_thread = 0;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct parse *p = ud;
	if (p->in_frame)
		end_frame_field(p, name);
	else if (!strcmp(name, "stack"))
		p->stack = NULL;
	else if (p->in_error)
		end_error_field(p, name);
	else
		end_top_field(p, name);
	p->text.len = 0;
	if (p->text.buf)
		p->text.buf[0] = '\0';
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *p = ud;
	sb_addn(&p->text, s, (size_t)len);
}

void vg_parse(const char *buf, size_t len, struct vg_doc *doc)
{
	memset(doc, 0, sizeof *doc);
	struct parse p = {.doc = doc};
	sb_init(&p.text);
	XML_Parser xp = XML_ParserCreate("UTF-8");
	XML_SetUserData(xp, &p);
	XML_SetElementHandler(xp, on_start, on_end);
	XML_SetCharacterDataHandler(xp, on_text);
	if (XML_Parse(xp, buf, (int)len, 1) == XML_STATUS_ERROR)
		doc->malformed = 1;
	XML_ParserFree(xp);
	/* Half-read parts of a document cut short are dropped. */
	error_free(&p.err);
	stack_free(&p.thr.created);
	free(p.frame.fn);
	free(p.frame.dir);
	free(p.frame.file);
	free(p.frame.obj);
	sb_free(&p.text);
}

static int system_object(const char *obj)
{
	if (!obj)
		return 0;
	const char *base = strrchr(obj, '/');
	base = base ? base + 1 : obj;
	static const char *const prefixes[] = {"vgpreload_", "libc.so", "libc-", "ld-linux",
	                                       "libpthread", "libstdc++", "libgcc_s", NULL};
	for (int i = 0; prefixes[i]; i++)
		if (str_starts(base, prefixes[i]))
			return 1;
	return 0;
}

int vg_system_frame(const struct vg_frame *f)
{
	return system_object(f->obj);
}

int vg_user_frame(const struct vg_stack *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->frames[i].file && s->frames[i].fn && !system_object(s->frames[i].obj))
			return i;
	return -1;
}
