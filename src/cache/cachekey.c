/* cachekey.c — the facts-cache key of a TU and the header list the CLI keeps between runs, so
 * that "has anything changed?" needs no parse. */
#include "cachekey.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "common/keymap.h"
#include "facts/facts.h"
#include "common/util.h"

/* Strings are hashed with their terminating NUL so that ("ab","c") != ("a","bc"). */
static void hash_str(XXH3_state_t *st, const char *s)
{
	XXH3_128bits_update(st, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* The digest of a file's contents, or 0 when it cannot be read. */
static int digest_file(const char *path, XXH128_hash_t *out)
{
	FILE *fp = fopen_regular(path);
	if (!fp)
		return 0;
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	char buf[16384];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		XXH3_128bits_update(st, buf, n);
	fclose(fp);
	*out = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return 1;
}

/* Digests already computed in this process, by path and the file's identity and time:
 * a project's TUs share most headers, which are read once instead of once per TU. A
 * file changed since then has another mtime or size, hence another entry. */
static struct {
	pthread_mutex_t lock;
	struct keymap seen;          /* -> index in digests */
	XXH128_hash_t *digests;
	int n, cap;
} memo = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int digest_file_memo(const char *path, XXH128_hash_t *out)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return 0;
	struct keybuf kb = {0};
	kb_str(&kb, path);
	long ident[] = {(long)sb.st_dev, (long)sb.st_ino, (long)sb.st_size,
	                (long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec};
	for (size_t i = 0; i < sizeof ident / sizeof ident[0]; i++)
		kb_int(&kb, ident[i]);
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	int idx, found;
	pthread_mutex_lock(&memo.lock);
	found = keymap_get(&memo.seen, k, &idx);
	if (found)
		*out = memo.digests[idx];
	pthread_mutex_unlock(&memo.lock);
	if (found)
		return 1;
	if (!digest_file(path, out))
		return 0;
	pthread_mutex_lock(&memo.lock);
	grow_array((void **)&memo.digests, &memo.cap, memo.n, sizeof *memo.digests);
	memo.digests[memo.n] = *out;
	keymap_put(&memo.seen, k, memo.n++);
	pthread_mutex_unlock(&memo.lock);
	return 1;
}

static void hash_file(XXH3_state_t *st, const char *path)
{
	hash_str(st, path);
	XXH128_hash_t d;
	if (!digest_file_memo(path, &d)) {
		hash_str(st, "\001missing");
		return;
	}
	XXH3_128bits_update(st, &d, sizeof d);
	hash_str(st, "\001end");
}

static char *hex_of(const XXH128_hash_t *h)
{
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, *h);
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < sizeof c.digest; i++)
		sb_addf(&sb, "%02x", c.digest[i]);
	return sb_detach(&sb);
}

char *cache_build_digest(const char *exe)
{
	char *path = exe_sibling(exe);
	XXH128_hash_t d;
	char *hex = path && digest_file_memo(path, &d) ? hex_of(&d) : xstrdup("missing");
	free(path);
	return hex;
}

char *extract_cache_key(const char *file, const char *const *argv, int argc,
                        const char *const *headers, int nheaders)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return xstrdup("");
	XXH3_128bits_reset(st);
	hash_str(st, "tsafe " TSAFE_VERSION);
	hash_str(st, "facts " TSAFE_FACTS_FORMAT);
	char *build = cache_build_digest("tsafe-extract");    /* the code that makes the facts */
	hash_str(st, build);
	free(build);
	for (int i = 0; i < argc; i++)
		hash_str(st, argv[i]);
	hash_str(st, "\001files");
	char *real = realpath(file, NULL);   /* any spelling of the same file gives the same key */
	hash_file(st, real ? real : file);
	free(real);
	for (int i = 0; i < nheaders; i++)
		hash_file(st, headers[i]);
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return hex_of(&h);
}

char *extract_deps_to_meta(const struct extract_deps *d)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < d->nheaders; i++) {
		sb_add(&sb, d->headers[i]);
		sb_addc(&sb, '\n');
	}
	return sb_detach(&sb);
}

void extract_deps_from_meta(const char *meta, struct extract_deps *d)
{
	memset(d, 0, sizeof *d);
	int cap = 0;
	for (const char *p = meta; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len) {
			grow_array((void **)&d->headers, &cap, d->nheaders, sizeof *d->headers);
			d->headers[d->nheaders++] = xstrndup(p, len);
		}
		p = nl ? nl + 1 : NULL;
	}
}

void extract_deps_free(struct extract_deps *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->nheaders; i++)
		free(d->headers[i]);
	free(d->headers);
	memset(d, 0, sizeof *d);
}
