/* watch_report.c — what the watch engine says after a run, on stderr: why nothing was
 * watched, or one line per candidate: confirmed, watched but not seen racing (with what
 * was observed: a run sees only what it runs), or not watchable and why. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../runtime/rtformat.h"
#include "watch.h"

static void say_off(const struct watch_plan *w, FILE *out)
{
	if (w->denied_err) {
		char paranoid[16] = "?";
		FILE *fp = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
		if (fp) {
			if (!fgets(paranoid, sizeof paranoid, fp))
				strcpy(paranoid, "?");
			paranoid[strcspn(paranoid, "\n")] = '\0';
			fclose(fp);
		}
		fprintf(out, "tsafe: watch: perf_event_open refused hardware watchpoints (%s; "
		        "kernel.perf_event_paranoid is %s and must be at most 2, and no seccomp policy "
		        "or container may forbid it): data races were not watched, the rest of the run "
		        "is unaffected\n", strerror(w->denied_err), paranoid);
		return;
	}
	static const char *const why[] = {
		[RTW_NO_TARGETS] = "none of the objects lies in a module the program loaded",
		[RTW_DEBUGGER] = "a debugger is attached (it owns the debug registers)",
		[RTW_BAD_FILE] = "the runtime could not read the candidates file",
	};
	int s = w->status_off;
	const char *text = s > 0 && s < (int)(sizeof why / sizeof why[0]) && why[s]
	                 ? why[s] : "the runtime did not start watching (the program did not start, "
	                            "or set its own SIGTRAP action first)";
	fprintf(out, "tsafe: watch: nothing was watched: %s\n", text);
}

static void say_cand(const struct watch_cand *c, FILE *out)
{
	if (!c->f) {
		if (c->confirmed)
			fprintf(out, "tsafe: watch: data race on '%s' seen (%ld accesses by %d threads, "
			        "watched %.3f s)\n", c->label, c->hits, c->threads, c->watched_s);
		return;
	}
	const struct location *l = c->f->nlocs ? &c->f->locs[0] : NULL;
	fprintf(out, "tsafe: watch: %s (%s:%d): ", c->f->message, l && l->file ? l->file : "?",
	        l ? l->line : 0);
	if (c->why_not)
		fprintf(out, "not watched: %s\n", c->why_not);
	else if (c->confirmed)
		fprintf(out, "confirmed (%ld access%s by %d thread%s seen, watched %.3f s)\n", c->hits,
		        c->hits == 1 ? "" : "es", c->threads, c->threads == 1 ? "" : "s", c->watched_s);
	else {
		fprintf(out, "watched %.3f s, %ld access%s by %d thread%s seen: not seen racing",
		        c->watched_s, c->hits, c->hits == 1 ? "" : "es", c->threads,
		        c->threads == 1 ? "" : "s");
		if (c->elsewhere)
			fprintf(out, " (%ld other access%s to it, not at the finding's lines, not "
			        "counted)", c->elsewhere, c->elsewhere == 1 ? "" : "es");
		fputc('\n', out);
	}
}

void watch_plan_report(const struct watch_plan *w, FILE *out)
{
	if (!w->n)
		return;
	int confirmed = 0, watchable = 0;
	double watched = 0;
	long hits = 0;
	for (int i = 0; i < w->n; i++) {
		confirmed += w->c[i].confirmed;
		watchable += !w->c[i].why_not;
		watched += w->c[i].watched_s;
		hits += w->c[i].hits;
	}
	if (watchable && !w->processes_on)
		say_off(w, out);
	for (int i = 0; i < w->n; i++)
		if (w->c[i].why_not || w->processes_on)
			say_cand(&w->c[i], out);
	if (w->processes_on && w->globals)
		fprintf(out, "tsafe: watch: no race candidates from a scan: %d of the program's "
		        "variables watched in turn (%d word%s, each for %.3f s on average, %ld "
		        "access%s seen), %d race%s seen\n", w->n, w->nt, w->nt == 1 ? "" : "s",
		        w->n ? watched / w->n : 0.0, hits, hits == 1 ? "" : "es", confirmed,
		        confirmed == 1 ? "" : "s");
	else if (w->processes_on)
		fprintf(out, "tsafe: watch: %d candidate%s, %d watched (%d word%s), %d confirmed\n",
		        w->n, w->n == 1 ? "" : "s", watchable, w->nt, w->nt == 1 ? "" : "s", confirmed);
}
