#!/usr/bin/env bash
# One option syntax for every command (the declarative options table, src/cli/options.c):
# `--x=v` and `--x v`, `-xV` and `-x V`, every choice listed in --help, one-line errors for
# unknown options, missing or bad values; and unknown keys in .tsafe.json are an error.
. "$(dirname "$0")/lib.sh"
S="$FIXTURES/scan"
cp "$S/race.c" "$WORK/"

# Both spellings of a valued option mean the same, in every command.
run_tsafe scan "$WORK/race.c" --db="$WORK/eq.db" --root="$WORK" --format=json --fail-on=never
expect "scan --x=v" 0 '"rule":[[:space:]]*"data-race"'
run_tsafe scan "$WORK/race.c" --db "$WORK/sp.db" --root "$WORK" --format json --fail-on never
expect "scan --x v" 0 '"rule":[[:space:]]*"data-race"'
run_tsafe scan "$WORK/race.c" --db "$WORK/j.db" --root "$WORK" -j1 -o"$WORK/j.txt"
expect "scan -jN -oFILE" 1
check "-oFILE wrote the report" grep -q "data race" "$WORK/j.txt"
run_tsafe scan "$WORK/race.c" --db "$WORK/j.db" --root "$WORK" --jobs=1 --output="$WORK/j2.txt"
expect "scan --jobs=N --output=FILE" 1
check "--output=FILE wrote the report" grep -q "data race" "$WORK/j2.txt"
run_tsafe report --db="$WORK/eq.db" --rule=data-race --severity=warning --since=1 --format=sarif
expect "report --x=v for every filter" 0 '"ruleId":[[:space:]]*"data-race"'
run_tsafe report --db "$WORK/eq.db" --rule data-race --severity error --since 2
expect "report --since past the last run shows nothing" 0
check "  ...and prints no finding" test -z "$(grep data-race <<<"$out")"
run_tsafe gate --db="$WORK/eq.db" --fail-on=never
expect "gate --x=v" 0 "new"
run_tsafe baseline save --db="$WORK/eq.db" --output="$WORK/b.json"
expect "baseline save --x=v" 0
check "baseline written" test -s "$WORK/b.json"
run_tsafe gate --db "$WORK/eq.db" --baseline="$WORK/b.json"
expect "gate --baseline=FILE" 0 "0 new"
run_tsafe graph --db="$WORK/eq.db" --format=dot --output="$WORK/g.dot"
expect "graph --x=v" 0
check "graph written" grep -q digraph "$WORK/g.dot"

# Errors: one line, naming the option and what to do.
run_tsafe report --db "$WORK/eq.db" --format
expect "missing value" 2 "option '--format' needs a value"
run_tsafe report --db "$WORK/eq.db" --all=yes
expect "a flag given a value" 2 "option '--all' takes no value"
run_tsafe scan "$WORK/race.c" -j 0
expect "-j 0 is out of range" 2 "-j.*needs a whole number"
run_tsafe scan "$WORK/race.c" --jobs=many
expect "--jobs=many is not a number" 2 "--jobs needs a whole number"
run_tsafe report --db "$WORK/eq.db" --since=0
expect "--since 0" 2 "--since needs a whole number"
run_tsafe report --db "$WORK/eq.db" --severity=fatal
expect "unknown severity lists the choices" 2 "unknown --severity 'fatal' \(use error, warning or note\)"
check "  ...in one line" test "$(wc -l <"$WORK/stderr")" -eq 1
start=$(date +%s)
run_tsafe scan "$WORK/race.c" --db ''
expect "--db '': at once, saying what is wrong" 2 "option '--db' needs a value, not an empty string"
check "  ...without waiting for a lock" test $(($(date +%s) - start)) -lt 5
run_tsafe run --db= -- true
expect "run --db=: the same" 2 "option '--db' needs a value, not an empty string"
run_tsafe gate --format json
expect "an option another command has" 2 "unknown option '--format' for gate"
run_tsafe report --db "$WORK/eq.db" stray
expect "an operand report does not take" 2 "unexpected argument 'stray'"
run_tsafe run --deadlock-ms=soon -- true
expect "run: a bad number" 2 "--deadlock-ms needs a whole number"
run_tsafe run --engine=valgrind -- true
expect "run: an unknown engine lists them" 2 "unknown --engine 'valgrind' \(use runtime, helgrind, drd or all\)"

# Every command's help comes from its table and lists every choice of its options.
for c in scan report run gate graph; do
	run_tsafe "$c" --help
	expect "$c --help" 0 "usage: tsafe $c"
done
run_tsafe report --help
check "report --help lists every format" grep -q "text, json, sarif, junit or html" <<<"$out"
check "report --help lists the fail-on levels" grep -q "error, warning, note or never" <<<"$out"
run_tsafe run --help
check "run --help lists the engines" grep -q "runtime, helgrind, drd or all" <<<"$out"
check "run --help has --timeout" grep -q -- "--timeout N" <<<"$out"
run_tsafe graph --help
check "graph --help lists its formats" grep -q "dot or svg" <<<"$out"
run_tsafe baseline save --help
expect "baseline save --help" 0 "usage: tsafe baseline save"

# .tsafe.json: an unknown key is an error naming the key and the known ones, at every level.
mkdir -p "$WORK/proj" && cp "$WORK/race.c" "$WORK/proj/"
scan_proj() { run_tsafe scan "$WORK/proj/race.c" --root "$WORK/proj" --db "$WORK/p.db"; }
echo '{"supress": [{"rule": "data-race"}]}' >"$WORK/proj/.tsafe.json"
scan_proj
expect "unknown top-level key" 2 'tsafe.json: unknown key "supress" in the top-level object \(known keys: "lock_wrappers", "thread_wrappers", "suppress", "exclude"'
check "  ...in one line" test "$(wc -l <"$WORK/stderr")" -eq 1
echo '{"suppress": [{"rule": "data-race", "files": "*.c"}]}' >"$WORK/proj/.tsafe.json"
scan_proj
expect "unknown key in a suppression" 2 'unknown key "files" in a suppress entry'
echo '{"lock_wrappers": [{"function": "f", "op": "acquire", "argument": 0}]}' >"$WORK/proj/.tsafe.json"
scan_proj
expect "unknown key in a lock wrapper" 2 'unknown key "argument" in a lock_wrappers entry'
echo '{"suppress": [{"rule": "data-race", "file": "*", "symbol": "*", "reason": "ok"}], "exclude": [], "lock_wrappers": []}' >"$WORK/proj/.tsafe.json"
scan_proj
expect "every known key is accepted" 0

finish
