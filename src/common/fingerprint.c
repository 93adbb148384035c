/* fingerprint.c — finding identity (finding_fingerprint) and display order (finding_list_sort).
 *
 * A fingerprint must survive unrelated edits, so it hashes what a reader would call "the same
 * bug": the rule, the symbol, and for each location its file, function and the text of its
 * source line without its whitespace (read through the source.h cache). Line numbers never
 * enter it.
 */
#include "finding.h"
#include "source.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Appends the line's text with all whitespace removed, so that re-indenting or reformatting
 * (clang-format) keeps the identity; in C, dropping the spaces between tokens cannot make two
 * different lines of one function equal in practice. Returns 0 when the file or the line is
 * not there. */
static int add_normalised_line(struct strbuf *sb, const char *root, const char *file, int line)
{
	size_t len = 0;
	const char *text = source_line(root ? root : ".", file, line, &len);
	if (!text)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			sb_addc(sb, text[i]);
	return 1;
}

/* One location's part of the identity: file, function, and line text (or, when the source
 * cannot be read, the location's message, which names the same access in words). */
static char *location_key(const struct location *loc, const char *root)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, loc->file ? loc->file : "");
	sb_addc(&sb, '\x1f');
	sb_add(&sb, loc->func ? loc->func : "");
	sb_addc(&sb, '\x1f');
	int have_text = loc->file && add_normalised_line(&sb, root, loc->file, loc->line);
	if (!have_text)
		sb_add(&sb, loc->message ? loc->message : "");
	return sb_detach(&sb);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void finding_fingerprint(struct finding *f, const char *root)
{
	char **keys = xcalloc((size_t)f->nlocs + 1, sizeof *keys);
	for (int i = 0; i < f->nlocs; i++)
		keys[i] = location_key(&f->locs[i], root);
	/* Canonical order: the same race reported as A/B or B/A is one finding. */
	qsort(keys, (size_t)f->nlocs, sizeof *keys, cmp_str);

	/* Separators that cannot appear in the parts keep "ab"+"c" apart from "a"+"bc". */
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, "tsafe-fp-1\x1e");
	sb_add(&sb, f->rule ? f->rule : "");
	sb_addc(&sb, '\x1e');
	sb_add(&sb, f->symbol ? f->symbol : "");
	for (int i = 0; i < f->nlocs; i++) {
		sb_addc(&sb, '\x1e');
		sb_add(&sb, keys[i]);
		free(keys[i]);
	}
	free(keys);

	XXH128_hash_t h = XXH3_128bits(sb.buf, sb.len);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	char hex[2 * sizeof c.digest + 1];
	for (size_t i = 0; i < sizeof c.digest; i++)
		snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
	sb_free(&sb);
	free(f->fingerprint);
	f->fingerprint = xstrdup(hex);
}

static int severity_rank(const char *s)
{
	if (str_eq(s, "error"))
		return 0;
	if (str_eq(s, "warning"))
		return 1;
	if (str_eq(s, "note"))
		return 2;
	return 3;
}

static int cmp_nullable(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	const struct location *la = a->nlocs ? &a->locs[0] : NULL;
	const struct location *lb = b->nlocs ? &b->locs[0] : NULL;
	int d;
	if ((d = (b->confirmed != 0) - (a->confirmed != 0)))
		return d;
	if ((d = severity_rank(a->severity) - severity_rank(b->severity)))
		return d;
	if ((d = cmp_nullable(la ? la->file : NULL, lb ? lb->file : NULL)))
		return d;
	if ((d = (la ? la->line : 0) - (lb ? lb->line : 0)))
		return d;
	if ((d = cmp_nullable(a->rule, b->rule)))
		return d;
	/* qsort is not stable: finish on fields that make the order total. */
	if ((d = (la ? la->col : 0) - (lb ? lb->col : 0)))
		return d;
	if ((d = cmp_nullable(a->message, b->message)))
		return d;
	return cmp_nullable(a->fingerprint, b->fingerprint);
}

void finding_list_sort(struct finding_list *l)
{
	if (l->n > 1)
		qsort(l->items, (size_t)l->n, sizeof *l->items, cmp_finding);
}
