/* report_json.c — the JSON format: every finding, suppressed ones included, with all the
 * evidence a script needs (stacks, locks, engines). Field names are a stable interface. */
#include "internal.h"

static cJSON *stack_json(const struct location *loc)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < loc->nstack; i++) {
		const struct frame *fr = &loc->stack[i];
		cJSON *o = cJSON_CreateObject();
		add_str_or_null(o, "function", fr->func);
		add_str_or_null(o, "file", fr->file);
		cJSON_AddNumberToObject(o, "line", fr->line);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *location_json(const struct location *loc)
{
	cJSON *o = cJSON_CreateObject();
	add_str_or_null(o, "file", loc->file);
	cJSON_AddNumberToObject(o, "line", loc->line);
	cJSON_AddNumberToObject(o, "col", loc->col);
	add_str_or_null(o, "function", loc->func);
	add_str_or_null(o, "message", loc->message);
	add_str_or_null(o, "thread", loc->thread);
	/* null: locks are not meaningful here; []: none held. */
	if (loc->locks)
		cJSON_AddItemToObject(o, "locks", split_to_json(loc->locks));
	else
		cJSON_AddNullToObject(o, "locks");
	cJSON_AddItemToObject(o, "stack", stack_json(loc));
	return o;
}

static cJSON *finding_json(const struct finding *f)
{
	cJSON *o = cJSON_CreateObject();
	add_str_or_null(o, "rule", f->rule);
	add_str_or_null(o, "severity", f->severity);
	add_str_or_null(o, "message", f->message);
	add_str_or_null(o, "symbol", f->symbol);
	add_str_or_null(o, "fingerprint", f->fingerprint);
	cJSON_AddItemToObject(o, "engines", engines_to_json(f));
	cJSON_AddBoolToObject(o, "confirmed", f->confirmed);
	cJSON_AddBoolToObject(o, "suppressed", f->suppressed);
	cJSON_AddBoolToObject(o, "likely_benign", f->benign);
	if (f->suppressed)
		add_str_or_null(o, "suppress_reason", f->suppress_reason);
	if (f->times_seen)
		cJSON_AddNumberToObject(o, "times_seen", f->times_seen);
	cJSON *watch = report_watch_json(f);
	if (watch)
		cJSON_AddItemToObject(o, "watch", watch);
	cJSON *locs = cJSON_AddArrayToObject(o, "locations");
	for (int i = 0; i < f->nlocs; i++)
		cJSON_AddItemToArray(locs, location_json(&f->locs[i]));
	return o;
}

int report_json(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "version", o->tool_version ? o->tool_version : TSAFE_VERSION);
	cJSON *arr = cJSON_AddArrayToObject(root, "findings");
	for (int i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, finding_json(&l->items[i]));
	return write_json(out, root, 1);
}
