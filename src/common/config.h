/* config.h — a scanned project's own settings, from .tsafe.json at its root:
 *
 *   {
 *     "lock_wrappers": [{"function": "spin_acquire", "op": "acquire", "kind": "mutex",
 *                        "arg": 0, "mode": "excl"}],
 *     "suppress": [{"rule": "data-race", "file": "legacy*", "symbol": "stats_*",
 *                   "reason": "statistics, approximate by design"}],
 *     "exclude": ["third_party*"]
 *   }
 *
 * Globs match the relative path and the finding's symbol as fnmatch(3) does, '*' crossing
 * directories. Lock wrappers join the lock API catalogue (rules/locks.tsv); suppressions mark matching
 * findings suppressed (kept, not counted); excluded files are not analysed.
 */
#ifndef TSAFE_CONFIG_H
#define TSAFE_CONFIG_H

struct suppress_rule {
	char *rule;          /* rule id, or "*" */
	char *file;          /* glob on the finding's relative path, or NULL */
	char *symbol;        /* glob on the finding's symbol, or NULL */
	char *reason;
};

struct project_config {
	char *path;          /* the file read, or NULL when there is none */
	struct suppress_rule *suppress;
	int nsuppress;
	char **exclude;
	int nexclude;
};

/* Reads root/.tsafe.json if present (absent: an empty config, returns 0). Registers its lock
 * wrappers with lockapi_add(). rules_load() must have succeeded. On a malformed file or an
 * unknown rule id returns -1 with *err = "path: problem (fix)". */
int config_load(const char *root, struct project_config *c, char **err);
int config_excluded(const struct project_config *c, const char *relpath);
void config_free(struct project_config *c);

#endif
