#!/usr/bin/env bash
# `tsafe scan` as a user drives it: compiler-style text, JSON and SARIF from the database,
# the facts cache, fingerprints that survive unrelated edits, suppressions, -j.
. "$(dirname "$0")/lib.sh"
S="$FIXTURES/scan"
mkdir -p "$WORK/proj"
cp "$S/race.c" "$S/clean.c" "$WORK/proj/"
P="$WORK/proj"
DB="$WORK/t.db"

run_tsafe scan "$P/clean.c" --db "$DB" --root "$P"
expect "correct program: no findings, exit 0" 0 "no findings"

run_tsafe scan "$P/race.c" --db "$DB" --root "$P"
expect "racy program: exit 1" 1
check "compiler-style first line" grep -qE '^race.c:11:3: (error|warning): data race on .counter. \(read-modify-write of shared data[^)]*\) \[data-race\]' <<<"$out"
check "the other access is a note" grep -qE '^race.c:11:3: note: ' <<<"$out"
check "the thread is named with its creation site" grep -q "thread 'worker' created at race.c:1[89]" <<<"$out"
check "locks held are shown" grep -qi "locks held: none" <<<"$out"

run_tsafe report --db "$DB" --format json -o "$WORK/r.json"
expect "report --format json" 0
check "JSON names the rule and both lines" python3 - "$WORK/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["rule"] == "data-race"]
assert len(f) == 1, f
assert [l["line"] for l in f[0]["locations"]] == [11, 11], f[0]["locations"]
assert f[0]["locations"][0]["file"] == "race.c", f[0]["locations"][0]["file"]
PY
fp1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["findings"][0]["fingerprint"])' "$WORK/r.json")

run_tsafe report --db "$DB" --format sarif -o "$WORK/r.sarif"
expect "report --format sarif" 0
if "$TSAFE_SOURCE_DIR/scripts/sarif-validate" "$WORK/r.sarif" >"$WORK/v.txt" 2>&1; then
	ok "SARIF from a real scan validates against the 2.1.0 schema"
else
	fail "SARIF from a real scan validates against the 2.1.0 schema" "$(cat "$WORK/v.txt")"
fi

run_tsafe scan "$P/race.c" --db "$DB" --root "$P"
check "an unchanged file comes from the cache" grep -q "(1 from cache)" <<<"$err"
check "re-scanning unchanged code reuses the analysis" \
	grep -qE "nothing changed: analysis of run [0-9]+ reused" <<<"$err"
expect "the reused analysis reports the same race" 1 "race.c:11:3: (error|warning): data race on .counter."

# Unrelated edits above the race: same finding (fingerprint), seen again, not new.
{ printf '/* a new header comment */\n\n#include <stdlib.h>\n'; cat "$P/race.c"; } >"$P/race.tmp" && mv "$P/race.tmp" "$P/race.c"
run_tsafe scan "$P/race.c" --db "$DB" --root "$P" --format json
expect "edited file is parsed again" 1
check "edited file is not from the cache" grep -q "(0 from cache)" <<<"$err"
check "an edit means a new analysis" test "$(grep -c "analysis of run" <<<"$err")" -eq 0
fp2=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["fingerprint"])' <<<"$out")
check "fingerprint survives edits above the finding" test "$fp1" = "$fp2"

# Inline suppression: kept in the database, not counted.
sed -i 's|counter++;|counter++; /* tsafe: ignore[data-race] */|' "$P/race.c"
run_tsafe scan "$P/race.c" --db "$WORK/sup.db" --root "$P"
expect "suppressed finding does not count" 0 "no findings"
run_tsafe report --db "$WORK/sup.db" --format json
check "suppressed finding is kept, marked" grep -q '"suppressed":[[:space:]]*true' <<<"$out"

# Files with flags after --, several jobs, compile_commands.json.
cp "$S/race.c" "$S/clean.c" "$WORK/"
run_tsafe scan "$WORK/race.c" "$WORK/clean.c" -j 2 --db "$WORK/j.db" --root "$WORK" -- -DNDEBUG -std=gnu17
expect "two files, -j 2, flags after --" 1 "data race on 'counter'"
make_compdb "$WORK/build" "$WORK/race.c" "$WORK/clean.c"
run_tsafe scan -p "$WORK/build" --db "$WORK/p.db" --root "$WORK" -j 2
expect "-p BUILD_DIR" 1 "race.c:11"
check "clean.c has nothing (two programs in one database)" test "$(grep -c 'clean.c:' <<<"$out")" -eq 0
run_tsafe scan -p "$WORK/build" --db "$WORK/p.db" --root "$WORK" --fail-on never
expect "--fail-on never" 0

# A race on the way to abort() is a race in a crash: not reported; the real one is.
cp "$S/dying.c" "$WORK/"
run_tsafe scan "$WORK/dying.c" --db "$WORK/dying.db" --root "$WORK"
expect "the race of the normal path is reported" 1 "data race on 'hits'"
check "the race on the path to abort() is not" test "$(grep -c "data race on 'failures'" <<<"$out")" -eq 0

# Lock orders taken only on the way to abort() cannot hang running code; against an order
# taken by code that goes on, they can.
cp "$S/dying_locks.c" "$WORK/"
run_tsafe scan "$WORK/dying_locks.c" --db "$WORK/dl.db" --root "$WORK"
expect "inversion between two crash paths: not reported" 0 "no findings"
run_tsafe scan "$WORK/dying_locks.c" --db "$WORK/dl2.db" --root "$WORK" -- -DNORMAL_PATH
expect "inversion with a path that goes on: reported" 1 "lock-order inversion"

# tsafe's rules data (the lock API catalogue, the MT-unsafe list) changes what is found:
# editing it invalidates the cached facts and the cached analysis.
cp -r "$TSAFE_SOURCE_DIR/rules" "$WORK/rules"
export TSAFE_RULES_DIR="$WORK/rules"
mkdir -p "$WORK/rproj" && cp "$S/race.c" "$WORK/rproj/"
P="$WORK/rproj"
run_tsafe scan "$P/race.c" --db "$WORK/rules.db" --root "$P"
run_tsafe scan "$P/race.c" --db "$WORK/rules.db" --root "$P"
check "unchanged rules: analysis reused" grep -q "analysis of run" <<<"$err"
printf 'my_unsafe_call\tmy_safe_call\tkeeps a static buffer\n' >>"$WORK/rules/mt-unsafe.tsv"
run_tsafe scan "$P/race.c" --db "$WORK/rules.db" --root "$P"
expect "edited rules data: scanned again" 1 "\(0 from cache\)"
check "edited rules data: analysed again" test "$(grep -c "analysis of run" <<<"$err")" -eq 0
unset TSAFE_RULES_DIR

# A reused analysis keeps the lock-order graph the analysis drew.
mkdir -p "$WORK/lo" && cp "$TSAFE_SOURCE_DIR/corpus/12_deadlocks/lock_order.c" "$WORK/lo/"
run_tsafe scan "$WORK/lo/lock_order.c" --db "$WORK/lo.db" --root "$WORK/lo"
run_tsafe graph --db "$WORK/lo.db" --format dot
graph1=$out
run_tsafe scan "$WORK/lo/lock_order.c" --db "$WORK/lo.db" --root "$WORK/lo"
check "lock-order program re-scanned: analysis reused" grep -q "analysis of run" <<<"$err"
run_tsafe graph --db "$WORK/lo.db" --format dot
check "the reused analysis has the same lock-order graph" test "$graph1" = "$out"
check "that graph has the inversion's edges" grep -q -- "->" <<<"$out"

finish
