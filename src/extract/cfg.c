/* cfg.c — statements to basic blocks: if/else, loops, switch with fallthrough, break,
 * continue, return, goto/labels; and the events' pos/loop bookkeeping.
 *
 * Events are emitted in source order (a for loop's increment before its body), so pos
 * follows the source; the edges carry the execution order. A trylock that decides a branch
 * gets its EV_LOCK in a block of its own on the success edge. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int new_block(struct xfn *f)
{
	fn_add_block(f->fn);
	return f->fn->nblocks - 1;
}

void edge(struct xfn *f, int from, int to)
{
	if (from >= 0 && to >= 0)
		block_add_succ(&f->fn->blocks[from], to);
}

static int ensure_cur(struct xfn *f)
{
	if (f->cur < 0)
		f->cur = new_block(f);   /* unreachable code still gets its events recorded */
	return f->cur;
}

struct event *emit_at(struct xfn *f, enum ev_kind kind, int line, int col)
{
	int b = ensure_cur(f);   /* first: it may add a block, moving f->fn->blocks */
	struct event *ev = block_add_event(&f->fn->blocks[b]);
	ev->kind = kind;
	ev->line = line;
	ev->col = col;
	ev->pos = f->pos++;
	if (f->nloops)
		ev->flags |= EVF_IN_LOOP;
	return ev;
}

struct event *emit(struct xfn *f, enum ev_kind kind, CXCursor at)
{
	int line, col;
	cursor_pos(at, &line, &col);
	return emit_at(f, kind, line, col);
}

void end_path(struct xfn *f, int to_exit)
{
	if (to_exit)
		edge(f, f->cur, 1);
	f->cur = -1;
}

static int has_preds(struct xfn *f, int b)
{
	for (int i = 0; i < f->fn->nblocks; i++)
		for (int j = 0; j < f->fn->blocks[i].nsuccs; j++)
			if (f->fn->blocks[i].succs[j] == b)
				return 1;
	return 0;
}

/* After a construct: continue at `join`, or nowhere if nothing reaches it. */
static void continue_at(struct xfn *f, int join)
{
	f->cur = has_preds(f, join) ? join : -1;
}

/* ---- loops ---- */

static void loop_enter(struct xfn *f, CXCursor cond, CXCursor body)
{
	if (f->nloops == 0)
		f->outer_lo = f->pos;
	grow_array((void **)&f->loops, &f->loops_cap, f->nloops, sizeof *f->loops);
	grow_array((void **)&f->loop_parts, &f->loop_parts_cap, f->nloops, sizeof *f->loop_parts);
	f->loop_parts[f->nloops] = (struct loop_parts){cond, body, clang_getNullCursor()};
	f->loops[f->nloops++] = ++f->loop_serial;
}

static void loop_leave(struct xfn *f)
{
	if (--f->nloops > 0 || f->pos <= f->outer_lo)
		return;
	grow_array((void **)&f->ranges, &f->ranges_cap, f->nranges, sizeof *f->ranges);
	f->ranges[f->nranges][0] = f->outer_lo;
	f->ranges[f->nranges++][1] = f->pos - 1;
}

static void push_jump(struct xfn *f, int brk, int cont)
{
	grow_array((void **)&f->jumps, &f->jumps_cap, f->njumps, sizeof *f->jumps);
	f->jumps[f->njumps++] = (struct jump){brk, cont};
}

/* ---- conditions ---- */

struct cond {
	CXCursor try_call;   /* trylock deciding the branch, or null */
	int success_on_true;
	int always, never;   /* constant true / false */
	char *atom;          /* the condition atom it tests (atoms.c), or NULL */
	int nonzero_true;    /* the condition holds when the atom is nonzero */
	int line, col;
};

/* Walks a controlling expression; its trylock (if any) is left to the branches. */
static void walk_cond(struct xfn *f, CXCursor e, struct cond *c)
{
	memset(c, 0, sizeof *c);
	c->try_call = clang_getNullCursor();
	long long v;
	if (is_null_cursor(e)) {
		c->always = 1;
		return;
	}
	if (is_int_literal(e, &v)) {
		c->always = v != 0;
		c->never = v == 0;
	}
	CXCursor call;
	int on_true;
	CXCursor saved = f->cond_try;
	int trying = try_condition(e, &call, &on_true) || status_condition(f, e, &call, &on_true) ||
	             (f->spinning && spin_condition(f, e, &call, &on_true));
	if (trying) {
		c->try_call = call;
		c->success_on_true = on_true;
		f->cond_try = call;
	}
	struct cond_atom ca;
	cond_atom_begin(f, e, &ca);
	walk_expr(f, e, U_READ);
	c->atom = cond_atom_end(f, &ca);
	c->nonzero_true = ca.nonzero_true;
	int pnz;
	char *param = trying || c->atom ? NULL : paramconst_cond_atom(f, e, &pnz);
	if (param) {                /* a parameter against a constant: a caller's may decide it */
		c->atom = param;
		c->nonzero_true = pnz;
	}
	char *known = trying || c->atom ? NULL : compared_atom(f, e, &pnz);
	if (known) {                /* a static variable against a constant: a caller's store may */
		c->atom = known;
		c->nonzero_true = pnz;
	}
	if (trying) {               /* the trylock's own branch says it all */
		free(c->atom);
		c->atom = NULL;
	}
	cursor_pos(e, &c->line, &c->col);
	f->cond_try = saved;
	ensure_cur(f);
}

/* A loop's controlling expression: a test-and-set or compare-and-swap it spins on is a
 * lock taken where the loop is left (spin_flags.c). */
static void walk_loop_cond(struct xfn *f, CXCursor e, struct cond *c)
{
	int saved = f->spinning;
	f->spinning = 1;
	walk_cond(f, e, c);
	f->spinning = saved;
}

static void assume(struct xfn *f, const struct cond *c, int outcome)
{
	struct event *ev = emit_at(f, EV_ASSUME, c->line, c->col);
	ev->path = xstrdup(c->atom);
	if (outcome == c->nonzero_true)
		ev->flags |= EVF_TRUE;
}

/* Edge from `from` to `to` for one outcome; the success outcome of a trylock goes through a
 * block holding its EV_LOCK. */
static void branch(struct xfn *f, int from, int to, const struct cond *c, int outcome)
{
	if (from < 0 || to < 0 || (outcome ? c->never : c->always))
		return;
	int trying = !is_null_cursor(c->try_call) && outcome == c->success_on_true;
	if (!trying && !c->atom) {
		edge(f, from, to);
		return;
	}
	int b = new_block(f);
	edge(f, from, b);
	f->cur = b;
	if (trying)
		emit_try_success(f, c->try_call);
	if (c->atom)
		assume(f, c, outcome);
	edge(f, f->cur, to);
}

/* The operand a truth test really tests: parentheses, casts, !!x and __builtin_expect(x, c)
 * (OVS_UNLIKELY) removed; *negated flips for each ! in front of a && or ||. */
static CXCursor logical_core(struct xtu *x, CXCursor e, int *negated)
{
	(void)x;
	for (int depth = 0; depth < 16; depth++) {
		e = strip_expr(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		if (k == CXCursor_CallExpr && clang_Cursor_getNumArguments(e) == 2) {
			char *name = cursor_name(clang_getCursorReferenced(e));
			int expect = name && str_eq(name, "__builtin_expect");
			free(name);
			if (expect) {
				e = clang_Cursor_getArgument(e, 0);
				continue;
			}
		}
		if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
			int inner_neg = 0;
			CXCursor in = logical_core(x, cursor_child(e, 0), &inner_neg);
			enum CXBinaryOperatorKind op = clang_getCursorKind(in) == CXCursor_BinaryOperator
			                                   ? clang_getCursorBinaryOperatorKind(in) : 0;
			int inner_not = clang_getCursorKind(in) == CXCursor_UnaryOperator &&
			                clang_getCursorUnaryOperatorKind(in) == CXUnaryOperator_LNot;
			if (op == CXBinaryOperator_LAnd || op == CXBinaryOperator_LOr || inner_not || inner_neg) {
				*negated ^= 1 ^ inner_neg;
				e = in;
				continue;
			}
		}
		return e;
	}
	return e;
}

static int logical_op(CXCursor e)
{
	if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
		return 0;
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
	return op == CXBinaryOperator_LAnd || op == CXBinaryOperator_LOr ? op : 0;
}

/* Edges to t where e holds and to fl where it does not, from the current block. && and ||
 * are branches: their right operand runs only on one edge of the left's, so each operand
 * decides its own edge (a trylock, or the result of a call such as a helper that returns
 * holding a lock, in `!done && start(once)`). */
static void cond_branches(struct xfn *f, CXCursor e, int t, int fl)
{
	int neg = 0;
	CXCursor core = logical_core(f->x, e, &neg);
	if (neg) {
		int tmp = t;
		t = fl;
		fl = tmp;
	}
	int op = logical_op(core);
	if (op) {
		int mid = new_block(f);
		if (op == CXBinaryOperator_LAnd)
			cond_branches(f, cursor_child(core, 0), mid, fl);
		else
			cond_branches(f, cursor_child(core, 0), t, mid);
		f->cur = mid;
		cond_branches(f, cursor_child(core, 1), t, fl);
		return;
	}
	struct cond c;
	walk_cond(f, neg ? core : e, &c);
	int from = f->cur;
	branch(f, from, t, &c, 1);
	branch(f, from, fl, &c, 0);
	free(c.atom);
}

/* A condition-wait loop's condition without an atom of its own: its exit edge says what
 * value the state has there (awaits.c); the atom is zero (EVF_TRUE unset) inside. */
static void await_exit(struct xfn *f, struct cond *c, CXCursor cond, CXCursor body)
{
	if (c->atom || c->always || c->never || !is_null_cursor(c->try_call))
		return;
	c->atom = awaits_atom(f, cond, body);
	c->nonzero_true = 0;
}

/* ---- statements ---- */

static void walk_if(struct xfn *f, CXCursor *v, int n)
{
	int join = new_block(f);
	/* Both branch targets first, so a trylock's EV_LOCK comes before either branch. */
	int t = new_block(f), e = n > 2 ? new_block(f) : join;
	cond_branches(f, v[0], t, e);
	f->cur = t;
	if (n > 1)
		walk_stmt(f, v[1]);
	edge(f, f->cur, join);
	if (n > 2) {
		f->cur = e;
		walk_stmt(f, v[2]);
		edge(f, f->cur, join);
	}
	continue_at(f, join);
}

static void walk_while(struct xfn *f, CXCursor cond, CXCursor body)
{
	int h = new_block(f), x = new_block(f);
	edge(f, ensure_cur(f), h);
	loop_enter(f, cond, body);
	f->cur = h;
	struct cond c;
	walk_loop_cond(f, cond, &c);
	await_exit(f, &c, cond, body);
	int hend = f->cur, b = new_block(f);
	branch(f, hend, b, &c, 1);
	branch(f, hend, x, &c, 0);
	f->cur = b;
	push_jump(f, x, h);
	walk_stmt(f, body);
	edge(f, f->cur, h);
	f->njumps--;
	loop_leave(f);
	free(c.atom);
	continue_at(f, x);
}

static int semicolon_offsets(struct xfn *f, CXCursor s, CXCursor body, unsigned semi[2]);

static unsigned start_offset(CXCursor c)
{
	unsigned off = 0;
	clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(c)), NULL, NULL, NULL, &off);
	return off;
}

/* for (init; cond; inc) body — libclang omits the missing parts, so they are told apart by
 * where they start relative to the header's semicolons. */
static void for_parts(struct xfn *f, CXCursor s, CXCursor *v, int n, CXCursor part[4])
{
	for (int i = 0; i < 4; i++)
		part[i] = clang_getNullCursor();
	if (n == 0)
		return;
	part[3] = v[n - 1];
	unsigned semi[2];
	if (n == 4 || !semicolon_offsets(f, s, v[n - 1], semi)) {
		int first = 4 - n;   /* best guess: the trailing parts are present */
		for (int i = 0; i < n - 1; i++)
			part[first + i < 3 ? first + i : 2] = v[i];
		return;
	}
	for (int i = 0; i < n - 1; i++) {
		unsigned off = start_offset(v[i]);
		part[off < semi[0] ? 0 : off < semi[1] ? 1 : 2] = v[i];
	}
}

static int semicolon_offsets(struct xfn *f, CXCursor s, CXCursor body, unsigned semi[2])
{
	CXSourceRange r = clang_getCursorExtent(s);
	CXToken *toks = NULL;
	unsigned nt = 0, found = 0, limit = start_offset(body);
	int depth = 0;
	clang_tokenize(f->x->tu, r, &toks, &nt);
	for (unsigned i = 0; i < nt && found < 2; i++) {
		unsigned off;
		clang_getExpansionLocation(clang_getTokenLocation(f->x->tu, toks[i]), NULL, NULL, NULL, &off);
		if (off >= limit)
			break;
		CXString sp = clang_getTokenSpelling(f->x->tu, toks[i]);
		const char *t = clang_getCString(sp);
		if (str_eq(t, "("))
			depth++;
		else if (str_eq(t, ")"))
			depth--;
		else if (str_eq(t, ";") && depth == 1)
			semi[found++] = off;
		clang_disposeString(sp);
	}
	clang_disposeTokens(f->x->tu, toks, nt);
	return found == 2;
}

/* A for loop's body from block b, `continue` to inc, `break` and the end to x. */
static void for_body(struct xfn *f, CXCursor body, int b, int x, int inc)
{
	f->cur = b;
	push_jump(f, x, inc);
	if (!is_null_cursor(body))
		walk_stmt(f, body);
	edge(f, f->cur, inc);
	f->njumps--;
	loop_leave(f);
	continue_at(f, x);
}

/* ---- loops over a variable set only to constants: for (i = 0; i ? (unlock(m), 0) :
 * (lock(m), 1); i = 1), xz's mythread_sync ---- */

/* The local a for loop's init sets to a constant (*k0), that its increment sets to a
 * constant (*k1) and nothing else writes. */
static CXCursor constant_variable(struct xfn *f, CXCursor init, CXCursor inc, long long *k0,
                                  long long *k1)
{
	CXCursor none = clang_getNullCursor(), var = none, value = none;
	if (clang_getCursorKind(init) == CXCursor_DeclStmt) {
		CXCursor d = cursor_child(init, 0);
		if (clang_getCursorKind(d) == CXCursor_VarDecl) {
			var = d;
			value = clang_Cursor_getVarDeclInitializer(d);
		}
	} else if (clang_getCursorKind(init) == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(init) == CXBinaryOperator_Assign) {
		var = clang_getCursorReferenced(strip_expr(cursor_child(init, 0)));
		value = cursor_child(init, 1);
	}
	inc = strip_implicit(inc);
	if (is_null_cursor(var) || is_null_cursor(value) || !is_int_literal(value, k0) ||
	    clang_getCursorKind(inc) != CXCursor_BinaryOperator ||
	    clang_getCursorBinaryOperatorKind(inc) != CXBinaryOperator_Assign ||
	    !same_decl(clang_getCursorReferenced(strip_expr(cursor_child(inc, 0))), var) ||
	    !is_int_literal(cursor_child(inc, 1), k1))
		return none;
	struct local *l = local_find(f, var);
	return l && l->writes == 2 ? var : none;
}

static int names_var(CXCursor e, CXCursor var)
{
	e = strip_expr(e);
	return clang_getCursorKind(e) == CXCursor_DeclRefExpr && same_decl(clang_getCursorReferenced(e), var);
}

/* The constant an arm evaluates to ((unlock(m), 0) is 0), -1 when not a constant. */
static long long arm_value(CXCursor e)
{
	e = strip_expr(e);
	while (clang_getCursorKind(e) == CXCursor_BinaryOperator &&
	       clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Comma)
		e = strip_expr(cursor_child(e, 1));
	long long v;
	return is_int_literal(e, &v) ? v != 0 : -1;
}

/* The condition evaluated with var == k: only the arm it selects runs, and the loop goes
 * on (to body) or ends (to out) as that arm's value says; 0 when the shape is another. */
static int constant_test(struct xfn *f, CXCursor cond, CXCursor var, long long k, int body, int out)
{
	CXCursor e = strip_expr(cond);
	long long truth = -1;
	if (names_var(e, var)) {
		truth = k != 0;
	} else if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	           clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot &&
	           names_var(cursor_child(e, 0), var)) {
		truth = k == 0;
	} else if (clang_getCursorKind(e) == CXCursor_ConditionalOperator) {
		CXCursor *v;
		int n = cursor_children(e, &v);
		if (n == 3 && names_var(v[0], var)) {
			CXCursor arm = k ? v[1] : v[2];
			if (body >= 0) {   /* a dry run (body < 0) only says whether the shape fits */
				ensure_cur(f);
				f->cond_depth++;
				walk_expr(f, arm, U_READ);
				f->cond_depth--;
			}
			truth = arm_value(arm);
			if (truth < 0)
				truth = 2;   /* both ways */
		}
		free(v);
	}
	if (truth < 0 || body < 0)
		return truth >= 0;
	int from = ensure_cur(f);
	if (truth)
		edge(f, from, body);
	if (truth != 1)
		edge(f, from, out);
	f->cur = -1;
	return 1;
}

static int walk_for_constant(struct xfn *f, CXCursor part[4])
{
	long long k0, k1;
	CXCursor var = is_null_cursor(part[0]) || is_null_cursor(part[2]) ? clang_getNullCursor() :
	               constant_variable(f, part[0], part[2], &k0, &k1);
	if (is_null_cursor(var) || !constant_test(f, part[1], var, k0, -1, -1))
		return 0;
	walk_stmt(f, part[0]);
	int b = new_block(f), x = new_block(f), inc = new_block(f);
	loop_enter(f, part[1], part[3]);
	f->loop_parts[f->nloops - 1].step = part[2];
	constant_test(f, part[1], var, k0, b, x);        /* first: the init's value */
	f->cur = inc;
	walk_expr(f, part[2], U_READ);
	constant_test(f, part[1], var, k1, b, x);        /* again: the increment's */
	for_body(f, part[3], b, x, inc);
	return 1;
}

static void walk_for(struct xfn *f, CXCursor s, CXCursor *v, int n)
{
	CXCursor part[4];
	for_parts(f, s, v, n, part);
	if (walk_for_constant(f, part))
		return;
	if (!is_null_cursor(part[0]))
		walk_stmt(f, part[0]);
	bands_enter_for(f, part[0], part[1], part[2]);
	int h = new_block(f), x = new_block(f);
	edge(f, ensure_cur(f), h);
	loop_enter(f, part[1], part[3]);
	f->loop_parts[f->nloops - 1].step = part[2];
	f->cur = h;
	struct cond c;
	walk_loop_cond(f, part[1], &c);
	await_exit(f, &c, part[1], part[3]);
	int hend = f->cur, inc = new_block(f);
	f->cur = inc;
	if (!is_null_cursor(part[2]))
		walk_expr(f, part[2], U_READ);
	int incend = f->cur, b = new_block(f);
	branch(f, hend, b, &c, 1);
	branch(f, hend, x, &c, 0);
	edge(f, incend, h);
	free(c.atom);
	for_body(f, part[3], b, x, inc);
}

/* do body while (cond); — do { } while (0) is a block, not a loop. */
static void walk_do(struct xfn *f, CXCursor body, CXCursor cond)
{
	long long v = 1;
	int loop = !(is_int_literal(cond, &v) && v == 0);
	int b = new_block(f), x = new_block(f), c = new_block(f);
	edge(f, ensure_cur(f), b);
	if (loop)
		loop_enter(f, cond, body);
	f->cur = b;
	push_jump(f, x, c);
	walk_stmt(f, body);
	f->njumps--;
	edge(f, f->cur, c);
	f->cur = c;
	struct cond cc;
	if (loop)
		walk_loop_cond(f, cond, &cc);
	else
		walk_cond(f, cond, &cc);
	if (loop)
		await_exit(f, &cc, cond, body);
	int cend = f->cur;
	branch(f, cend, b, &cc, 1);
	branch(f, cend, x, &cc, 0);
	if (loop)
		loop_leave(f);
	free(cc.atom);
	continue_at(f, x);
}

static void walk_switch(struct xfn *f, CXCursor cond, CXCursor body)
{
	walk_expr(f, cond, U_READ);
	struct switch_ctx sw = {.dispatch = ensure_cur(f)}, *saved = f->sw;
	int x = new_block(f);
	cursor_pos(cond, &sw.line, &sw.col);
	paramconst_switch_begin(f, &sw, cond);
	int cont = f->njumps ? f->jumps[f->njumps - 1].cont : -1;
	push_jump(f, x, cont);
	f->sw = &sw;
	f->cur = -1;
	walk_stmt(f, body);
	edge(f, f->cur, x);
	if (!sw.has_default && sw.param < 0)
		edge(f, sw.dispatch, x);
	paramconst_switch_end(f, &sw, x);
	f->sw = saved;
	f->njumps--;
	continue_at(f, x);
}

/* case / default: a block entered from the switch and by falling through. */
static void walk_case(struct xfn *f, CXCursor c, CXCursor sub, int is_default)
{
	int b = new_block(f);
	edge(f, f->cur, b);
	if (f->sw) {
		edge(f, paramconst_case_entry(f, f->sw, c, is_default), b);
		f->sw->has_default |= is_default;
	}
	f->cur = b;
	walk_stmt(f, sub);
}

static struct label *label_of(struct xfn *f, CXCursor label)
{
	char *name = cursor_name(label);
	for (int i = 0; i < f->nlabels; i++)
		if (str_eq(f->labels[i].name, name)) {
			free(name);
			return &f->labels[i];
		}
	grow_array((void **)&f->labels, &f->labels_cap, f->nlabels, sizeof *f->labels);
	f->labels[f->nlabels] = (struct label){name, new_block(f), -1};
	return &f->labels[f->nlabels++];
}

/* goto back to a label already walked: the code from the label to here is a loop (a
 * wait re-tested by `goto again` is in one, as in a while). */
static void backward_goto(struct xfn *f, const struct label *l)
{
	if (l->pos < 0 || l->pos >= f->pos)
		return;
	for (int b = 0; b < f->fn->nblocks; b++)
		for (int e = 0; e < f->fn->blocks[b].nevents; e++) {
			struct event *ev = &f->fn->blocks[b].events[e];
			if (ev->pos >= l->pos)
				ev->flags |= EVF_IN_LOOP;
		}
	grow_array((void **)&f->ranges, &f->ranges_cap, f->nranges, sizeof *f->ranges);
	f->ranges[f->nranges][0] = l->pos;
	f->ranges[f->nranges++][1] = f->pos - 1;
}

static void walk_decl(struct xfn *f, CXCursor *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (clang_getCursorKind(v[i]) != CXCursor_VarDecl ||
		    clang_Cursor_getStorageClass(v[i]) == CX_SC_Static)
			continue;   /* a static's initialiser is a constant, run once */
		CXCursor init = clang_Cursor_getVarDeclInitializer(v[i]);
		if (is_null_cursor(init))
			continue;
		CXCursor saved;
		int saved_pos;
		watch_begin(f, init, &saved, &saved_pos);
		walk_expr(f, init, U_READ);
		note_call_result(f, v[i], f->watch_pos);
		watch_end(f, v[i], saved, saved_pos);
		int line, col;
		cursor_pos(v[i], &line, &col);
		atoms_note_counter_reset(f, v[i], line, col);
		set_alias(f, v[i], init);
		note_struct_copy(f, v[i], init);
		note_decl_store(f, v[i], init);
	}
}

/* A return of a known truth value in block b. */
static void return_in(struct xfn *f, CXCursor s, int b, unsigned value)
{
	f->cur = b;
	emit(f, EV_RETURN, s)->flags |= value;
	end_path(f, 1);
}

/* return a && b, return !done && start(once) (also under __builtin_expect): a truth value
 * decided by branches, so what each branch did (a lock taken by start) is tied to the value
 * returned, as for a helper that returns 0 or 1 from two places. */
static int truth_return(struct xfn *f, CXCursor e)
{
	if (is_null_cursor(e))
		return 0;
	int neg = 0;
	CXType t = clang_getCanonicalType(clang_getCursorType(e));
	return (t.kind == CXType_Bool || t.kind == CXType_Int) && logical_op(logical_core(f->x, e, &neg));
}

/* return e;  — return trylock(m) is a status: 0 with the lock taken, else without. */
static void walk_return(struct xfn *f, CXCursor s, CXCursor e)
{
	struct cond c = {0};
	int on_true;
	if (truth_return(f, e)) {   /* return a && f(x): one return per outcome */
		int t = new_block(f), fl = new_block(f);
		cond_branches(f, e, t, fl);
		return_in(f, s, t, EVF_RET_NONZERO);
		return_in(f, s, fl, EVF_RET_ZERO);
		return;
	}
	if (is_null_cursor(e) || !try_condition(e, &c.try_call, &on_true) || on_true ||
	    clang_getCursorKind(strip_expr(e)) == CXCursor_UnaryOperator) {
		if (!is_null_cursor(e))
			walk_expr(f, e, U_READ);
		struct event *ev = emit(f, EV_RETURN, s);
		if (!is_null_cursor(e)) {
			ev->flags |= return_value_flags(f, e);
			if (is_pointer_type(clang_getCursorType(e)))
				ev->path = value_path(f, e);
			else if (is_thread_handle_type(clang_getCursorType(e)))
				ev->path = path_of(f, e);   /* the handle object, returned by value */
		}
		end_path(f, 1);
		return;
	}
	CXCursor saved = f->cond_try;
	f->cond_try = c.try_call;
	walk_expr(f, e, U_READ);
	f->cond_try = saved;
	int from = ensure_cur(f), ok = new_block(f), busy = new_block(f);
	c.success_on_true = 0;       /* the "condition" is the status: 0 is success */
	branch(f, from, ok, &c, 0);
	branch(f, from, busy, &c, 1);
	return_in(f, s, ok, EVF_RET_ZERO);
	return_in(f, s, busy, EVF_RET_NONZERO);
}

static void jump_to(struct xfn *f, int target)
{
	edge(f, f->cur, target);
	f->cur = -1;
}

static int continue_target(struct xfn *f)
{
	return f->njumps ? f->jumps[f->njumps - 1].cont : -1;
}

void walk_stmt(struct xfn *f, CXCursor s)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	if (clang_isExpression(k)) {
		walk_expr(f, s, U_READ);
		return;
	}
	CXCursor *v;
	int n = cursor_children(s, &v);
	switch (k) {
	case CXCursor_IfStmt:
		if (n >= 1)
			walk_if(f, v, n);
		break;
	case CXCursor_WhileStmt:
		if (n == 2)
			walk_while(f, v[0], v[1]);
		break;
	case CXCursor_ForStmt:
		walk_for(f, s, v, n);
		break;
	case CXCursor_DoStmt:
		if (n == 2)
			walk_do(f, v[0], v[1]);
		break;
	case CXCursor_SwitchStmt:
		if (n == 2)
			walk_switch(f, v[0], v[1]);
		break;
	case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt:
		if (n >= 1)
			walk_case(f, s, v[n - 1], k == CXCursor_DefaultStmt);
		break;
	case CXCursor_BreakStmt:
		if (f->njumps)
			jump_to(f, f->jumps[f->njumps - 1].brk);
		break;
	case CXCursor_ContinueStmt:
		if (continue_target(f) >= 0)
			jump_to(f, continue_target(f));
		break;
	case CXCursor_ReturnStmt:
		walk_return(f, s, n >= 1 ? v[0] : clang_getNullCursor());
		break;
	case CXCursor_GotoStmt: {
		const struct label *l = label_of(f, clang_getCursorReferenced(s));
		backward_goto(f, l);
		jump_to(f, l->block);
		break;
	}
	case CXCursor_IndirectGotoStmt:
		if (n >= 1)
			walk_expr(f, v[0], U_READ);
		f->cur = -1;   /* computed goto: the targets are the address-taken labels */
		break;
	case CXCursor_LabelStmt: {
		struct label *l = label_of(f, s);
		int b = l->block;
		l->pos = f->pos;
		edge(f, f->cur, b);
		f->cur = b;
		if (n >= 1)
			walk_stmt(f, v[n - 1]);
		break;
	}
	case CXCursor_DeclStmt:
		walk_decl(f, v, n);
		break;
	case CXCursor_GCCAsmStmt:
	case CXCursor_MSAsmStmt:
	case CXCursor_NullStmt:
		break;
	default:   /* compound statements, attributed statements */
		for (int i = 0; i < n; i++) {
			if (i + 1 < n)
				status_lock_begin(f, v[i], v[i + 1]);
			walk_stmt(f, v[i]);
			if (!is_null_cursor(f->status_call)) {   /* the if that tests the status */
				walk_stmt(f, v[++i]);
				status_lock_end(f);
			}
		}
		break;
	}
	free(v);
}
