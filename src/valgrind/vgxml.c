/* vgxml.c — reading Valgrind's XML output (protocol 4 to 6) with expat, as a stream: the
 * file is read in chunks and each <error> is handed over once its closing tag is read, so
 * a file cut short by a crash or a kill keeps every complete error, and memory does not grow
 * with the file. What one error (or thread announcement) may hold is bounded: frames per
 * stack, parts per error, bytes of text. Unknown tags are ignored. */
#include <expat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/inputfile.h"
#include "common/util.h"
#include "internal.h"

#define VG_MAX_TEXT (64 << 10)       /* bytes of one element's text kept */
#define VG_MAX_FRAMES 256            /* frames of one stack (Valgrind's --num-callers <= 500) */
#define VG_MAX_NOTES 64              /* parts of one error */
#define VG_MAX_ITEM_BYTES (1 << 20)  /* text one error or thread announcement may hold */
#define VG_MAX_THREAD_BYTES (64 << 20) /* text all thread announcements together may hold */
#define VG_MAX_THREADS (1 << 16)     /* thread announcements kept (later ones: "thread #N") */

enum { NO_STACK = -1, THREAD_STACK = -2 };

struct parse {
	struct vg_doc *doc;
	vg_error_fn on_error;        /* NULL: errors are kept in doc */
	void *ctx;
	struct strbuf text;          /* character data of the innermost element (bounded) */
	struct vg_error err;         /* the error being read */
	int in_error;
	struct vg_thread thr;        /* the announcethread being read */
	int in_thread;
	size_t item_bytes;           /* text held by err or thr so far */
	size_t thread_bytes;         /* text held by doc->threads */
	/* Where things go, by index: notes move when an error grows. */
	int stack;                   /* the note whose <stack> is being read, THREAD_STACK or NO_STACK */
	struct vg_frame frame;       /* the frame being read */
	int in_frame;
	int x;                       /* the note of the xwhat/xauxwhat being read, or -1 */
};

static void frame_free(struct vg_frame *f)
{
	free(f->fn);
	free(f->dir);
	free(f->file);
	free(f->obj);
	memset(f, 0, sizeof *f);
}

static void stack_free(struct vg_stack *s)
{
	for (int i = 0; i < s->n; i++)
		frame_free(&s->frames[i]);
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

/* A copy of the element's text when the item's budget allows it, else NULL. */
static char *text_of(struct parse *p)
{
	const char *t = p->text.buf ? p->text.buf : "";
	size_t n = strlen(t);
	if (p->item_bytes + n > VG_MAX_ITEM_BYTES)
		return NULL;
	p->item_bytes += n;
	return xstrdup(t);
}

/* A number of the text: 0 when there is none or it is negative (no line, thread or
 * version number is), at most INT_MAX. */
static int text_int(const struct parse *p)
{
	long v = strtol(p->text.buf ? p->text.buf : "0", NULL, 10);
	return v < 0 ? 0 : v > INT_MAX ? INT_MAX : (int)v;
}

/* A new part of the error: its index, or -1 when the error has all it may hold. */
static int add_note(struct parse *p, const char *tag)
{
	struct vg_error *e = &p->err;
	if (e->nnotes >= VG_MAX_NOTES)
		return -1;
	e->notes = append_zeroed(e->notes, &e->nnotes, sizeof *e->notes);
	e->notes[e->nnotes - 1].tag = xstrdup(tag);
	return e->nnotes - 1;
}

static struct vg_note *note(struct parse *p, int i)
{
	return i >= 0 && i < p->err.nnotes ? &p->err.notes[i] : NULL;
}

/* The note a <stack> belongs to: the latest one (a stack follows its text). */
static int stack_target(struct parse *p)
{
	if (p->in_thread)
		return THREAD_STACK;
	if (!p->in_error)
		return NO_STACK;
	if (!p->err.nnotes)
		add_note(p, "what");
	return p->err.nnotes ? p->err.nnotes - 1 : NO_STACK;
}

static struct vg_stack *current_stack(struct parse *p)
{
	if (p->stack == THREAD_STACK)
		return p->in_thread ? &p->thr.created : NULL;
	struct vg_note *n = note(p, p->stack);
	return n ? &n->stack : NULL;
}

static void begin_error(struct parse *p)
{
	error_free(&p->err);
	p->in_error = 1;
	p->item_bytes = 0;
	p->stack = NO_STACK;
	p->x = -1;
}

static void begin_thread(struct parse *p)
{
	stack_free(&p->thr.created);
	memset(&p->thr, 0, sizeof p->thr);
	p->in_thread = 1;
	p->item_bytes = 0;
	p->stack = NO_STACK;
}

static void text_reset(struct parse *p)
{
	p->text.len = 0;
	if (p->text.buf)
		p->text.buf[0] = '\0';
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *p = ud;
	(void)attrs;
	text_reset(p);
	if (!strcmp(name, "error")) {
		begin_error(p);
	} else if (!strcmp(name, "announcethread")) {
		begin_thread(p);
	} else if (!strcmp(name, "stack")) {
		p->stack = stack_target(p);
	} else if (!strcmp(name, "frame") && current_stack(p)) {
		frame_free(&p->frame);
		p->in_frame = 1;
	} else if (p->in_error && (!strcmp(name, "xwhat") || !strcmp(name, "xauxwhat"))) {
		p->x = add_note(p, name + 1);
	} else if (p->in_error && (str_starts(name, "other_segment_") ||
	                           !strcmp(name, "allocation_context"))) {
		add_note(p, name);
	}
}

static void end_frame(struct parse *p)
{
	struct vg_stack *s = current_stack(p);
	if (s && s->n < VG_MAX_FRAMES) {
		s->frames = append_zeroed(s->frames, &s->n, sizeof *s->frames);
		s->frames[s->n - 1] = p->frame;
		memset(&p->frame, 0, sizeof p->frame);
	}
	frame_free(&p->frame);
	p->in_frame = 0;
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
		f->line = text_int(p);
	} else if (!strcmp(name, "frame")) {
		end_frame(p);
	}
}

/* <text> of an xwhat/xauxwhat: several are joined with a space. */
static void add_x_text(struct parse *p, struct vg_note *n)
{
	char *t = text_of(p);
	if (!t)
		return;
	if (n->text) {
		char *joined = xasprintf("%s %s", n->text, t);
		free(n->text);
		free(t);
		t = joined;
	}
	n->text = t;
}

static void end_error(struct parse *p)
{
	struct vg_doc *d = p->doc;
	if (p->on_error) {
		p->on_error(p->ctx, d, &p->err);
		error_free(&p->err);
	} else {
		d->errors = append_zeroed(d->errors, &d->nerrors, sizeof *d->errors);
		d->errors[d->nerrors - 1] = p->err;
		memset(&p->err, 0, sizeof p->err);
	}
	p->in_error = 0;
	p->item_bytes = 0;
	p->stack = NO_STACK;
	p->x = -1;
}

static void end_error_field(struct parse *p, const char *name)
{
	struct vg_note *x = note(p, p->x);
	if (!strcmp(name, "kind")) {
		free(p->err.kind);
		p->err.kind = text_of(p);
	} else if (!strcmp(name, "tid")) {
		p->err.tid = text_int(p);
	} else if (!strcmp(name, "what") || !strcmp(name, "auxwhat")) {
		struct vg_note *n = note(p, add_note(p, name));
		if (n)
			n->text = text_of(p);
	} else if (x && !strcmp(name, "text")) {
		add_x_text(p, x);
	} else if (x && !strcmp(name, "hthreadid")) {
		x->hthreadid = text_int(p);
	} else if (!strcmp(name, "xwhat") || !strcmp(name, "xauxwhat")) {
		p->x = -1;
	} else if (!strcmp(name, "error")) {
		end_error(p);
	}
}

static void end_thread(struct parse *p)
{
	struct vg_doc *d = p->doc;
	if (d->nthreads < VG_MAX_THREADS && p->thread_bytes + p->item_bytes <= VG_MAX_THREAD_BYTES) {
		p->thread_bytes += p->item_bytes;
		d->threads = append_zeroed(d->threads, &d->nthreads, sizeof *d->threads);
		d->threads[d->nthreads - 1] = p->thr;
		memset(&p->thr, 0, sizeof p->thr);
	}
	stack_free(&p->thr.created);
	p->in_thread = 0;
	p->item_bytes = 0;
	p->stack = NO_STACK;
}

static void end_top_field(struct parse *p, const char *name)
{
	struct vg_doc *d = p->doc;
	if (!strcmp(name, "protocolversion")) {
		d->protocol = text_int(p);
	} else if (!strcmp(name, "protocoltool") && !d->tool) {
		d->tool = text_of(p);
	} else if (!strcmp(name, "valgrindoutput")) {
		d->complete = 1;
	} else if (p->in_thread && !strcmp(name, "hthreadid")) {
		p->thr.id = text_int(p);
	} else if (p->in_thread && !strcmp(name, "announcethread")) {
		end_thread(p);
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct parse *p = ud;
	if (p->in_frame)
		end_frame_field(p, name);
	else if (!strcmp(name, "stack"))
		p->stack = NO_STACK;
	else if (p->in_error)
		end_error_field(p, name);
	else
		end_top_field(p, name);
	text_reset(p);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *p = ud;
	size_t room = VG_MAX_TEXT - p->text.len, n = (size_t)len;   /* the text's start is kept */
	sb_addn(&p->text, s, n < room ? n : room);
}

static XML_Parser parser_new(struct parse *p, struct vg_doc *doc, vg_error_fn fn, void *ctx)
{
	memset(doc, 0, sizeof *doc);
	memset(p, 0, sizeof *p);
	p->doc = doc;
	p->on_error = fn;
	p->ctx = ctx;
	p->stack = NO_STACK;
	p->x = -1;
	sb_init(&p->text);
	XML_Parser xp = XML_ParserCreate("UTF-8");
	if (!xp) {
		doc->malformed = 1;     /* out of memory: nothing read */
		return NULL;
	}
	XML_SetUserData(xp, p);
	XML_SetElementHandler(xp, on_start, on_end);
	XML_SetCharacterDataHandler(xp, on_text);
	return xp;
}

/* Half-read parts of a document cut short are dropped. */
static void parser_free(XML_Parser xp, struct parse *p)
{
	if (xp)
		XML_ParserFree(xp);
	error_free(&p->err);
	stack_free(&p->thr.created);
	frame_free(&p->frame);
	sb_free(&p->text);
}

void vg_parse(const char *buf, size_t len, struct vg_doc *doc)
{
	struct parse p;
	XML_Parser xp = parser_new(&p, doc, NULL, NULL);
	for (size_t at = 0; !doc->malformed;) {
		size_t n = len - at < (1u << 20) ? len - at : 1u << 20;
		int last = at + n == len;
		if (XML_Parse(xp, buf + at, (int)n, last) == XML_STATUS_ERROR)
			doc->malformed = 1;
		at += n;
		if (last)
			break;
	}
	parser_free(xp, &p);
}

int vg_parse_file(const char *path, struct vg_doc *doc, vg_error_fn fn, void *ctx, char **why)
{
	FILE *fp = input_open(path, 0, why);
	if (!fp) {
		memset(doc, 0, sizeof *doc);
		return -1;
	}
	struct parse p;
	XML_Parser xp = parser_new(&p, doc, fn, ctx);
	char buf[65536];
	size_t n;
	while (!doc->malformed && (n = fread(buf, 1, sizeof buf, fp)) > 0)
		if (XML_Parse(xp, buf, (int)n, 0) == XML_STATUS_ERROR)
			doc->malformed = 1;
	if (!doc->malformed && XML_Parse(xp, "", 0, 1) == XML_STATUS_ERROR)
		doc->malformed = 1;
	fclose(fp);
	parser_free(xp, &p);
	return 0;
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
