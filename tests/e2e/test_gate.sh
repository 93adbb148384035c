#!/usr/bin/env bash
# `tsafe baseline save` and `tsafe gate` as a CI job uses them: moved lines and unrelated edits
# keep old findings old, a new bug fails the gate at the chosen threshold, a fixed bug shows
# as fixed, and without a baseline file the previous run is the reference.
. "$(dirname "$0")/lib.sh"
P="$WORK/proj"
DB="$WORK/t.db"
SRC="$P/racy_total.c"
mkdir -p "$P"
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/racy_total.c" "$SRC"

scan() { run_tsafe scan "$SRC" --db "${1:-$DB}" --root "$P" --format json; }

# The line of the data race in the latest scan's JSON ($out).
race_line() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(*[f["locations"][0]["line"] for f in d["findings"] if f["rule"] == "data-race"])' <<<"$out"
}

# Unrelated edits above the bug: a comment, blank lines, a new function, one more include.
edit_above() {
	python3 - "$SRC" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("static long total_ms;",
              "/* Totals are in milliseconds. */\n\n\nstatic int twice(int x)\n{\n\treturn 2 * x;\n}\n\n"
              "static long total_ms;", 1)
s = s.replace("#include <time.h>\n", "#include <time.h>\n#include <stdlib.h>\n", 1)
open(p, "w").write(s)
PY
}

# A new bug of severity warning: strtok in the code both threads run (mt-unsafe-call).
add_strtok() {
	python3 - "$SRC" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("#include <time.h>\n", '#include <time.h>\n#include <string.h>\n\nstatic char names[] = "a,b";\n', 1)
s = s.replace('static void run_task(const char *name, long ms)\n{\n',
              'static void run_task(const char *name, long ms)\n{\n\tputs(strtok(names, ","));\n', 1)
open(p, "w").write(s)
PY
}

# The fix for the original race: the total is updated atomically.
fix_race() { sed -i 's|^\ttotal_ms += ms;.*|\t__atomic_fetch_add(\&total_ms, ms, __ATOMIC_RELAXED);|' "$SRC"; }

# ---- with a committed baseline file ------------------------------------------------------
scan
expect "scan of the corpus program finds its race" 1
line_before=$(race_line)
run_tsafe baseline save --db "$DB" -o "$P/tsafe-baseline.json"
expect "baseline save" 0 "1 finding saved to"
check "baseline file: format 1, the race, no line numbers" python3 - "$P/tsafe-baseline.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
assert d["tsafe_baseline"] == 1, d
assert [f["rule"] for f in d["findings"]] == ["data-race"], d
f = d["findings"][0]
assert set(f) == {"fingerprint", "rule", "file", "function", "symbol", "message"}, f
assert f["file"] == "racy_total.c" and f["function"] == "run_task", f
assert sum('"fingerprint"' in l for l in text.splitlines()) == 1, "one finding per line"
PY
cp "$P/tsafe-baseline.json" "$WORK/saved-first.json"

run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json"
expect "gate right after the baseline: nothing new" 0 "^0 new, 0 fixed, 1 unchanged"

edit_above
scan
expect "re-scan after unrelated edits" 1
line_after=$(race_line)
check "the edits moved the race ($line_before -> $line_after)" test "$line_after" -gt "$line_before"
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json"
expect "moved lines and unrelated edits: 0 new, exit 0" 0 "^0 new, 0 fixed, 1 unchanged"
run_tsafe baseline save --db "$DB" -o "$WORK/saved-after-edit.json"
check "the baseline file does not change when lines move" cmp -s "$WORK/saved-first.json" "$WORK/saved-after-edit.json"

add_strtok
scan
expect "re-scan with a new bug" 1
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json"
expect "a new warning fails the default gate (warning)" 1 "^1 new, 0 fixed, 1 unchanged"
check "the new finding is listed" grep -qE "^racy_total.c:[0-9]+:[0-9]+: warning: .*strtok.*\[mt-unsafe-call\]" <<<"$out"
check "the old finding is not listed" test "$(grep -c '\[data-race\]' <<<"$out")" -eq 0
check "the verdict names the threshold" grep -q "gate failed: 1 new finding at or above 'warning'" <<<"$out"
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json" --fail-on error
expect "--fail-on error: a new warning passes" 0 "^1 new, 0 fixed, 1 unchanged"
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json" --fail-on note
expect "--fail-on note: a new warning fails" 1
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json" --fail-on never
expect "--fail-on never: passes" 0 "gate passed"

sed -i 's|puts(strtok(names, ","));|puts(strtok(names, ",")); /* tsafe: ignore[mt-unsafe-call] */|' "$SRC"
scan
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json"
expect "a new but suppressed finding does not fail the gate" 0 "^0 new, 0 fixed, 1 unchanged, 1 suppressed"

fix_race
scan
expect "re-scan after the fix: the race is gone" 0
run_tsafe gate --db "$DB" --baseline "$P/tsafe-baseline.json"
expect "a fixed bug shows as fixed" 0 "^0 new, 1 fixed, 0 unchanged"
check "the fixed finding is named" grep -q "^fixed: racy_total.c: in run_task: data race on 'total_ms' (.*) \[data-race\]" <<<"$out"

# ---- without a baseline file: the previous run of the same (engine, scope) -------------------
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/racy_total.c" "$SRC"
PDB="$WORK/prev.db"
scan "$PDB"
run_tsafe gate --db "$PDB"
expect "first run: nothing to compare with, every finding is new" 1 "^1 new, 0 fixed, 0 unchanged \(against nothing: run 1 is the first static run"
scan "$PDB"
run_tsafe gate --db "$PDB"
expect "same code scanned again: unchanged" 0 "^0 new, 0 fixed, 1 unchanged \(against run 1, the static run on"
# Another project in the same database does not disturb this one.
mkdir -p "$WORK/other"
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/correct.c" "$WORK/other/"
run_tsafe scan "$WORK/other/correct.c" --db "$PDB" --root "$WORK/other"
edit_above
add_strtok
scan "$PDB"
run_tsafe gate --db "$PDB"
expect "previous run: edits keep the old race, the new bug is new" 1 "^1 new, 0 fixed, 1 unchanged"
check "compared with run 2" grep -q "run 2, the static run on $P before run 4" <<<"$out"
check "the new finding is listed" grep -q "\[mt-unsafe-call\]" <<<"$out"
fix_race
scan "$PDB"
run_tsafe gate --db "$PDB"
expect "previous run: the fixed race is fixed" 0 "^0 new, 1 fixed, 1 unchanged"

# ---- refused baselines: one line naming the file and the fix, exit 2 ------------------------
G="$FIXTURES/gate"
refused() {
	local name=$1 file=$2 pattern=$3
	run_tsafe gate --db "$DB" --baseline "$file"
	expect "$name: exit 2" 2 "$pattern"
	check "$name: one line on stderr, nothing on stdout" test "$(wc -l <<<"$err")" -eq 1 -a -z "$out"
	check "$name: names the file" grep -qF "'$file'" <<<"$err"
}
refused "missing baseline" "$WORK/nope.json" "does not exist \(create it with 'tsafe baseline save -o"
refused "not JSON" "$G/not-json.json" "is not valid JSON \(line 1\).*regenerate it with 'tsafe baseline save"
refused "merge conflict left in" "$G/merge-conflict.json" "is not valid JSON \(line 5\)"
refused "a report, not a baseline" "$G/wrong-shape.json" "is not a tsafe baseline.*regenerate it"
refused "from a newer tsafe" "$G/newer.json" "has format 2, newer than the 1 this tsafe reads \(upgrade tsafe"
: >"$WORK/empty.json"
refused "empty file" "$WORK/empty.json" "is not valid JSON"
# Files that never end or never answer: refused at once (timeout: reading would never stop).
printf '#!/bin/sh\nexec timeout 20 "%s" "$@"\n' "$TSAFE" >"$WORK/tsafe-bounded"
chmod +x "$WORK/tsafe-bounded"
refused_now() {
	local real=$TSAFE
	TSAFE=$WORK/tsafe-bounded
	refused "$@"
	TSAFE=$real
}
refused_now "/dev/zero" /dev/zero "is a character device, not a regular file"
ln -s /dev/zero "$WORK/zero.json"
refused_now "a symlink to /dev/zero" "$WORK/zero.json" "is a character device, not a regular file"
mkfifo "$WORK/fifo.json"
refused_now "a FIFO" "$WORK/fifo.json" "is a FIFO, not a regular file"

# ---- other errors ----------------------------------------------------------------------------
run_tsafe gate --db "$WORK/none.db"
expect "gate without a database" 2 "no database at"
run_tsafe baseline save --db "$WORK/none.db" -o "$WORK/b.json"
expect "baseline save without a database" 2 "no database at"
check "no baseline file is left behind" test ! -e "$WORK/b.json"
run_tsafe baseline save --db "$DB" -o "$WORK/no/such/dir/b.json"
expect "baseline save into a missing directory" 2 "cannot write"
run_tsafe gate --db "$DB" --fail-on sometimes
expect "bad --fail-on" 2 "unknown --fail-on 'sometimes'"
run_tsafe gate --db "$DB" --format json
expect "gate takes no --format" 2 "unknown option '--format'"
run_tsafe baseline load
expect "unknown baseline command" 2 "use 'tsafe baseline save'"
run_tsafe baseline save --db "$DB" -o -
expect "baseline save -o - writes to stdout" 0 '"tsafe_baseline": 1'
finish
