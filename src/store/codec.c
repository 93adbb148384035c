/* codec.c — lists of strings in one text column (event args, stacks, diagnostics, order
 * types, gate locks), and the stack and string-list forms every table uses. Fields are
 * escaped so that any string, "" and NULL round-trip exactly: a separate table per list
 * would cost a row (and a key) per argument or frame. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

void codec_put(struct strbuf *sb, const char *s, char sep)
{
	if (!s) {
		sb_add(sb, "\\N");
	} else {
		for (; *s; s++) {
			if (*s == '\\')
				sb_add(sb, "\\\\");
			else if (*s == '\t')
				sb_add(sb, "\\t");
			else if (*s == '\n')
				sb_add(sb, "\\n");
			else
				sb_addc(sb, *s);
		}
	}
	sb_addc(sb, sep);
}

int codec_get(const char **p, char sep, char **out)
{
	const char *c = *p;
	*out = NULL;
	if (c[0] == '\\' && c[1] == 'N' && c[2] == sep) {
		*p = c + 3;
		return 0;
	}
	struct strbuf sb;
	sb_init(&sb);
	int bad = 0;
	for (; *c && *c != sep; c++) {
		if (*c != '\\') {
			sb_addc(&sb, *c);
			continue;
		}
		c++;
		if (*c == '\\') {
			sb_addc(&sb, '\\');
		} else if (*c == 't') {
			sb_addc(&sb, '\t');
		} else if (*c == 'n') {
			sb_addc(&sb, '\n');
		} else {
			bad = 1;       /* "\N" inside a field, or a truncated escape */
			break;
		}
	}
	if (bad || *c != sep) {
		sb_free(&sb);
		return -1;
	}
	*out = sb_detach(&sb);
	*p = c + 1;
	return 0;
}

int codec_get_int(const char **p, char sep, int *out)
{
	char *s;
	if (codec_get(p, sep, &s) || !s)
		goto bad;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	int ok = end != s && !*end && errno == 0 && v >= INT_MIN && v <= INT_MAX;
	free(s);
	if (!ok)
		return -1;
	*out = (int)v;
	return 0;
bad:
	free(s);
	return -1;
}

char *codec_put_stack(const struct location *loc)
{
	if (!loc->nstack)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < loc->nstack; i++) {
		char line[16];
		snprintf(line, sizeof line, "%d", loc->stack[i].line);
		codec_put(&sb, loc->stack[i].func, '\t');
		codec_put(&sb, loc->stack[i].file, '\t');
		codec_put(&sb, line, '\n');
	}
	return sb_detach(&sb);
}

int codec_get_stack(const char *text, struct location *loc)
{
	for (const char *p = text; p && *p;) {
		char *func = NULL, *file = NULL;
		int line = 0;
		int bad = codec_get(&p, '\t', &func) || codec_get(&p, '\t', &file) ||
		          codec_get_int(&p, '\n', &line);
		if (!bad)
			finding_add_frame(loc, func, file, line);
		free(func);
		free(file);
		if (bad)
			return -1;
	}
	return 0;
}

char *codec_put_strings(char *const *items, int n)
{
	if (n == 0)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < n; i++)
		codec_put(&sb, items[i], '\n');
	return sb_detach(&sb);
}

int codec_get_strings(const char *text, char ***items, int *n)
{
	*items = NULL;
	*n = 0;
	int cap = 0;
	for (const char *p = text; p && *p;) {
		grow_array((void **)items, &cap, *n, sizeof **items);
		if (codec_get(&p, '\n', &(*items)[*n]))
			return -1;
		(*n)++;
	}
	return 0;
}
