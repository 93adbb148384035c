/* report_sarif.c — SARIF 2.1.0 for GitHub code scanning and IDE viewers.
 *
 * One run: tool.driver carries the whole rule catalogue (so a viewer can show the help of a
 * rule with no results), each finding is a result whose first location is the primary one;
 * the other locations are relatedLocations, and every location with a stack becomes one
 * threadFlow (for a race: each side's stack). Paths stay relative to %SRCROOT%, which
 * originalUriBaseIds maps to the project root, so the file is portable between checkouts.
 */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/source.h"
#include "common/util.h"

#define SARIF_SCHEMA \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#ifndef TSAFE_INFORMATION_URI
#define TSAFE_INFORMATION_URI "https://github.com/tsafe/tsafe"
#endif

struct sarif_ctx {
	cJSON *rules;       /* run.tool.driver.rules */
	char **ids;         /* ids[i] is rules[i]'s id: ruleIndex lookup */
	int nids, cap;
};

/* Percent-encodes a path for a URI reference, keeping '/' and RFC 3986 unreserved bytes. */
static void add_uri_path(struct strbuf *sb, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			sb_addc(sb, (char)*p);
		} else {
			sb_addc(sb, '%');
			sb_addc(sb, hex[*p >> 4]);
			sb_addc(sb, hex[*p & 15]);
		}
	}
}

static cJSON *message(const char *text)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "text", text);
	return m;
}

/* A physicalLocation: relative paths hang off %SRCROOT%, absolute ones (system headers,
 * libc frames) are file:// URIs. NULL when there is no file to point at. */
static cJSON *physical_location(const char *file, int line, int col)
{
	if (!file || !*file)
		return NULL;
	struct strbuf uri;
	sb_init(&uri);
	if (file[0] == '/')
		sb_add(&uri, "file://");
	add_uri_path(&uri, file);
	cJSON *phys = cJSON_CreateObject();
	cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
	cJSON_AddStringToObject(art, "uri", uri.buf);
	if (file[0] != '/')
		cJSON_AddStringToObject(art, "uriBaseId", "%SRCROOT%");
	sb_free(&uri);
	if (line > 0) {
		cJSON *region = cJSON_AddObjectToObject(phys, "region");
		cJSON_AddNumberToObject(region, "startLine", line);
		if (col > 0)
			cJSON_AddNumberToObject(region, "startColumn", col);
	}
	return phys;
}

/* The source line as region.snippet, so a viewer without the checkout still shows the code
 * (only from a file inside the root: see source_inside_root). */
static void add_snippet(cJSON *phys, const char *root, const char *file, int line)
{
	cJSON *region = cJSON_GetObjectItem(phys, "region");
	size_t len = 0;
	int outside;
	char *path = region ? source_inside_root(root, file, &outside) : NULL;
	const char *text = path ? source_line(NULL, path, line, &len) : NULL;
	free(path);
	if (!text)
		return;
	char *copy = xstrndup(text, len);
	cJSON_AddItemToObject(region, "snippet", message(copy));
	free(copy);
}

static cJSON *sarif_location(const char *file, int line, int col, const char *func,
                             const char *msg)
{
	cJSON *loc = cJSON_CreateObject();
	cJSON *phys = physical_location(file, line, col);
	if (phys)
		cJSON_AddItemToObject(loc, "physicalLocation", phys);
	if (func) {
		cJSON *logical = cJSON_CreateObject();
		cJSON_AddStringToObject(logical, "name", func);
		cJSON_AddStringToObject(logical, "kind", "function");
		cJSON *arr = cJSON_AddArrayToObject(loc, "logicalLocations");
		cJSON_AddItemToArray(arr, logical);
	}
	if (msg && *msg)
		cJSON_AddItemToObject(loc, "message", message(msg));
	return loc;
}

static int has_tag(const struct rule_info *r, const char *tag)
{
	for (int i = 0; i < r->ntags; i++)
		if (str_eq(r->tags[i], tag))
			return 1;
	return 0;
}

/* "CWE-362" -> "external/cwe/cwe-362", the tag GitHub turns into a CWE link. */
static char *cwe_tag(const char *cwe)
{
	char *tag = xasprintf("external/cwe/%s", cwe);
	for (char *p = tag; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return tag;
}

static cJSON *rule_properties(const struct rule_info *r)
{
	cJSON *props = cJSON_CreateObject();
	cJSON *tags = cJSON_AddArrayToObject(props, "tags");
	for (int i = 0; i < r->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(r->tags[i]));
	if (r->cwe) {
		char *tag = cwe_tag(r->cwe);
		cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
		free(tag);
	}
	/* The warning-level rules are the heuristic ones (leaks, missing loops, MT-unsafe calls):
	 * intentional patterns trip them more often than the error-level misuse rules. */
	int error = str_eq(r->severity, "error");
	cJSON_AddStringToObject(props, "precision", error ? "high" : "medium");
	/* GitHub ranks security alerts by this score: high for errors, medium for warnings. */
	if (has_tag(r, "security"))
		cJSON_AddStringToObject(props, "security-severity", error ? "7.5" : "5.0");
	return props;
}

static char *help_markdown(const struct rule_info *r)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_addf(&sb, "# %s\n", r->name ? r->name : r->id);
	if (r->short_help)
		sb_addf(&sb, "\n%s\n", r->short_help);
	if (r->help)
		sb_addf(&sb, "\n%s\n", r->help);
	if (r->cwe && str_starts(r->cwe, "CWE-"))
		sb_addf(&sb, "\nRule `%s`, [%s](https://cwe.mitre.org/data/definitions/%s.html).\n",
		        r->id, r->cwe, r->cwe + 4);
	return sb_detach(&sb);
}

static const char *sarif_level(const char *severity)
{
	if (str_eq(severity, "error") || str_eq(severity, "warning") || str_eq(severity, "note"))
		return severity;
	return "warning";
}

static cJSON *rule_descriptor(const struct rule_info *r)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", r->id);
	if (r->name)
		cJSON_AddStringToObject(d, "name", r->name);
	const char *shrt = r->short_help ? r->short_help : r->id;
	cJSON_AddItemToObject(d, "shortDescription", message(shrt));
	cJSON_AddItemToObject(d, "fullDescription", message(r->help ? r->help : shrt));
	cJSON *help = message(r->help ? r->help : shrt);
	char *md = help_markdown(r);
	cJSON_AddStringToObject(help, "markdown", md);
	free(md);
	cJSON_AddItemToObject(d, "help", help);
	cJSON *conf = cJSON_AddObjectToObject(d, "defaultConfiguration");
	cJSON_AddStringToObject(conf, "level", sarif_level(r->severity));
	cJSON_AddItemToObject(d, "properties", rule_properties(r));
	return d;
}

static void add_rule(struct sarif_ctx *c, const struct rule_info *r)
{
	grow_array((void **)&c->ids, &c->cap, c->nids, sizeof *c->ids);
	c->ids[c->nids++] = xstrdup(r->id);
	cJSON_AddItemToArray(c->rules, rule_descriptor(r));
}

/* The rule's index in driver.rules. A rule missing from the catalogue (an engine-specific
 * kind such as "helgrind:Misc") gets a minimal descriptor of its own rather than no index. */
static int rule_index(struct sarif_ctx *c, const struct finding *f)
{
	const char *id = f->rule ? f->rule : "unknown";
	for (int i = 0; i < c->nids; i++)
		if (strcmp(c->ids[i], id) == 0)
			return i;
	char *what = xasprintf("Reported by an engine as '%s', a kind with no tsafe rule.", id);
	struct rule_info r = {.id = (char *)id, .severity = f->severity, .short_help = what};
	add_rule(c, &r);
	free(what);
	return c->nids - 1;
}

static void load_catalogue(struct sarif_ctx *c)
{
	char *err = NULL;
	if (rules_load(&err) != 0) {
		/* Results stay valid with minimal descriptors; say why the help text is missing. */
		fprintf(stderr, "tsafe: warning: %s; SARIF rules will have no help text\n",
		        err ? err : "cannot load the rule catalogue");
		free(err);
		return;
	}
	int n = 0;
	const struct rule_info *all = rules_all(&n);
	for (int i = 0; i < n; i++)
		add_rule(c, &all[i]);
}

/* One threadFlow per stack, outermost frame first (SARIF lists a flow in execution order;
 * our stacks are innermost first). The innermost step carries the location's message. */
static cJSON *thread_flow(const struct location *loc, int index)
{
	cJSON *tf = cJSON_CreateObject();
	char *name = loc->thread ? xstrdup(loc->thread) : xasprintf("location %d", index + 1);
	cJSON_AddItemToObject(tf, "message", message(name));
	free(name);
	cJSON *steps = cJSON_AddArrayToObject(tf, "locations");
	for (int i = loc->nstack - 1; i >= 0; i--) {
		const struct frame *fr = &loc->stack[i];
		char *msg = i == 0 && loc->message ? xstrdup(loc->message)
		                                   : xasprintf("in %s", fr->func ? fr->func : "??");
		cJSON *step = cJSON_CreateObject();
		cJSON_AddItemToObject(step, "location",
		                      sarif_location(fr->file, fr->line, i == 0 ? loc->col : 0,
		                                     fr->func, msg));
		cJSON_AddNumberToObject(step, "nestingLevel", loc->nstack - 1 - i);
		cJSON_AddItemToArray(steps, step);
		free(msg);
	}
	return tf;
}

static void add_code_flows(cJSON *res, const struct finding *f)
{
	cJSON *flows = NULL;
	for (int i = 0; i < f->nlocs; i++) {
		if (f->locs[i].nstack == 0)
			continue;
		if (!flows) {
			cJSON *cf = cJSON_CreateObject();
			flows = cJSON_AddArrayToObject(cf, "threadFlows");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "codeFlows"), cf);
		}
		cJSON_AddItemToArray(flows, thread_flow(&f->locs[i], i));
	}
}

static cJSON *finding_location(const struct location *l, const char *root)
{
	cJSON *loc = sarif_location(l->file, l->line, l->col, l->func, l->message);
	cJSON *phys = cJSON_GetObjectItem(loc, "physicalLocation");
	if (phys && l->file[0] != '/')
		add_snippet(phys, root, l->file, l->line);
	return loc;
}

static void add_locations(cJSON *res, const struct finding *f, const char *root)
{
	if (f->nlocs == 0)
		return;
	cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "locations"),
	                     finding_location(&f->locs[0], root));
	if (f->nlocs < 2)
		return;
	cJSON *rel = cJSON_AddArrayToObject(res, "relatedLocations");
	for (int i = 1; i < f->nlocs; i++) {
		cJSON *loc = finding_location(&f->locs[i], root);
		cJSON_AddNumberToObject(loc, "id", i);
		cJSON_AddItemToArray(rel, loc);
	}
}

static cJSON *result_properties(const struct finding *f)
{
	cJSON *props = cJSON_CreateObject();
	cJSON_AddBoolToObject(props, "confirmed", f->confirmed);
	if (f->benign)
		cJSON_AddBoolToObject(props, "likelyBenign", 1);
	cJSON_AddItemToObject(props, "engines", engines_to_json(f));
	if (f->symbol)
		cJSON_AddStringToObject(props, "symbol", f->symbol);
	cJSON *watch = report_watch_json(f);
	if (watch)
		cJSON_AddItemToObject(props, "watch", watch);
	return props;
}

static cJSON *result(struct sarif_ctx *c, const struct finding *f, const char *root)
{
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "ruleId", f->rule ? f->rule : "unknown");
	cJSON_AddNumberToObject(res, "ruleIndex", rule_index(c, f));
	cJSON_AddStringToObject(res, "level", sarif_level(f->severity));
	const char *text = f->message && *f->message ? f->message : (f->rule ? f->rule : "finding");
	char *seen = seen_by_phrase(f);
	char *full = seen ? xasprintf("%s (%s)", text, seen) : NULL;
	cJSON_AddItemToObject(res, "message", message(full ? full : text));
	free(full);
	free(seen);
	add_locations(res, f, root);
	add_code_flows(res, f);
	if (f->fingerprint) {
		cJSON *fp = cJSON_AddObjectToObject(res, "partialFingerprints");
		cJSON_AddStringToObject(fp, "tsafe/v1", f->fingerprint);
	}
	if (f->suppressed) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "kind", "external");
		if (f->suppress_reason)
			cJSON_AddStringToObject(s, "justification", f->suppress_reason);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "suppressions"), s);
	}
	cJSON_AddItemToObject(res, "properties", result_properties(f));
	return res;
}

/* %SRCROOT% as an absolute file:// URI ending in '/', as SARIF requires of a base. */
static void add_uri_base(cJSON *run, const char *root)
{
	char abs[PATH_MAX];
	if (!realpath(root ? root : ".", abs))
		return;
	struct strbuf uri;
	sb_init(&uri);
	sb_add(&uri, "file://");
	add_uri_path(&uri, abs);
	if (uri.buf[uri.len - 1] != '/')
		sb_addc(&uri, '/');
	cJSON *base = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "originalUriBaseIds"),
	                                      "%SRCROOT%");
	cJSON_AddStringToObject(base, "uri", uri.buf);
	sb_free(&uri);
}

static cJSON *driver(const struct report_opts *o, cJSON *rules)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "name", "tsafe");
	cJSON_AddStringToObject(d, "version", o->tool_version ? o->tool_version : TSAFE_VERSION);
	cJSON_AddStringToObject(d, "informationUri", TSAFE_INFORMATION_URI);
	cJSON_AddItemToObject(d, "rules", rules);
	return d;
}

int report_sarif(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	struct sarif_ctx c = {.rules = cJSON_CreateArray()};
	load_catalogue(&c);
	cJSON *results = cJSON_CreateArray();
	for (int i = 0; i < l->n; i++)
		cJSON_AddItemToArray(results, result(&c, &l->items[i], o->root ? o->root : "."));

	cJSON *run = cJSON_CreateObject();
	cJSON *tool = cJSON_AddObjectToObject(run, "tool");
	cJSON_AddItemToObject(tool, "driver", driver(o, c.rules));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "automationDetails"), "id", "tsafe/");
	add_uri_base(run, o->root);
	cJSON_AddItemToObject(run, "results", results);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "$schema", SARIF_SCHEMA);
	cJSON_AddStringToObject(root, "version", "2.1.0");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "runs"), run);

	for (int i = 0; i < c.nids; i++)
		free(c.ids[i]);
	free(c.ids);
	return write_json(out, root, 1);
}
