/* config.c — reading .tsafe.json (see config.h). */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"

static char *read_all(const char *path, int *missing)
{
	FILE *f = fopen(path, "rb");
	*missing = !f && errno == ENOENT;
	if (!f)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, f);
	fclose(f);
	return sb_detach(&sb);
}

static const char *str_field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An unknown key is an error, as an unknown rule id is: a typo must not silently drop a
 * suppression or a lock wrapper. `known` is NULL-terminated; `where` names the object. */
static int check_keys(const cJSON *o, const char *const *known, const char *where,
                      const char *path, char **err)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, o) {
		int ok = 0;
		for (int i = 0; known[i] && !ok; i++)
			ok = !strcmp(item->string, known[i]);
		if (ok)
			continue;
		struct strbuf sb;
		sb_init(&sb);
		for (int i = 0; known[i]; i++)
			sb_addf(&sb, "%s\"%s\"", i ? ", " : "", known[i]);
		*err = xasprintf("%s: unknown key \"%s\" in %s (known keys: %s; check the spelling)",
		                 path, item->string, where, sb.buf);
		sb_free(&sb);
		return -1;
	}
	return 0;
}

static int parse_wrapper(const cJSON *w, const char *path, char **err)
{
	static const char *const keys[] = {"function", "op", "kind", "arg", "mode", NULL};
	if (check_keys(w, keys, "a lock_wrappers entry", path, err))
		return -1;
	static const struct {
		const char *name;
		enum lock_op op;
	} ops[] = {{"acquire", LOP_ACQUIRE}, {"try", LOP_TRY}, {"release", LOP_RELEASE}};
	const char *fn = str_field(w, "function"), *op = str_field(w, "op");
	const char *kind = str_field(w, "kind"), *mode = str_field(w, "mode");
	const cJSON *arg = cJSON_GetObjectItemCaseSensitive(w, "arg");
	struct lock_api api = {.mutex_arg = -1, .lock_arg = cJSON_IsNumber(arg) ? arg->valueint : 0};
	for (size_t i = 0; op && i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(op, ops[i].name))
			api.op = ops[i].op;
	api.kind = kind ? lock_kind_from_name(kind) : LK_MUTEX;
	if (!fn || !api.op || !api.kind) {
		*err = xasprintf("%s: each lock_wrappers entry needs \"function\", \"op\" (acquire, try or release) "
		                 "and an optional \"kind\" (mutex, rwlock, spin, sem)", path);
		return -1;
	}
	api.func = (char *)fn;
	api.shared = mode && !strcmp(mode, "shared");
	lockapi_add(&api);
	return 0;
}

/* {"function": "spawn", "entry_arg": 0, "arg_arg": 1}: a function outside the program (or
 * one inference cannot read) that starts a thread running its argument entry_arg. */
static int parse_thread_wrapper(const cJSON *w, const char *path, char **err)
{
	static const char *const keys[] = {"function", "entry_arg", "arg_arg", NULL};
	if (check_keys(w, keys, "a thread_wrappers entry", path, err))
		return -1;
	const char *fn = str_field(w, "function");
	const cJSON *entry = cJSON_GetObjectItemCaseSensitive(w, "entry_arg");
	const cJSON *arg = cJSON_GetObjectItemCaseSensitive(w, "arg_arg");
	if (!fn || !cJSON_IsNumber(entry) || entry->valueint < 0 ||
	    (arg && (!cJSON_IsNumber(arg) || arg->valueint < 0))) {
		*err = xasprintf("%s: each thread_wrappers entry needs \"function\" and \"entry_arg\" (the "
		                 "index of the start routine's argument, from 0), and an optional "
		                 "\"arg_arg\" (the index of the thread argument)", path);
		return -1;
	}
	struct lock_api api = {.func = (char *)fn, .op = LOP_THREAD_START, .kind = LK_MUTEX,
	                       .lock_arg = entry->valueint, .mutex_arg = arg ? arg->valueint : -1};
	lockapi_add(&api);
	return 0;
}

static int parse_suppression(const cJSON *s, struct project_config *c, const char *path, char **err)
{
	static const char *const keys[] = {"rule", "file", "symbol", "reason", NULL};
	if (check_keys(s, keys, "a suppress entry", path, err))
		return -1;
	const char *rule = str_field(s, "rule");
	if (!rule || (strcmp(rule, "*") != 0 && !rule_find(rule))) {
		*err = xasprintf("%s: suppression with unknown rule '%s' (use a rule id from rules/rules.json, or \"*\")",
		                 path, rule ? rule : "(missing)");
		return -1;
	}
	c->suppress = xrealloc(c->suppress, (size_t)(c->nsuppress + 1) * sizeof *c->suppress);
	struct suppress_rule *r = &c->suppress[c->nsuppress++];
	r->rule = xstrdup(rule);
	r->file = xstrdup(str_field(s, "file"));
	r->symbol = xstrdup(str_field(s, "symbol"));
	r->reason = xstrdup(str_field(s, "reason") ? str_field(s, "reason") : "suppressed in .tsafe.json");
	return 0;
}

static int parse(const cJSON *root, struct project_config *c, const char *path, char **err)
{
	if (!cJSON_IsObject(root)) {
		*err = xasprintf("%s: expected a JSON object with lock_wrappers, thread_wrappers, suppress, "
		                 "exclude", path);
		return -1;
	}
	static const char *const keys[] = {"lock_wrappers", "thread_wrappers", "suppress", "exclude", NULL};
	if (check_keys(root, keys, "the top-level object", path, err))
		return -1;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "lock_wrappers"))
		if (parse_wrapper(item, path, err))
			return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "thread_wrappers"))
		if (parse_thread_wrapper(item, path, err))
			return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "suppress"))
		if (parse_suppression(item, c, path, err))
			return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "exclude")) {
		if (!cJSON_IsString(item))
			continue;
		c->exclude = xrealloc(c->exclude, (size_t)(c->nexclude + 1) * sizeof *c->exclude);
		c->exclude[c->nexclude++] = xstrdup(item->valuestring);
	}
	return 0;
}

int config_load(const char *root, struct project_config *c, char **err)
{
	memset(c, 0, sizeof *c);
	char *path = xasprintf("%s/.tsafe.json", root ? root : ".");
	int missing;
	char *text = read_all(path, &missing);
	if (!text) {
		if (missing) {
			free(path);
			return 0;
		}
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	c->path = path;
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithOpts(text, &end, 0);
	if (!json) {
		int line = 1;
		for (const char *p = text; end && p < end; p++)
			line += *p == '\n';
		*err = xasprintf("%s is not valid JSON (near line %d); fix or remove it", path, line);
		free(text);
		return -1;
	}
	free(text);
	int rc = parse(json, c, path, err);
	cJSON_Delete(json);
	return rc;
}

int config_excluded(const struct project_config *c, const char *relpath)
{
	for (int i = 0; i < c->nexclude; i++)
		if (fnmatch(c->exclude[i], relpath, 0) == 0)
			return 1;
	return 0;
}

void config_free(struct project_config *c)
{
	for (int i = 0; i < c->nsuppress; i++) {
		free(c->suppress[i].rule);
		free(c->suppress[i].file);
		free(c->suppress[i].symbol);
		free(c->suppress[i].reason);
	}
	free(c->suppress);
	for (int i = 0; i < c->nexclude; i++)
		free(c->exclude[i]);
	free(c->exclude);
	free(c->path);
	memset(c, 0, sizeof *c);
}
