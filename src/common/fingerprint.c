/* fingerprint.c — finding identity (finding_fingerprint) and display order (finding_list_sort).
 *
 * A fingerprint must survive unrelated edits, so it hashes what a reader would call "the same
 * bug": the rule, the symbol, and for each location its file, function and the text of its
 * source line without its whitespace. Line numbers never enter it. Source files are read
 * once and cached (keyed by path, inode, size and mtime, so an edited file is read again).
 */
#include "finding.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

struct cached_file {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char *text;
	int *line_start;    /* offsets of each line's first byte; line N starts at [N-1] */
	int nlines;
};

/* Fingerprints may be computed by parallel workers: the cache is shared under this lock. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_file *cache;
static int ncache, cache_cap;

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_addn(&sb, buf, n);
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

static void index_lines(struct cached_file *cf, size_t len)
{
	int cap = 0;
	cf->nlines = 0;
	cf->line_start = NULL;
	for (size_t i = 0; i < len; i++) {
		if (i == 0 || cf->text[i - 1] == '\n') {
			grow_array((void **)&cf->line_start, &cap, cf->nlines, sizeof(int));
			cf->line_start[cf->nlines++] = (int)i;
		}
	}
}

static int same_version(const struct cached_file *cf, const struct stat *st)
{
	return cf->dev == st->st_dev && cf->ino == st->st_ino && cf->size == st->st_size &&
	       cf->mtime.tv_sec == st->st_mtim.tv_sec && cf->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Returns the cache entry for path, (re)reading it when it changed; NULL when unreadable.
 * Called with cache_lock held. */
static struct cached_file *cache_get(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	struct cached_file *cf = NULL;
	for (int i = 0; i < ncache; i++)
		if (strcmp(cache[i].path, path) == 0)
			cf = &cache[i];
	if (cf && same_version(cf, &st))
		return cf;
	size_t len = 0;
	char *text = slurp(path, &len);
	if (!text)
		return NULL;
	if (!cf) {
		grow_array((void **)&cache, &cache_cap, ncache, sizeof *cache);
		cf = &cache[ncache++];
		cf->path = xstrdup(path);
	} else {
		free(cf->text);
		free(cf->line_start);
	}
	cf->dev = st.st_dev;
	cf->ino = st.st_ino;
	cf->size = st.st_size;
	cf->mtime = st.st_mtim;
	cf->text = text;
	index_lines(cf, len);
	return cf;
}

/* Appends line `line` of the file with all whitespace removed, so that re-indenting or
 * reformatting (clang-format) keeps the identity; in C, dropping the spaces between tokens
 * cannot make two different lines of one function equal in practice. Returns 0 when the
 * file or the line is not there. */
static int add_normalised_line(struct strbuf *sb, const char *path, int line)
{
	pthread_mutex_lock(&cache_lock);
	struct cached_file *cf = cache_get(path);
	if (!cf || line < 1 || line > cf->nlines) {
		pthread_mutex_unlock(&cache_lock);
		return 0;
	}
	for (const char *p = cf->text + cf->line_start[line - 1]; *p && *p != '\n'; p++)
		if (!isspace((unsigned char)*p))
			sb_addc(sb, *p);
	pthread_mutex_unlock(&cache_lock);
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
	int have_text = 0;
	if (loc->file) {
		char *path = loc->file[0] == '/' ? xstrdup(loc->file)
		                                 : xasprintf("%s/%s", root ? root : ".", loc->file);
		have_text = add_normalised_line(&sb, path, loc->line);
		free(path);
	}
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
