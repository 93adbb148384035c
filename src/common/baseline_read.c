/* baseline_read.c — reading a baseline file, refusing anything that is not one this tsafe
 * understands with a message that names the file and how to get a good one. */
#include "baseline.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "inputfile.h"
#include "util.h"

/* "baseline 'F' <problem> (regenerate it with 'tsafe baseline save -o F')". */
static int fail_regenerate(char **err, const char *name, const char *problem)
{
	*err = xasprintf("baseline '%s' %s (regenerate it with 'tsafe baseline save -o %s')",
	                 name, problem, name);
	return -1;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* The optional text members of an entry: a string, or absent/null (anything else is ignored,
 * since only the fingerprint is compared). */
static char *member_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static int read_entries(struct baseline *b, const cJSON *arr, const char *name, char **err)
{
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		i++;
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(it, "fingerprint");
		if (!cJSON_IsObject(it) || !cJSON_IsString(fp) || !fp->valuestring[0]) {
			char *what = xasprintf("is damaged: finding %d has no \"fingerprint\" string", i);
			fail_regenerate(err, name, what);
			free(what);
			return -1;
		}
		grow_array((void **)&b->items, &b->cap, b->n, sizeof *b->items);
		struct baseline_entry *e = &b->items[b->n++];
		e->fingerprint = xstrdup(fp->valuestring);
		e->rule = member_str(it, "rule");
		e->file = member_str(it, "file");
		e->function = member_str(it, "function");
		e->symbol = member_str(it, "symbol");
		e->message = member_str(it, "message");
	}
	return 0;
}

/* The format number: present, a whole number >= 1, not newer than ours. */
static int check_format(struct baseline *b, const cJSON *root, const char *name, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "tsafe_baseline");
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= INT_MAX) ||
	    v->valuedouble != (double)(int)v->valuedouble)
		return fail_regenerate(err, name, "is not a tsafe baseline (no \"tsafe_baseline\" "
		                       "format number)");
	b->format = (int)v->valuedouble;
	if (b->format > BASELINE_FORMAT) {
		*err = xasprintf("baseline '%s' has format %d, newer than the %d this tsafe "
		                 "reads (upgrade tsafe, or regenerate it with 'tsafe baseline save "
		                 "-o %s')", name, b->format, BASELINE_FORMAT, name);
		return -1;
	}
	return 0;
}

int baseline_parse(struct baseline *b, const char *text, size_t len, const char *name,
                   char **err)
{
	memset(b, 0, sizeof *b);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	/* cJSON stops after the first value: text after it is corruption too (a bad merge). */
	while (root && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (root && end < text + len) {
		cJSON_Delete(root);
		root = NULL;
	}
	if (!root) {
		char *what = end && end >= text && end <= text + len
			? xasprintf("is not valid JSON (line %d)", line_of(text, end))
			: xstrdup("is not valid JSON");
		fail_regenerate(err, name, what);
		free(what);
		return -1;
	}
	int rc = -1;
	const cJSON *findings = cJSON_GetObjectItemCaseSensitive(root, "findings");
	if (!cJSON_IsObject(root))
		fail_regenerate(err, name, "is not a tsafe baseline (expected a JSON object)");
	else if (check_format(b, root, name, err) == 0) {
		if (!cJSON_IsArray(findings))
			fail_regenerate(err, name, "is damaged: it has no \"findings\" array");
		else
			rc = read_entries(b, findings, name, err);
	}
	if (rc == 0)
		b->tool_version = member_str(root, "tool_version");
	cJSON_Delete(root);
	if (rc)
		baseline_free(b);
	return rc;
}

/* A baseline holds a few hundred bytes per finding: 256 MB is far more than any project's. */
#define BASELINE_MAX_BYTES (256LL << 20)

static char *read_file(const char *path, size_t *len, char **err)
{
	struct strbuf sb;
	sb_init(&sb);
	char *why = NULL;
	if (input_read(path, BASELINE_MAX_BYTES, &sb, &why)) {
		if (errno == ENOENT)
			*err = xasprintf("baseline '%s' does not exist (create it with 'tsafe "
			                 "baseline save -o %s', or leave out --baseline to compare with "
			                 "the previous run)", path, path);
		else if (input_refused())
			*err = xasprintf("baseline '%s' %s (give the file 'tsafe baseline save -o FILE' "
			                 "wrote)", path, why);
		else
			*err = xasprintf("cannot read baseline '%s': %s (check the path and its "
			                 "permissions)", path, why);
		free(why);
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

int baseline_load(struct baseline *b, const char *path, char **err)
{
	memset(b, 0, sizeof *b);
	size_t len = 0;
	char *text = read_file(path, &len, err);
	if (!text)
		return -1;
	int rc = baseline_parse(b, text, len, path, err);
	free(text);
	return rc;
}
