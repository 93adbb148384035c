/* findkit.c — the finding kit (findkit.h): creation with the catalogue's severity,
 * root-relative paths, and one finding per fingerprint, for every engine. */
#include "findkit.h"
#include "keymap.h"
#include "rules.h"
#include "util.h"

#include <string.h>

struct finding *finding_new(struct finding_list *l, const char *engine, const char *rule,
                            const char *message, const char *symbol)
{
	struct finding *f = finding_list_add(l);
	const struct rule_info *ri = rule_find(rule);
	f->rule = xstrdup(rule);
	f->severity = xstrdup(ri ? ri->severity : "warning");
	f->message = xstrdup(message);
	f->symbol = xstrdup(symbol);
	f->engine = xstrdup(engine);
	return f;
}

/* Length of root without trailing slashes (0: no root). */
static size_t root_len(const char *root)
{
	size_t n = root ? strlen(root) : 0;
	while (n > 1 && root[n - 1] == '/')
		n--;
	return n;
}

static int under(const char *p, const char *root, size_t n)
{
	return n && strncmp(p, root, n) == 0 && p[n] == '/';
}

char *root_relative(const char *root, const char *path)
{
	size_t n = root_len(root);
	if (path && under(path, root, n))
		return xstrdup(path + n + 1);
	return xstrdup(path);
}

char *root_relative_text(const char *root, const char *text)
{
	size_t n = root_len(root);
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = text ? text : ""; *p;) {
		if (under(p, root, n)) {
			p += n + 1;
			continue;
		}
		sb_addc(&sb, *p++);
	}
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* Keeps the first of each fingerprint among items[from…], against every earlier item. */
static void unique(struct finding_list *l, int from, const char *root)
{
	struct keymap seen = {0};
	for (int i = 0; i < from; i++)
		if (l->items[i].fingerprint)
			keymap_put_str(&seen, l->items[i].fingerprint, i);
	int w = from;
	for (int i = from; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (root)
			finding_fingerprint(f, root);
		if (f->fingerprint && keymap_get_str(&seen, f->fingerprint, NULL)) {
			finding_free(f);
			continue;
		}
		if (f->fingerprint)
			keymap_put_str(&seen, f->fingerprint, w);
		if (w != i)
			l->items[w] = *f;
		w++;
	}
	l->n = w;
	keymap_free(&seen);
}

void finding_list_finish(struct finding_list *l, int from, const char *root)
{
	unique(l, from, root ? root : ".");
}

void finding_list_unique(struct finding_list *l, int from)
{
	unique(l, from, NULL);
}

/* The length of the parent's part of symbol, or 0 when it names no member. */
static size_t parent_len(const char *symbol)
{
	const char *colon = symbol ? strrchr(symbol, ':') : NULL;
	const char *dot = colon ? strrchr(colon, '.') : NULL;
	return dot ? (size_t)(dot - symbol) : 0;
}

int symbols_sibling_members(const char *x, const char *y)
{
	size_t n = parent_len(x);
	return n && n == parent_len(y) && !strncmp(x, y, n) && strcmp(x, y);
}
