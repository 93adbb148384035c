/* findkit.h — the finding kit every engine builds its findings with (static pass, runtime,
 * Helgrind/DRD, watchpoints): a new finding with the catalogue's severity, paths and symbols
 * relative to the project root, and one finding per fingerprint.
 *
 *   struct finding *f = finding_new(out, "runtime", "lock-leak", msg, symbol);
 *   struct location *loc = finding_add_loc(f);        (finding.h)
 *   loc->file = root_relative(root, "/abs/src/a.c");  -> "src/a.c"
 *   ...
 *   finding_list_finish(out, first_new, root);        fingerprints, drops repeats
 */
#ifndef TSAFE_FINDKIT_H
#define TSAFE_FINDKIT_H

#include "finding.h"

/* Appends a finding of `engine` for `rule`, its severity from the rule catalogue
 * (rules_load() first; "warning" for a rule it does not list, such as "helgrind:Misc").
 * message and symbol are copied. */
struct finding *finding_new(struct finding_list *l, const char *engine, const char *rule,
                            const char *message, const char *symbol);

/* path relative to root when it lies under root ("ROOT/src/a.c" -> "src/a.c"), else a copy;
 * NULL for NULL. root may end in slashes or be NULL (no root: a copy). New string. */
char *root_relative(const char *root, const char *path);

/* text with every "ROOT/" inside it removed: lock classes and symbols that embed paths
 * ("static:/w/p/a.c:m" -> "static:a.c:m"). New string. */
char *root_relative_text(const char *root, const char *text);

/* Fingerprints l->items[from…] (finding_fingerprint) and drops each of them whose fingerprint
 * an earlier item of the list has, keeping the first in order. */
void finding_list_finish(struct finding_list *l, int from, const char *root);

/* Drops every item of l->items[from…] whose fingerprint an earlier item has (fingerprints
 * already set), keeping order. */
void finding_list_unique(struct finding_list *l, int from);

/* Do two race symbols name different members of one parent object ("s:a.c:table[].used"
 * and "s:a.c:table[].backend": the parent is what comes before the last '.' after the last
 * ':')? */
int symbols_sibling_members(const char *x, const char *y);

#endif
