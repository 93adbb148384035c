/* internal.h — what the format writers of src/report share: their entry points and the small
 * helpers that turn a finding's comma-separated fields into lists. */
#ifndef TSAFE_REPORT_INTERNAL_H
#define TSAFE_REPORT_INTERNAL_H

#include <cjson/cJSON.h>

#include "report.h"

int report_text(FILE *out, const struct finding_list *l, const struct report_opts *o);
int report_json(FILE *out, const struct finding_list *l, const struct report_opts *o);
int report_sarif(FILE *out, const struct finding_list *l, const struct report_opts *o);
int report_html(FILE *out, const struct finding_list *l, const struct report_opts *o);

/* Writes text (NULL: nothing) escaped for element content, or for a double-quoted attribute
 * value when attr: any bytes give well-formed XML 1.0 and HTML. */
void put_markup(FILE *out, const char *text, int attr);

/* A copy of text whose every byte that is not part of valid UTF-8 is U+FFFD (new string):
 * JSON and SARIF must be UTF-8 whatever the sources and paths hold. */
char *utf8_repaired(const char *text);

/* "a, b,c" -> ["a", "b", "c"] (items trimmed, empty ones dropped). */
cJSON *split_to_json(const char *list);
/* Every engine that saw the finding: f->engines when loaded from the store, else f->engine. */
cJSON *engines_to_json(const struct finding *f);
/* "seen by static, helgrind; confirmed" when more than one engine saw f (new string), else
 * NULL: a merged finding's message says which engines saw it. */
char *seen_by_phrase(const struct finding *f);
/* A string member, or null when s is NULL. */
void add_str_or_null(cJSON *obj, const char *key, const char *s);
/* The watch engine's "watched, not seen racing" (watch_note.c): a sentence (new string)
 * or an object, NULL when the finding has none. */
char *report_watch_note(const struct finding *f);
cJSON *report_watch_json(const struct finding *f);
/* Prints the tree to out (pretty when pretty) and frees it; -1 on write error. */
int write_json(FILE *out, cJSON *root, int pretty);

#endif
