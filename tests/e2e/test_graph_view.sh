#!/usr/bin/env bash
# A lock-order graph people can read: by default `tsafe graph` (and the HTML report) shows
# the reported cycles and the locks one edge from them, scaled to a page, chosen by
# --rule/--severity/--since like the findings; --all (one click in HTML) the whole graph.
. "$(dirname "$0")/lib.sh"
P="$WORK/proj"
mkdir -p "$P"
# Twelve locks nested in one consistent chain (no cycle, far from it), plus an inversion
# between 'a' and 'b', with 'near' taken under 'a' (one edge from the cycle).
{
	echo '#include <pthread.h>'
	for i in $(seq 0 11); do echo "static pthread_mutex_t chain$i = PTHREAD_MUTEX_INITIALIZER;"; done
	echo 'static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;'
	echo 'static pthread_mutex_t near = PTHREAD_MUTEX_INITIALIZER;'
	echo 'static void *chain(void *arg) {'
	for i in $(seq 0 11); do echo "	pthread_mutex_lock(&chain$i);"; done
	for i in $(seq 11 -1 0); do echo "	pthread_mutex_unlock(&chain$i);"; done
	echo '	return arg; }'
	echo 'static void *ab(void *arg) { pthread_mutex_lock(&a); pthread_mutex_lock(&b);'
	echo '	pthread_mutex_unlock(&b); pthread_mutex_lock(&near); pthread_mutex_unlock(&near);'
	echo '	pthread_mutex_unlock(&a); return arg; }'
	echo 'static void *ba(void *arg) { pthread_mutex_lock(&b); pthread_mutex_lock(&a);'
	echo '	pthread_mutex_unlock(&a); pthread_mutex_unlock(&b); return arg; }'
	echo 'int main(void) { pthread_t t[3]; pthread_create(&t[0], 0, chain, 0);'
	echo '	pthread_create(&t[1], 0, ab, 0); pthread_create(&t[2], 0, ba, 0);'
	echo '	for (int i = 0; i < 3; i++) pthread_join(t[i], 0); return 0; }'
} >"$P/locks.c"
run_tsafe scan "$P/locks.c" --db "$WORK/g.db" --root "$P" --fail-on never -- -pthread
expect "the program is scanned" 0

nodes() { grep -cE '^  "[^"]*" \[label=' <<<"$1"; }
edges() { grep -c ' -> ' <<<"$1"; }

run_tsafe graph --db "$WORK/g.db"
expect "graph: the default view" 0
check "  ...shows the cycle's two locks and the one next to it, not the chain (3 nodes)" \
	test "$(nodes "$out")" -eq 3
check "  ...and their three orders" test "$(edges "$out")" -eq 3
check "  ...no lock of the chain" test -z "$(grep chain <<<"$out")"
check "  ...scaled to a page" grep -q 'size="10,7.5"' <<<"$out"
check "  ...and says what it left out" grep -q "3 of 15 locks and 3 of 14 orders.*--all" <<<"$err"

run_tsafe graph --db "$WORK/g.db" --all
expect "graph --all" 0
# The chain nests each lock in all before it (66 orders), but an order a longer path implies
# is not drawn (nor stored): the chain is its 11 links, and with the cycle's 3, 14 orders.
check "  ...every lock (15) and the orders no longer path implies (14, not 69)" \
	test "$(nodes "$out")" -eq 15 -a "$(edges "$out")" -eq 14
check "  ...the chain as its links: chain0 -> chain1" grep -q 'chain0" -> "[^"]*chain1"' <<<"$out"
check "  ...and no chain0 -> chain2" test -z "$(grep 'chain0" -> "[^"]*chain2"' <<<"$out")"
check "  ...at full size" test -z "$(grep '[^t]size=' <<<"$out")"

run_tsafe graph --db "$WORK/g.db" --rule data-race
expect "graph --rule data-race: filtered like the findings" 0
check "  ...no cycle of that rule, so nothing drawn" test "$(edges "$out")" -eq 0
run_tsafe graph --db "$WORK/g.db" --rule=lock-order-inversion --severity error
check "graph --rule lock-order-inversion --severity error: the cycle" test "$(edges "$out")" -eq 3
run_tsafe graph --db "$WORK/g.db" --since 2
check "graph --since a later run: nothing new, nothing drawn" test "$(edges "$out")" -eq 0
run_tsafe graph --db "$WORK/g.db" --rule no-such-rule
expect "graph --rule with an unknown id" 2 "unknown rule 'no-such-rule'"

run_tsafe report --db "$WORK/g.db" --format html -o "$WORK/r.html"
expect "HTML report" 0
page=$(cat "$WORK/r.html")
view=${page%%id=\"whole-graph\"*}
whole=${page#*id=\"whole-graph\"}
check "HTML: the graph shows the cycle's view" test "$(grep -c 'class="node' <<<"$view")" -eq 3
check "HTML: it says how much of the whole it is" grep -q "3 of 15 locks, 3 of 14 orders" <<<"$view"
check "HTML: the whole graph is one click away (closed details)" \
	grep -q '<details id="whole-graph"><summary>The whole graph: 15 locks, 14 orders' "$WORK/r.html"
check "HTML: ...with every lock" test "$(grep -c 'class="node' <<<"$whole")" -eq 15

finish
