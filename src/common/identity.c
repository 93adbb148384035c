/* identity.c — matching one bug's findings across engines by rule family (identity.h). */
#include "identity.h"
#include "findkit.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct ident {
	const char *family;
	char *anchor;                /* thread entry/function, or "file:line" of the call */
	char *classes;               /* lock classes, sorted, ", " between; NULL: unknown */
	const struct finding *f;     /* the finding itself: its stacks */
};

const char *rule_family(const char *rule)
{
	static const char *const by_call[] = {"double-lock", "destroy-locked", "cond-wait-unheld",
	                                      "destroy-in-use", "thread-leak", "lock-leak",
	                                      "fork-with-threads", NULL};
	if (str_eq(rule, "unlock-not-held") || str_eq(rule, "unlock-not-owner"))
		return "unlock";
	if (str_eq(rule, "lock-order-inversion") || str_eq(rule, "deadlock"))
		return "order";
	for (int i = 0; rule && by_call[i]; i++)
		if (!strcmp(rule, by_call[i]))
			return by_call[i];
	return NULL;
}

int rule_precision(const char *rule)
{
	return str_eq(rule, "unlock-not-owner") || str_eq(rule, "deadlock");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One class in a spelling every engine shares: a member of a struct or union without a
 * tag is "(anonymous)" in the runtime's DWARF names and "struct (unnamed at f.c:18:8)" in
 * clang's, which the static facts give the Valgrind engines (new string). */
static char *shared_spelling(const char *cls, size_t len)
{
	static const char *const unnamed[] = {"struct (unnamed at ", "union (unnamed at ", NULL};
	char *c = xstrndup(cls, len);
	char *field = str_starts(c, "field:") ? c + 6 : NULL;
	for (int i = 0; field && unnamed[i]; i++) {
		char *close = str_starts(field, unnamed[i]) ? strchr(field, ')') : NULL;
		if (close) {
			char *out = xasprintf("field:(anonymous)%s", close + 1);
			free(c);
			return out;
		}
	}
	return c;
}

/* The symbol's lock classes as a sorted set; NULL when it names none the other engines
 * could share (empty, unknown, or a runtime class known only by its site). */
static char *class_set(const char *symbol)
{
	char **parts = NULL;
	int n = 0;
	for (const char *p = symbol ? symbol : ""; *p;) {
		const char *end = strstr(p, " -> ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		parts = append_zeroed(parts, &n, sizeof *parts);
		parts[n - 1] = shared_spelling(p, len);
		p += len + (end ? 4 : 0);
	}
	struct strbuf sb;
	sb_init(&sb);
	int shared = n > 0;
	if (n)
		qsort(parts, (size_t)n, sizeof *parts, cmp_str);
	for (int i = 0; i < n; i++) {
		shared = shared && *parts[i] && strcmp(parts[i], "?") && !str_starts(parts[i], "site:");
		if (!i || strcmp(parts[i], parts[i - 1]))
			sb_addf(&sb, "%s%s", sb.len ? ", " : "", parts[i]);
		free(parts[i]);
	}
	free(parts);
	if (!shared) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* The name in "thread 'worker' created at …" or "thread #3 'worker' created at …". */
static char *thread_entry(const char *desc)
{
	const char *q = desc && str_starts(desc, "thread ") ? strchr(desc, '\'') : NULL;
	const char *e = q ? strchr(q + 1, '\'') : NULL;
	return e && e > q + 1 ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
}

/* Where a lock leaks: the thread's entry, or the function that returns holding it (a
 * dynamic engine's location is not where the static pass puts the return). */
static char *leak_anchor(const struct finding *f)
{
	const struct location *l = f->nlocs ? &f->locs[0] : NULL;
	if (!l)
		return NULL;
	char *entry = thread_entry(l->thread);
	if (entry || (l->thread && str_starts(l->thread, "thread ")))
		return entry;
	int is_static = str_eq(f->engine, "static") || !f->engine;
	return is_static || str_eq(f->engine, "runtime") ? xstrdup(l->func) : NULL;
}

/* Is a location of f at file:line? */
static int has_site(const struct finding *f, const char *file, int line)
{
	for (int i = 0; i < f->nlocs; i++)
		if (f->locs[i].line == line && str_eq(f->locs[i].file, file))
			return 1;
	return 0;
}

/* Are a's first two locations (each edge's inner acquisition) locations of b? Two engines
 * may name one lock two ways (the static pass after the object a line names,
 * journal.lock; the runtime and Helgrind after its struct field, when the object has no
 * line of its own: a statically initialised mutex), but one cycle's acquisitions are at
 * the same lines whatever the names. */
static int sites_within(const struct finding *a, const struct finding *b)
{
	return a->nlocs >= 2 && a->locs[0].line > 0 && a->locs[1].line > 0 &&
	       (a->locs[0].line != a->locs[1].line || !str_eq(a->locs[0].file, a->locs[1].file)) &&
	       has_site(b, a->locs[0].file, a->locs[0].line) &&
	       has_site(b, a->locs[1].file, a->locs[1].line);
}

static void ident_of(const struct finding *f, struct ident *id)
{
	memset(id, 0, sizeof *id);
	id->f = f;
	id->family = rule_family(f->rule);
	if (!id->family || !f->nlocs)
		return;
	const struct location *l = &f->locs[0];
	if (!strcmp(id->family, "lock-leak"))
		id->anchor = leak_anchor(f);
	else if (strcmp(id->family, "order") && l->file && l->line > 0)
		id->anchor = xasprintf("%s:%d", l->file, l->line);
	/* a thread leak names no lock; a fork's static finding names the child's call */
	if (strcmp(id->family, "thread-leak") && strcmp(id->family, "fork-with-threads"))
		id->classes = class_set(f->symbol);
	if (!strcmp(id->family, "order") && str_eq(f->rule, "deadlock") && f->symbol &&
	    !strstr(f->symbol, " -> ")) {
		free(id->classes);           /* a stall is not a lock cycle */
		id->classes = NULL;
		id->family = NULL;
	}
}

static void ident_free(struct ident *id)
{
	free(id->anchor);
	free(id->classes);
}

/* Is fn a function of one of f's locations or their stacks? */
static int on_a_stack(const struct finding *f, const char *fn)
{
	for (int i = 0; i < f->nlocs; i++) {
		if (str_eq(f->locs[i].func, fn))
			return 1;
		for (int k = 0; k < f->locs[i].nstack; k++)
			if (str_eq(f->locs[i].stack[k].func, fn))
				return 1;
	}
	return 0;
}

/* Do two lock leaks' anchors name one place? The same entry or function; or the function the
 * static pass says returns holding the lock is on the stack where a dynamic engine saw the
 * thread take it (it ran in that thread: the runtime names the thread, the static pass the
 * helper that leaked it). */
static int same_anchor(const struct ident *a, const struct ident *b)
{
	if (!strcmp(a->anchor, b->anchor))
		return 1;
	return str_eq(a->family, "lock-leak") &&
	       (on_a_stack(b->f, a->anchor) || on_a_stack(a->f, b->anchor));
}

/* How many known parts agree (0: not the same bug). */
static int agree(const struct ident *a, const struct ident *b)
{
	if (!a->family || !str_eq(a->family, b->family))
		return 0;
	int score = 0;
	if (a->anchor && b->anchor) {
		if (!same_anchor(a, b))
			return 0;
		score++;
	}
	if (a->classes && b->classes) {
		if (strcmp(a->classes, b->classes) &&
		    !(!strcmp(a->family, "order") &&
		      (sites_within(a->f, b->f) || sites_within(b->f, a->f))))
			return 0;
		score++;
	}
	return score;
}

/* Do the two findings have a location in a common file? (One program's bug is in its own
 * files: a class such as "field:struct account.lock" alone does not join two programs.) */
static int share_a_file(const struct finding *a, const struct finding *b)
{
	for (int i = 0; i < a->nlocs; i++)
		for (int j = 0; j < b->nlocs; j++)
			if (a->locs[i].file && str_eq(a->locs[i].file, b->locs[j].file))
				return 1;
	return 0;
}

static int seen_statically(const struct finding *k)
{
	return str_eq(k->engine, "static") || (k->engines && strstr(k->engines, "static"));
}

/* f takes k's rule, severity and message when k's rule is the more precise of the two. */
static void take_precise_rule(struct finding *f, const struct finding *k)
{
	if (rule_precision(k->rule) <= rule_precision(f->rule))
		return;
	free(f->rule);
	free(f->severity);
	free(f->message);
	f->rule = xstrdup(k->rule);
	f->severity = xstrdup(k->severity);
	f->message = xstrdup(k->message);
}

/* Takes the identity of k; when k's rule is the more precise, its rule and message too. */
static void adopt(struct finding *f, const struct finding *k)
{
	free(f->fingerprint);
	f->fingerprint = xstrdup(k->fingerprint);
	take_precise_rule(f, k);
}

/* An earlier finding of the same list gives way to a more precise later one; one cycle
 * reported twice (Helgrind reports each order it sees reversed) is likely benign when either
 * report is (a trylock in either order means the cycle cannot wait), so the report says one
 * thing about it. */
static void upgrade(struct finding *earlier, const struct finding *f)
{
	if (str_eq(rule_family(f->rule), "order") && f->benign && !earlier->benign) {
		earlier->suppressed = earlier->benign = 1;
		free(earlier->suppress_reason);
		earlier->suppress_reason = xstrdup(f->suppress_reason);
	}
	take_precise_rule(earlier, f);
}

int identity_merge(struct finding_list *l, const struct finding_list *known)
{
	struct ident *ids = xcalloc((size_t)l->n + 1, sizeof *ids);
	int merged = 0;
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		ident_of(f, &ids[i]);
		if (!ids[i].family)
			continue;
		const struct finding *best = NULL;
		int best_rank = 0;
		for (int k = 0; known && k < known->n; k++) {
			struct ident kid;
			ident_of(&known->items[k], &kid);
			int score = share_a_file(f, &known->items[k]) ? agree(&ids[i], &kid) : 0;
			int rank = score ? score * 2 + seen_statically(&known->items[k]) : 0;
			if (rank > best_rank) {
				best_rank = rank;
				best = &known->items[k];
			}
			ident_free(&kid);
		}
		if (best) {
			if (!str_eq(best->fingerprint, f->fingerprint))
				merged++;
			adopt(f, best);
			continue;
		}
		for (int j = 0; j < i; j++)
			if (agree(&ids[i], &ids[j]) && share_a_file(f, &l->items[j]) && !str_eq(l->items[j].fingerprint, f->fingerprint)) {
				upgrade(&l->items[j], f);
				free(f->fingerprint);
				f->fingerprint = xstrdup(l->items[j].fingerprint);
				merged++;
				break;
			}
	}
	for (int i = 0; i < l->n; i++)
		ident_free(&ids[i]);
	free(ids);
	finding_list_unique(l, 0);
	return merged;
}
