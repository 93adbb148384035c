/* tokens.c — a state variable handed back and forth as a token (pigz's yarn locks: a mutex,
 * a condition and a value; `wait_for(lock, TO_BE, 0)` … `twist(lock, TO, 1)`).
 *
 * A thread that waited, in a condition-wait loop that re-tests a state variable, until the
 * variable satisfies a predicate (the loop's exit edge: extract/awaits.c's "t:" atom, its
 * operand a constant, directly or through the constant argument a caller passed) enters a
 * region, held like a lock in the lockset walk (a key of kind LK_SEM, so no rule about
 * locks sees it): it lasts, through returns and releases of the mutex, until the same
 * thread writes the variable again. Two regions of one variable whose predicates no value
 * satisfies at once exclude each other, as two critical sections of one lock do: while
 * one thread is in its region, the variable keeps a value only its predicate admits.
 *
 * That holds when (checked per variable once the walk is done, else the variable is no
 * token and excludes nothing): every write of the variable outside a region cannot run
 * alongside any region of it (setup before the threads, a reset after their joins); and
 * two regions whose predicates overlap never run at once (one thread, not several instances
 * of it, waits for overlapping values), else one of them could set a value that lets a
 * third thread in while the other is still inside. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct token {                 /* one region kind: a state variable and the values admitted */
	int state;             /* index in states */
	long long lo[2], hi[2];/* the predicate as up to two ranges of values */
	int n;
};

struct entry {                 /* a region entered in a context */
	int token, ctx;
	struct when when;
};

struct tokens {
	struct token *t;
	int nt, cap_t;
	struct keymap states;  /* state path -> index */
	char **state_path;
	signed char *valid;    /* per state: -1 not judged yet */
	int nstates, cap_states;
	struct entry *e;
	int ne, cap_e;
	struct keymap entry_seen;
};

static int parse_predicate(const char *op, long long k, struct token *t)
{
	t->n = 1;
	t->lo[0] = LLONG_MIN;
	t->hi[0] = LLONG_MAX;
	if (str_eq(op, "==")) {
		t->lo[0] = t->hi[0] = k;
	} else if (str_eq(op, "!=")) {
		t->hi[0] = k == LLONG_MIN ? k : k - 1;
		t->lo[1] = k == LLONG_MAX ? k : k + 1;
		t->hi[1] = LLONG_MAX;
		t->n = 2;
	} else if (str_eq(op, "<"))
		t->hi[0] = k == LLONG_MIN ? k : k - 1;
	else if (str_eq(op, "<="))
		t->hi[0] = k;
	else if (str_eq(op, ">"))
		t->lo[0] = k == LLONG_MAX ? k : k + 1;
	else if (str_eq(op, ">="))
		t->lo[0] = k;
	else
		return 0;
	return 1;
}

static int overlap(const struct token *x, const struct token *y)
{
	for (int i = 0; i < x->n; i++)
		for (int j = 0; j < y->n; j++)
			if (x->lo[i] <= y->hi[j] && y->lo[j] <= x->hi[i])
				return 1;
	return 0;
}

static struct tokens *tokens_of(struct analysis *a)
{
	if (!a->tokens)
		a->tokens = xcalloc(1, sizeof *a->tokens);
	return a->tokens;
}

static int state_intern(struct tokens *tk, const char *path)
{
	int id;
	if (keymap_get_str(&tk->states, path, &id))
		return id;
	grow_array((void **)&tk->state_path, &tk->cap_states, tk->nstates, sizeof *tk->state_path);
	tk->state_path[tk->nstates] = xstrdup(path);
	id = tk->nstates++;
	tk->valid = xrealloc(tk->valid, (size_t)tk->nstates);
	tk->valid[id] = -1;
	keymap_put_str(&tk->states, path, id);
	return id;
}

/* The lock key standing for the region "STATE OP K". */
static int token_key(struct analysis *a, const char *state, const char *op, long long k)
{
	struct token t;
	if (!parse_predicate(op, k, &t))
		return -1;
	char *cls = xasprintf("token:%s|%s%lld", state, op, k);
	int key = lock_key_intern(a, cls, cls, cls);
	free(cls);
	struct lock_key *lk = &a->lock_keys[key];
	if (!lk->token) {
		struct tokens *tk = tokens_of(a);
		t.state = state_intern(tk, state);
		grow_array((void **)&tk->t, &tk->cap_t, tk->nt, sizeof *tk->t);
		tk->t[tk->nt++] = t;
		lk = &a->lock_keys[key];
		lk->token = tk->nt;
		lk->kind = LK_SEM;             /* no owner: no lock rule, no lockset sees it */
		lk->tcls = xstrdup("token:");
	}
	return key;
}

/* The operand's value in this frame: a constant, or the constant a caller passed. */
static int operand_value(const struct activation *f, const char *s, long long *k)
{
	char *end;
	if (str_starts(s, "p:")) {
		long n = strtol(s + 2, &end, 10);
		if (end == s + 2 || n < 0 || n >= f->nargs || !f->args[n].path || f->args[n].path[0] != '#')
			return 0;
		s = f->args[n].path;
	}
	if (s[0] != '#')
		return 0;
	*k = strtoll(s + 1, &end, 10);
	return end != s + 1 && !*end;
}

static void note_entry(struct analysis *a, struct tokens *tk, int token, const struct activation *f,
                       const struct event *ev)
{
	struct when w;
	frame_when(a, f, ev, &w);
	struct keybuf kb = {0};
	kb_int(&kb, token);
	kb_int(&kb, f->ctx->id);
	for (int i = 0; i < w.n; i++)
		kb_int(&kb, when_lv(&w, i)->pos);
	struct hkey h = kb_hash(&kb);
	kb_free(&kb);
	if (keymap_get(&tk->entry_seen, h, NULL))
		return;
	keymap_put(&tk->entry_seen, h, 1);
	grow_array((void **)&tk->e, &tk->cap_e, tk->ne, sizeof *tk->e);
	tk->e[tk->ne++] = (struct entry){.token = token, .ctx = f->ctx->id, .when = w};
}

int tokens_on_assume(struct analysis *a, const struct activation *f, const struct event *ev,
                     struct lstate *s)
{
	if (!ev->path || !str_starts(ev->path, "t:"))
		return 0;
	if (!(ev->flags & EVF_TRUE) || (ev->flags & EVF_KILL) || f->ctx->kind == CTX_ISOLATED)
		return 1;
	/* "t:OP:OPERAND:STATE", OPERAND "#K" or "p:N" */
	const char *op = ev->path + 2, *c1 = strchr(op, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 - op > 2)
		return 1;
	const char *c3 = str_starts(c1 + 1, "p:") ? strchr(c2 + 1, ':') : c2;
	if (!c3)
		return 1;
	char opbuf[3] = {0}, *operand = xasprintf("%.*s", (int)(c3 - c1 - 1), c1 + 1);
	memcpy(opbuf, op, (size_t)(c1 - op));
	long long k = 0;
	int known = operand_value(f, operand, &k);
	free(operand);
	char *state = known ? frame_path(f, c3 + 1) : NULL;
	int key = state && state[0] != '?' ? token_key(a, state, opbuf, k) : -1;
	free(state);
	if (key < 0)
		return 1;
	struct held *h = ls_set(s, key, LS_HELD);
	h->acq = ev;
	h->acq_fn = f->fn;
	note_entry(a, a->tokens, a->lock_keys[key].token - 1, f, ev);
	return 1;
}

static int holds_token(const struct analysis *a, const struct held *h)
{
	return a->lock_keys[h->key].token && (h->mask & LS_HELD);
}

void tokens_on_write(struct analysis *a, const struct activation *f, const struct event *ev,
                     struct lstate *s)
{
	if (!a->tokens || !(ev->flags & EVF_WRITE) || !ev->path)
		return;
	int any = 0;
	for (int i = 0; i < s->n && !any; i++)
		any = holds_token(a, &s->e[i]);
	if (!any)
		return;
	char *path = frame_path(f, ev->path);
	int state;
	if (path && keymap_get_str(&a->tokens->states, path, &state))
		for (int i = 0; i < s->n; i++)
			if (holds_token(a, &s->e[i]) &&
			    a->tokens->t[a->lock_keys[s->e[i].key].token - 1].state == state)
				s->e[i].mask = LS_RELEASED;    /* the region ends where its owner writes */
	free(path);
}

int tokens_held(const struct analysis *a, const struct lstate *s, int **out)
{
	int n = 0;
	*out = NULL;
	if (!a->tokens)
		return 0;
	for (int i = 0; i < s->n; i++)
		if (a->lock_keys[s->e[i].key].token && s->e[i].mask == LS_HELD) {
			*out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
			(*out)[n++] = a->lock_keys[s->e[i].key].token - 1;
		}
	return n;
}

static int holds_state(const struct tokens *tk, const struct access_rec *r, int state)
{
	for (int i = 0; i < r->ntokens; i++)
		if (tk->t[r->tokens[i]].state == state)
			return 1;
	return 0;
}

/* Regions whose predicates overlap never run at once, and no write outside a region runs
 * alongside one. */
static int judge_state(const struct analysis *a, int state)
{
	const struct tokens *tk = a->tokens;
	for (int i = 0; i < tk->ne; i++) {
		const struct entry *x = &tk->e[i];
		if (tk->t[x->token].state != state)
			continue;
		for (int j = i; j < tk->ne; j++) {
			const struct entry *y = &tk->e[j];
			if (tk->t[y->token].state == state && overlap(&tk->t[x->token], &tk->t[y->token]) &&
			    contexts_concurrent(a, x->ctx, &x->when, y->ctx, &y->when))
				return 0;
		}
	}
	const char *path = tk->state_path[state];
	for (int i = 0; i < a->nacc; i++) {
		const struct access_rec *w = &a->acc[i];
		if (!w->write || w->freeing || !str_eq(w->object, path) || holds_state(tk, w, state))
			continue;
		for (int j = 0; j < tk->ne; j++)
			if (tk->t[tk->e[j].token].state == state &&
			    contexts_concurrent(a, w->ctx, &w->when, tk->e[j].ctx, &tk->e[j].when))
				return 0;
	}
	return 1;
}

static int state_valid(const struct analysis *a, int state)
{
	struct tokens *tk = a->tokens;
	if (tk->valid[state] < 0)
		tk->valid[state] = (signed char)judge_state(a, state);
	return tk->valid[state];
}

int tokens_exclude(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	const struct tokens *tk = a->tokens;
	for (int i = 0; i < x->ntokens; i++)
		for (int j = 0; j < y->ntokens; j++) {
			const struct token *tx = &tk->t[x->tokens[i]], *ty = &tk->t[y->tokens[j]];
			if (tx->state == ty->state && !overlap(tx, ty) && state_valid(a, tx->state))
				return 1;
		}
	return 0;
}

void tokens_free(struct analysis *a)
{
	struct tokens *tk = a->tokens;
	if (!tk)
		return;
	for (int i = 0; i < tk->nstates; i++)
		free(tk->state_path[i]);
	free(tk->state_path);
	free(tk->valid);
	free(tk->t);
	free(tk->e);
	keymap_free(&tk->states);
	keymap_free(&tk->entry_seen);
	free(tk);
	a->tokens = NULL;
}
