/* suppress.h — inline ("tsafe: ignore" comments) and configured suppressions. */
#ifndef TSAFE_SUPPRESS_H
#define TSAFE_SUPPRESS_H

#include "common/config.h"
#include "common/finding.h"

/* Checks that every inline suppression comment of a source file names known rules. -1 and *err
 * ("file:line: unknown rule 'x' …") otherwise. */
int suppress_check_file(const char *path, char **err);
/* Marks the findings suppressed by an inline comment (on any of their lines or the line
 * before) or by the project config, with the reason. */
void suppress_apply(struct finding_list *l, const char *root, const struct project_config *c);

#endif
