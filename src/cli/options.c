/* options.c — the one option parser and help printer of every subcommand (see options.h). */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/util.h"

char *opt_choices_text(const char *const *choices)
{
	struct strbuf sb;
	sb_init(&sb);
	int n = 0;
	while (choices[n])
		n++;
	for (int i = 0; i < n; i++) {
		if (i)
			sb_add(&sb, i == n - 1 ? " or " : ", ");
		sb_add(&sb, choices[i]);
	}
	return sb_detach(&sb);
}

/* "--name" or "-x": how messages name the option. */
static void opt_name(const struct option *o, char *buf, size_t n)
{
	if (o->long_name)
		snprintf(buf, n, "--%s", o->long_name);
	else
		snprintf(buf, n, "-%c", o->short_name);
}

static int parse_int(const struct option *o, const char *v, const char *name)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < o->min || n > o->max) {
		if (o->max < 1000000000L)
			cli_error("%s needs a whole number from %ld to %ld, not '%s'", name, o->min, o->max, v);
		else
			cli_error("%s needs a whole number of at least %ld, not '%s'", name, o->min, v);
		return -1;
	}
	*(int *)o->value = (int)n;
	return 0;
}

/* Stores v (NULL for a flag) into o's value; -1 after printing why it is wrong. */
static int set_value(const struct option *o, const char *v)
{
	char name[64];
	opt_name(o, name, sizeof name);
	switch (o->kind) {
	case OPT_KIND_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_KIND_STRING:
		if (!*v)      /* a path, a name or an id: empty is always a slip */
			return cli_error("option '%s' needs a value, not an empty string (%s)", name,
			                 o->argh), -1;
		*(const char **)o->value = v;
		return 0;
	case OPT_KIND_INT:
		return parse_int(o, v, name);
	case OPT_KIND_LIST: {
		struct opt_list *l = o->value;
		l->items = xrealloc(l->items, (size_t)(l->n + 1) * sizeof *l->items);
		l->items[l->n++] = v;
		return 0;
	}
	case OPT_KIND_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(v, o->choices[i])) {
				*(const char **)o->value = o->choices[i];
				return 0;
			}
		char *all = opt_choices_text(o->choices);
		cli_error("unknown %s '%s' (use %s)", name, v, all);
		free(all);
		return -1;
	case OPT_KIND_END:
		break;
	}
	return -1;
}

static const struct option *find_long(const struct option *opts, const char *name, size_t n)
{
	for (const struct option *o = opts; o->kind != OPT_KIND_END; o++)
		if (o->long_name && strlen(o->long_name) == n && !strncmp(o->long_name, name, n))
			return o;
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (const struct option *o = opts; o->kind != OPT_KIND_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int unknown(const struct opt_command *c, const char *arg)
{
	cli_error("unknown option '%s' for %s (see 'tsafe %s --help')", arg, c->name, c->name);
	return -1;
}

/* One option word at argv[*i] (advancing *i past a separate value). 0 or -1. */
static int parse_one(const struct opt_command *c, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const struct option *o;
	const char *inline_value = NULL;
	char name[64];
	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');
		size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (!(o = find_long(c->opts, arg + 2, n)))
			return unknown(c, arg);
		inline_value = eq ? eq + 1 : NULL;
	} else {
		if (!(o = find_short(c->opts, arg[1])))
			return unknown(c, arg);
		inline_value = arg[2] ? arg + 2 : NULL;
	}
	opt_name(o, name, sizeof name);
	if (o->kind == OPT_KIND_FLAG) {
		if (inline_value)
			return cli_error("option '%s' takes no value", name), -1;
		return set_value(o, NULL);
	}
	if (!inline_value) {
		if (*i + 1 >= argc)
			return cli_error("option '%s' needs a value (%s)", name, o->argh), -1;
		inline_value = argv[++*i];
	}
	return set_value(o, inline_value);
}

int opt_parse(const struct opt_command *c, int argc, char **argv, struct opt_rest *r)
{
	memset(r, 0, sizeof *r);
	r->operands = xcalloc((size_t)argc + 1, sizeof *r->operands);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			char *help = opt_help(c);
			fputs(help, stdout);
			free(help);
			return 1;
		}
		int operand = arg[0] != '-' || !arg[1];      /* "-" is stdin, an operand */
		if (!strcmp(arg, "--") || (operand && c->stop_at_operand)) {
			r->dashdash = !strcmp(arg, "--");
			r->rest = argv + i + r->dashdash;
			r->nrest = argc - i - r->dashdash;
			return 0;
		}
		if (operand) {
			r->operands[r->noperands++] = argv[i];
			continue;
		}
		if (parse_one(c, argc, argv, &i))
			return -1;
	}
	return 0;
}

void opt_rest_free(struct opt_rest *r)
{
	free(r->operands);
	memset(r, 0, sizeof *r);
}

enum { HELP_COL = 24, HELP_WIDTH = 88 };

/* Appends text word-wrapped from column `col` (the cursor is at `at`). */
static void wrap(struct strbuf *sb, const char *text, int col, int at)
{
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\n') {          /* a line break the text asks for */
			sb_addc(sb, '\n');
			at = 0;
			p++;
			continue;
		}
		size_t w = strcspn(p, " \n");
		if (!w)
			break;
		if (at > col && at + 1 + (int)w > HELP_WIDTH) {
			sb_addc(sb, '\n');
			at = 0;
		}
		for (; at < col; at++)
			sb_addc(sb, ' ');
		if (at > col) {
			sb_addc(sb, ' ');
			at++;
		}
		sb_addn(sb, p, w);
		at += (int)w;
		p += w;
	}
	sb_addc(sb, '\n');
}

static void option_help(struct strbuf *sb, const struct option *o)
{
	struct strbuf head, text;
	sb_init(&head);
	sb_init(&text);
	sb_add(&head, "  ");
	if (o->short_name)
		sb_addf(&head, "-%c%s", o->short_name, o->long_name ? ", " : "");
	if (o->long_name)
		sb_addf(&head, "--%s", o->long_name);
	if (o->argh)
		sb_addf(&head, " %s", o->argh);
	sb_add(&text, o->help);
	if (o->kind == OPT_KIND_CHOICE) {
		char *all = opt_choices_text(o->choices);
		const char *def = *(const char *const *)o->value;
		sb_addf(&text, " (%s", all);
		if (def)
			sb_addf(&text, "; default %s", def);
		sb_addc(&text, ')');
		free(all);
	} else if (o->kind == OPT_KIND_LIST) {
		sb_add(&text, " (repeatable)");
	}
	int at = (int)strlen(head.buf);
	sb_add(sb, head.buf);
	if (at > HELP_COL - 2) {
		sb_addc(sb, '\n');
		at = 0;
	}
	wrap(sb, text.buf, HELP_COL, at);
	sb_free(&head);
	sb_free(&text);
}

char *opt_help(const struct opt_command *c)
{
	struct strbuf sb;
	sb_init(&sb);
	const char *u = c->usage;
	for (int first = 1; *u; first = 0) {
		size_t n = strcspn(u, "\n");
		sb_add(&sb, first ? "usage: " : "       ");
		sb_addn(&sb, u, n);
		sb_addc(&sb, '\n');
		u += n + (u[n] == '\n');
	}
	if (c->about) {
		sb_addc(&sb, '\n');
		wrap(&sb, c->about, 0, 0);
	}
	sb_addc(&sb, '\n');
	for (const struct option *o = c->opts; o->kind != OPT_KIND_END; o++)
		option_help(&sb, o);
	sb_add(&sb, "  -h, --help            this help\n");
	if (c->footer) {
		sb_addc(&sb, '\n');
		wrap(&sb, c->footer, 0, 0);
	}
	return sb_detach(&sb);
}
