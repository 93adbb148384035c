/* rules.c — loads the data in rules/ (rule catalogue, lock API, MT-unsafe functions) once per
 * process and answers look-ups; also keeps the project lock wrappers from .tsafe.json. */
#include "rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keymap.h"
#include "util.h"

static struct rule_info *rules;
static int nrules;
static struct lock_api *apis;
static int napis, apis_cap;
static struct lock_api *wrappers;     /* lockapi_add: looked up before the catalogue */
static int nwrappers, wrappers_cap;
/* Wrappers are added from the main thread while workers may already look them up (and so
 * that adding one later is safe too). Entries are never moved once extraction runs. */
static pthread_rwlock_t wrappers_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct mt_unsafe *unsafe;
static int nunsafe, unsafe_cap;
/* Function name -> index in apis / unsafe, built once loaded: the extractor asks for every
 * call it sees, the analysis for every call it walks. */
static struct keymap apis_by_name, unsafe_by_name;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char *load_error;             /* set once by load_all, then read-only */

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *rules_dir(void)
{
	const char *env = getenv("TSAFE_RULES_DIR");
	if (env && *env)
		return env;
	if (is_dir(TSAFE_SOURCE_RULES_DIR))
		return TSAFE_SOURCE_RULES_DIR;
	return TSAFE_INSTALL_RULES_DIR;
}

/* Whole file as a string, or NULL with *err set. */
static char *slurp(const char *path, char **err)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		char buf[128];
		*err = xasprintf("cannot read %s: %s (set TSAFE_RULES_DIR to the rules/ folder)",
		                 path, strerror_r(errno, buf, sizeof buf));
		return NULL;
	}
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, fp);
	fclose(fp);
	return sb_detach(&sb);
}

/* ---- rules.json ---------------------------------------------------------------------- */

static char *json_str(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(it) ? xstrdup(it->valuestring) : NULL;
}

static int parse_rule(const cJSON *o, struct rule_info *ri, const char *path, int idx, char **err)
{
	ri->id = json_str(o, "id");
	ri->severity = json_str(o, "severity");
	ri->cwe = json_str(o, "cwe");
	ri->name = json_str(o, "name");
	ri->short_help = json_str(o, "short");
	ri->help = json_str(o, "help");
	if (!ri->id || !ri->severity || !ri->short_help || !ri->help) {
		*err = xasprintf("%s: rule %d lacks a string \"id\", \"severity\", \"short\" "
		                 "or \"help\" (every rule needs all four)", path, idx + 1);
		return -1;
	}
	if (!str_eq(ri->severity, "error") && !str_eq(ri->severity, "warning") &&
	    !str_eq(ri->severity, "note")) {
		*err = xasprintf("%s: rule '%s' has severity '%s' (expected error|warning|note)",
		                 path, ri->id, ri->severity);
		return -1;
	}
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
	const cJSON *t;
	int cap = 0;
	cJSON_ArrayForEach(t, tags) {
		if (!cJSON_IsString(t))
			continue;
		grow_array((void **)&ri->tags, &cap, ri->ntags, sizeof *ri->tags);
		ri->tags[ri->ntags++] = xstrdup(t->valuestring);
	}
	return 0;
}

static int load_rules_json(const char *path, char **err)
{
	char *text = slurp(path, err);
	if (!text)
		return -1;
	cJSON *root = cJSON_Parse(text);
	if (!cJSON_IsArray(root)) {
		const char *near = root ? NULL : cJSON_GetErrorPtr();
		size_t len = near ? strcspn(near, "\r\n") : 0;   /* keep the message on one line */
		if (near)
			*err = xasprintf("%s: invalid JSON near \"%.*s\" (fix the syntax)", path,
			                 (int)(len < 20 ? len : 20), near);
		else
			*err = xasprintf("%s: expected a JSON array of rule objects", path);
		cJSON_Delete(root);
		free(text);   /* after the message: the error pointer is inside it */
		return -1;
	}
	free(text);
	int n = cJSON_GetArraySize(root), rc = 0;
	rules = xcalloc((size_t)n + 1, sizeof *rules);
	for (int i = 0; i < n && rc == 0; i++) {
		rc = parse_rule(cJSON_GetArrayItem(root, i), &rules[i], path, i, err);
		nrules = i + 1;
	}
	cJSON_Delete(root);
	return rc;
}

/* ---- .tsv files ---------------------------------------------------------------------- */

#define MAX_FIELDS 8

/* Splits `line` in place at tabs; returns the number of fields. */
static int split_tabs(char *line, char **fields)
{
	int n = 0;
	for (char *p = line; n < MAX_FIELDS;) {
		fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

typedef int (*tsv_row_fn)(char **f, int n, const char *where, char **err);

/* Calls row() for every non-blank, non-comment line of `path`. */
static int load_tsv(const char *path, tsv_row_fn row, char **err)
{
	char *text = slurp(path, err);
	if (!text)
		return -1;
	int rc = 0, lineno = 0;
	char *save = NULL;
	for (char *p = text; p && rc == 0; p = save) {
		char *nl = strchr(p, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		size_t len = strlen(p);
		if (len && p[len - 1] == '\r')
			p[len - 1] = '\0';
		if (p[0] == '\0' || p[0] == '#')
			continue;
		char *f[MAX_FIELDS];
		int n = split_tabs(p, f);
		char *where = xasprintf("%s:%d", path, lineno);
		rc = row(f, n, where, err);
		free(where);
	}
	free(text);
	return rc;
}

static const char *const op_names[] = {
	[LOP_ACQUIRE] = "acquire", [LOP_TRY] = "try", [LOP_RELEASE] = "release",
	[LOP_COND_WAIT] = "cond-wait", [LOP_COND_SIGNAL] = "cond-signal",
	[LOP_INIT] = "init", [LOP_DESTROY] = "destroy",
};

static int op_from_name(const char *s)
{
	for (int i = 1; i < (int)(sizeof op_names / sizeof op_names[0]); i++)
		if (str_eq(op_names[i], s))
			return i;
	return 0;
}

/* A non-negative argument index, or -1 for "-". */
static int parse_index(const char *s, int *out)
{
	if (str_eq(s, "-")) {
		*out = -1;
		return 0;
	}
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 16)
		return -1;
	*out = (int)v;
	return 0;
}

static int lock_row(char **f, int n, const char *where, char **err)
{
	if (n != 6) {
		*err = xasprintf("%s: %d fields, expected 6 tab-separated "
		                 "(function op kind mode lock-arg mutex-arg)", where, n);
		return -1;
	}
	struct lock_api a = {.func = f[0]};
	a.op = op_from_name(f[1]);
	if (!a.op) {
		*err = xasprintf("%s: unknown op '%s' (expected acquire|try|release|cond-wait|"
		                 "cond-signal|init|destroy)", where, f[1]);
		return -1;
	}
	a.kind = lock_kind_from_name(f[2]);
	if (!a.kind || a.kind == LK_WRAPPER) {
		*err = xasprintf("%s: unknown kind '%s' (expected mutex|rwlock|spin|sem)", where, f[2]);
		return -1;
	}
	if (!str_eq(f[3], "excl") && !str_eq(f[3], "shared")) {
		*err = xasprintf("%s: unknown mode '%s' (expected excl|shared)", where, f[3]);
		return -1;
	}
	a.shared = str_eq(f[3], "shared");
	if (parse_index(f[4], &a.lock_arg) || a.lock_arg < 0 || parse_index(f[5], &a.mutex_arg)) {
		*err = xasprintf("%s: bad argument index '%s' or '%s' (expected a number from 0, "
		                 "or - for no mutex argument)", where, f[4], f[5]);
		return -1;
	}
	if (a.op == LOP_COND_WAIT && a.mutex_arg < 0) {
		*err = xasprintf("%s: cond-wait '%s' needs the index of its mutex argument",
		                 where, a.func);
		return -1;
	}
	a.timed = strstr(a.func, "timed") || strstr(a.func, "clock");
	grow_array((void **)&apis, &apis_cap, napis, sizeof *apis);
	a.func = xstrdup(a.func);
	apis[napis++] = a;
	return 0;
}

static int unsafe_row(char **f, int n, const char *where, char **err)
{
	if ((n != 3 && n != 4) || !*f[0]) {
		*err = xasprintf("%s: %d fields, expected 3 or 4 tab-separated "
		                 "(function replacement why [shared-state])", where, n);
		return -1;
	}
	grow_array((void **)&unsafe, &unsafe_cap, nunsafe, sizeof *unsafe);
	unsafe[nunsafe++] = (struct mt_unsafe){xstrdup(f[0]), xstrdup(f[1]), xstrdup(f[2]),
	                                       xstrdup(n == 4 && *f[3] ? f[3] : f[0])};
	return 0;
}

static int load_locks(const char *path, char **err)
{
	return load_tsv(path, lock_row, err);
}

static int load_unsafe(const char *path, char **err)
{
	return load_tsv(path, unsafe_row, err);
}

/* The data files, in load order. */
static const char *const data_files[] = {"rules.json", "locks.tsv", "mt-unsafe.tsv", NULL};

char *rules_file(int i)
{
	return i >= 0 && i < (int)(sizeof data_files / sizeof *data_files) - 1
	       ? xasprintf("%s/%s", rules_dir(), data_files[i]) : NULL;
}

static void load_all(void)
{
	int (*loaders[])(const char *, char **) = {load_rules_json, load_locks, load_unsafe};
	int rc = 0;
	for (int i = 0; rc == 0 && data_files[i]; i++) {
		char *path = rules_file(i);
		rc = loaders[i](path, &load_error);
		free(path);
	}
	if (rc != 0 && !load_error)
		load_error = xstrdup("cannot load the rules (check TSAFE_RULES_DIR)");
	for (int i = napis - 1; i >= 0; i--)          /* the first of repeated names wins */
		keymap_put(&apis_by_name, hkey_of_string(apis[i].func), i);
	for (int i = nunsafe - 1; i >= 0; i--)
		keymap_put(&unsafe_by_name, hkey_of_string(unsafe[i].func), i);
}

int rules_load(char **err)
{
	pthread_once(&load_once, load_all);
	if (load_error) {
		if (err)
			*err = xstrdup(load_error);
		return -1;
	}
	return 0;
}

/* ---- look-ups ------------------------------------------------------------------------ */

const struct rule_info *rule_find(const char *id)
{
	for (int i = 0; i < nrules; i++)
		if (str_eq(rules[i].id, id))
			return &rules[i];
	return NULL;
}

const struct rule_info *rules_all(int *n)
{
	*n = nrules;
	return rules;
}

const struct lock_api *lockapi_find(const char *func)
{
	if (!func)
		return NULL;
	const struct lock_api *found = NULL;
	pthread_rwlock_rdlock(&wrappers_lock);
	for (int i = 0; i < nwrappers && !found; i++)
		if (str_eq(wrappers[i].func, func))
			found = &wrappers[i];
	pthread_rwlock_unlock(&wrappers_lock);
	if (found)
		return found;
	int i;
	return keymap_get(&apis_by_name, hkey_of_string(func), &i) ? &apis[i] : NULL;
}

void lockapi_add(const struct lock_api *api)
{
	pthread_rwlock_wrlock(&wrappers_lock);
	int i = 0;
	while (i < nwrappers && !str_eq(wrappers[i].func, api->func))
		i++;
	if (i < nwrappers) {   /* declared again: the last declaration wins */
		free(wrappers[i].func);
	} else {
		grow_array((void **)&wrappers, &wrappers_cap, nwrappers, sizeof *wrappers);
		nwrappers++;
	}
	wrappers[i] = *api;
	wrappers[i].func = xstrdup(api->func);
	pthread_rwlock_unlock(&wrappers_lock);
}

const struct mt_unsafe *mt_unsafe_find(const char *func)
{
	int i;
	return func && keymap_get(&unsafe_by_name, hkey_of_string(func), &i) ? &unsafe[i] : NULL;
}
