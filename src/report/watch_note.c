/* watch_note.c — the watch engine's "watched, not seen racing" as every format shows it
 * beside a static data-race finding: one sentence for text and HTML, one object for JSON
 * and SARIF. The finding itself is never hidden: a run sees only what it runs. */
#include <stdio.h>

#include "common/util.h"
#include "internal.h"

char *report_watch_note(const struct finding *f)
{
	if (!f->watch_run)
		return NULL;
	return xasprintf("watched at run time (run %ld): %.3f s, %ld access%s by %d thread%s at "
	                 "its sites, not seen racing", f->watch_run, f->watch_seconds,
	                 f->watch_accesses, f->watch_accesses == 1 ? "" : "es", f->watch_threads,
	                 f->watch_threads == 1 ? "" : "s");
}

cJSON *report_watch_json(const struct finding *f)
{
	if (!f->watch_run)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "not seen racing");
	cJSON_AddNumberToObject(o, "run", (double)f->watch_run);
	cJSON_AddNumberToObject(o, "watched_seconds", f->watch_seconds);
	cJSON_AddNumberToObject(o, "accesses", (double)f->watch_accesses);
	cJSON_AddNumberToObject(o, "threads", f->watch_threads);
	return o;
}
