/* report_text.c — the human format, shaped like compiler diagnostics so that editors and
 * terminals make the locations clickable: one block per finding, then a summary line.
 * Suppressed findings are left out here (JSON and SARIF keep them, marked). */
#include "internal.h"

#include <stdlib.h>

#include "common/util.h"

/* clang's palette: bold locations and messages, the severity word in its own colour. */
#define C_BOLD    "\033[1m"
#define C_RED     "\033[1;31m"
#define C_MAGENTA "\033[1;35m"
#define C_CYAN    "\033[1;36m"
#define C_GREEN   "\033[1;32m"
#define C_RESET   "\033[0m"

struct text_ctx {
	FILE *out;
	int color;
};

static const char *paint(const struct text_ctx *t, const char *code)
{
	return t->color ? code : "";
}

static const char *severity_color(const char *sev)
{
	if (str_eq(sev, "error"))
		return C_RED;
	if (str_eq(sev, "warning"))
		return C_MAGENTA;
	return C_CYAN;
}

/* "file:line:col: " (parts that are unknown are left out, as compilers do). */
static void print_where(const struct text_ctx *t, const struct location *loc)
{
	fputs(paint(t, C_BOLD), t->out);
	fputs(loc && loc->file ? loc->file : "<unknown>", t->out);
	if (loc && loc->line > 0)
		fprintf(t->out, ":%d", loc->line);
	if (loc && loc->line > 0 && loc->col > 0)
		fprintf(t->out, ":%d", loc->col);
	fprintf(t->out, ":%s ", paint(t, C_RESET));
}

static void print_diag(const struct text_ctx *t, const struct location *loc, const char *sev,
                       const char *msg, const char *rule)
{
	print_where(t, loc);
	fprintf(t->out, "%s%s:%s %s%s%s", paint(t, severity_color(sev)), sev, paint(t, C_RESET),
	        paint(t, C_BOLD), msg ? msg : "", paint(t, C_RESET));
	if (rule)
		fprintf(t->out, " [%s%s%s]", paint(t, C_MAGENTA), rule, paint(t, C_RESET));
	fputc('\n', t->out);
}

static void print_frame(const struct text_ctx *t, int i, const struct frame *fr)
{
	fprintf(t->out, "    #%d %s", i, fr->func ? fr->func : "??");
	if (fr->file && fr->line > 0)
		fprintf(t->out, " %s:%d", fr->file, fr->line);
	else if (fr->file)
		fprintf(t->out, " %s", fr->file);
	fputc('\n', t->out);
}

/* A comma-separated list ("static,helgrind") as "static, helgrind". */
static void print_list(const struct text_ctx *t, const char *list)
{
	cJSON *items = split_to_json(list);
	const cJSON *it;
	int first = 1;
	cJSON_ArrayForEach(it, items) {
		fprintf(t->out, "%s%s", first ? "" : ", ", it->valuestring);
		first = 0;
	}
	cJSON_Delete(items);
}

/* The evidence of one location: its thread, the locks held and the stack (TSan-like). */
static void print_context(const struct text_ctx *t, const struct location *loc)
{
	if (loc->thread)
		fprintf(t->out, "  in %s\n", loc->thread);
	if (loc->locks) {
		fputs("  locks held: ", t->out);
		if (loc->locks[0])
			print_list(t, loc->locks);
		else
			fputs("none", t->out);
		fputc('\n', t->out);
	}
	for (int i = 0; i < loc->nstack; i++)
		print_frame(t, i, &loc->stack[i]);
}

static void print_finding(const struct text_ctx *t, const struct finding *f)
{
	const struct location *first = f->nlocs ? &f->locs[0] : NULL;
	const char *sev = f->severity ? f->severity : "warning";
	print_diag(t, first, sev, f->message, f->rule);
	for (int i = 0; i < f->nlocs; i++) {
		const struct location *loc = &f->locs[i];
		/* The first location's own words only when they add to the headline. */
		if (i == 0 && loc->message && !str_eq(loc->message, f->message))
			fprintf(t->out, "  %s\n", loc->message);
		else if (i > 0)
			print_diag(t, loc, "note", loc->message, NULL);
		print_context(t, loc);
	}
	if (f->engines) {
		fputs("  seen by: ", t->out);
		print_list(t, f->engines);
		fprintf(t->out, "%s\n", f->confirmed ? " (confirmed)" : "");
	}
	char *note = report_watch_note(f);
	if (note)
		fprintf(t->out, "  %s\n", note);
	free(note);
	fputc('\n', t->out);
}

/* A dynamic engine's likely false alarm: one line with the reason, so it stays visible. */
static void print_benign(const struct text_ctx *t, const struct finding *f)
{
	const struct location *loc = f->nlocs ? &f->locs[0] : NULL;
	if (loc && loc->file)
		fprintf(t->out, "%s:%d: ", loc->file, loc->line);
	fprintf(t->out, "note: %s [%s] %s\n\n", f->message ? f->message : "", f->rule,
	        f->suppress_reason ? f->suppress_reason : "likely benign");
}

static void print_summary(const struct text_ctx *t, int errors, int warnings, int others,
                          int suppressed)
{
	int n = errors + warnings + others;
	if (n == 0)
		fputs("no findings", t->out);
	else
		fprintf(t->out, "%d finding%s (%d error%s, %d warning%s)", n, n == 1 ? "" : "s",
		        errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	if (suppressed)
		fprintf(t->out, ", %d suppressed", suppressed);
	fputc('\n', t->out);
}

int report_text(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	struct text_ctx t = {.out = out, .color = o->color};
	int errors = 0, warnings = 0, others = 0, suppressed = 0;
	for (int i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		if (f->suppressed) {
			suppressed++;
			if (f->benign)
				print_benign(&t, f);
			continue;
		}
		print_finding(&t, f);
		if (str_eq(f->severity, "error"))
			errors++;
		else if (str_eq(f->severity, "warning"))
			warnings++;
		else
			others++;
	}
	print_summary(&t, errors, warnings, others, suppressed);
	return ferror(out) ? -1 : 0;
}
