/* emit.c — building findings from analysis records: locations with paths relative to the
 * project root, stacks, thread descriptions, lock lists and readable symbols. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "common/rules.h"

/* Length of the project root without trailing slashes (0: no root). */
static size_t root_len(const struct analysis *a)
{
	const char *root = a->opts->root;
	size_t n = root ? strlen(root) : 0;
	while (n > 1 && root[n - 1] == '/')
		n--;
	return n;
}

/* Does `p` start with the root followed by a slash? */
static int under_root(const struct analysis *a, const char *p, size_t n)
{
	return n && strncmp(p, a->opts->root, n) == 0 && p[n] == '/';
}

char *relative_path(const struct analysis *a, const char *file)
{
	size_t n = root_len(a);
	if (file && under_root(a, file, n))
		return xstrdup(file + n + 1);
	return xstrdup(file ? file : "?");
}

struct finding *emit_finding(struct analysis *a, const char *rule, const char *message, const char *symbol)
{
	struct finding *f = finding_list_add(a->out);
	const struct rule_info *ri = rule_find(rule);
	f->rule = xstrdup(rule);
	f->severity = xstrdup(ri ? ri->severity : "warning");
	f->message = xstrdup(message);
	f->symbol = xstrdup(symbol);
	f->engine = xstrdup("static");
	return f;
}

struct location *emit_location(struct analysis *a, struct finding *f, const struct function *fn,
                               const struct event *ev, const char *message)
{
	struct location *loc = finding_add_loc(f);
	loc->file = relative_path(a, fn->file);
	loc->line = ev ? ev->line : fn->line;
	loc->col = ev ? ev->col : 0;
	loc->func = xstrdup(fn->name);
	loc->message = xstrdup(message);
	return loc;
}

void emit_stack(struct analysis *a, struct location *loc, const struct frame_site *st, int n)
{
	for (int i = 0; i < n; i++) {
		char *file = relative_path(a, st[i].fn->file);
		finding_add_frame(loc, st[i].fn->name, file, st[i].line);
		free(file);
	}
}

void emit_thread(struct analysis *a, struct location *loc, const struct context *c)
{
	if (c->kind != CTX_THREAD) {
		loc->thread = xstrdup("main thread");
		return;
	}
	if (c->library) {
		loc->thread = xasprintf("any thread calling '%s' (library code: callers' threads may "
		                        "run it at once)", c->entry->fn->name);
		return;
	}
	const struct frame_site *at = c->shown > 0 && c->shown < c->ncreate_stack ? &c->create_stack[c->shown] : NULL;
	char *file = relative_path(a, at ? at->fn->file : c->create_fn->file);
	char *through = at ? xasprintf(" through %s()", c->create_stack[c->shown - 1].fn->name) : xstrdup("");
	loc->thread = xasprintf("thread '%s' created at %s:%d%s%s", c->entry->fn->name, file,
	                        at ? at->line : c->create_ev->line, through,
	                        c->multi ? " (several instances)" : "");
	free(through);
	free(file);
}

char *emit_locks_text(struct analysis *a, const int *cls, const unsigned char *shared, int n)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < n; i++) {
		char *name = display_symbol(a, a->class_names[cls[i]]);
		sb_addf(&sb, "%s%s%s", i ? ", " : "", name, shared && shared[i] ? " (read)" : "");
		free(name);
	}
	return sb.buf ? sb_detach(&sb) : xstrdup("none");
}

size_t owner_prefix(const char *p)
{
	if (p[0] != '~')
		return 0;
	size_t i = 1;
	if (p[i] == 'I')
		i++;
	else
		while ((p[i] >= '0' && p[i] <= '9') || p[i] == '.')
			i++;
	return p[i] == ':' && i > 1 ? i + 1 : 0;
}

/* Absolute paths inside a symbol ("s:/src/x.c:m", "static:/src/x.c:m") become relative, and
 * private objects lose the context and call chain that own them ("~12:l:f:x" is "l:f:x"),
 * so fingerprints and messages do not depend on where the project is checked out or on how
 * many thread contexts reach the code. */
char *display_symbol(const struct analysis *a, const char *path)
{
	size_t n = root_len(a);
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = path; *p;) {
		if (under_root(a, p, n)) {
			p += n + 1;
			continue;
		}
		size_t own = owner_prefix(p);
		if (own) {
			p += own;
			continue;
		}
		sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

/* What a person calls a lock class: "global:m" and "static:x.c:m" are "m",
 * "field:struct account.lock" is "struct account.lock". */
char *class_label(const char *cls)
{
	if (str_starts(cls, "field:"))
		return xstrdup(cls + 6);
	const char *colon = strrchr(cls, ':');
	return xstrdup(colon ? colon + 1 : cls);
}
