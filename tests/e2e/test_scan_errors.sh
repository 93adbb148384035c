#!/usr/bin/env bash
# Bad input to `tsafe scan` and `tsafe report`: a clear one-line error, the documented exit
# status (2 usage/tool error, 3 some files not analysed), and nothing stored is lost.
. "$(dirname "$0")/lib.sh"
S="$FIXTURES/scan"
cp "$S"/*.c "$WORK/"

run_tsafe
expect "no command: usage" 2 "usage: tsafe"
mkdir -p "$WORK/empty" "$WORK/here" "$WORK/cmake/build" && cd "$WORK/empty"
run_tsafe scan
expect "scan without inputs, no compile_commands.json here or in build/" 2 "nothing to scan"
# Without -p, ./compile_commands.json, else build/compile_commands.json, as clang-tidy finds it.
for d in here cmake/build; do
	printf '[{"directory": "%s", "file": "%s", "command": "cc -c race.c"}]\n' "$WORK" "$WORK/race.c" \
		>"$WORK/$d/compile_commands.json"
done
cd "$WORK/here"
run_tsafe scan --db "$WORK/here.db" --root "$WORK"
expect "scan without -p reads ./compile_commands.json" 1 "reading ./compile_commands.json"
expect "  and finds the race in its unit" 1 "data race on 'counter'"
cd "$WORK/cmake"
run_tsafe scan --db "$WORK/cmake.db" --root "$WORK"
expect "scan without -p reads build/compile_commands.json" 1 "reading build/compile_commands.json"
cd "$WORK"
run_tsafe scan --frobnicate x.c
expect "unknown option" 2 "unknown option '--frobnicate'"
run_tsafe scan "$WORK/race.c" --format yaml
expect "unknown format" 2 "unknown --format 'yaml'"
run_tsafe nonsense
expect "unknown command" 2 "unknown command 'nonsense'"

run_tsafe scan -p "$WORK/nowhere" --db "$WORK/a.db"
expect "missing compile_commands.json" 2 "compile_commands.json.*(cmake|bear)"
mkdir -p "$WORK/broken_db" && printf '[{"directory": "/tmp",\n "file": ' >"$WORK/broken_db/compile_commands.json"
run_tsafe scan -p "$WORK/broken_db" --db "$WORK/a.db"
expect "broken compile_commands.json" 2 "not valid JSON: error at line 2"
echo '{"not": "an array"}' >"$WORK/broken_db/compile_commands.json"
run_tsafe scan -p "$WORK/broken_db" --db "$WORK/a.db"
expect "compile_commands.json of the wrong shape" 2 "(not a compilation database|lists no translation units)"

run_tsafe scan "$WORK/race.c" --db "$WORK/no/such/dir/t.db"
expect "unwritable database path" 2 "no/such/dir/t.db"

# A scan stores findings; a later scan that fails must not lose them.
run_tsafe scan "$WORK/race.c" --db "$WORK/keep.db" --root "$WORK"
expect "a racy file: findings, exit 1" 1 "data race on 'counter'"
run_tsafe scan -p "$WORK/broken_db" --db "$WORK/keep.db"
expect "failing scan afterwards" 2
run_tsafe report --db "$WORK/keep.db"
expect "findings survive a failed scan" 0 "data race on 'counter'"

# One file does not parse: it is reported, the other is analysed and stored, exit 3.
run_tsafe scan "$WORK/broken.c" "$WORK/race.c" --db "$WORK/partial.db" --root "$WORK"
expect "unparsable file: exit 3" 3 "broken.c"
run_tsafe report --db "$WORK/partial.db" --format json
expect "the parsable file's findings are stored" 0 '"rule":[[:space:]]*"data-race"'
run_tsafe scan "$WORK/nonexistent.c" "$WORK/clean.c" --db "$WORK/partial2.db"
expect "missing source file: exit 3" 3 "nonexistent.c"

# tsafe without its extractor beside it: one clear line, exit 2, nothing parsed.
mkdir -p "$WORK/lonely" && cp "$TSAFE" "$WORK/lonely/tsafe"
"$WORK/lonely/tsafe" scan "$WORK/race.c" --db "$WORK/lonely.db" --root "$WORK" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?; out=$(cat "$WORK/stdout"); err=$(cat "$WORK/stderr")
expect "no tsafe-extract beside tsafe: exit 2" 2 "cannot start .*tsafe-extract.*reinstall tsafe"
check "that is said once" test "$(grep -c "cannot start" <<<"$err")" -eq 1

# libclang crashing on one file (the extractor process dies on it) costs that file only:
# named, with the signal, the others analysed and stored, exit 3; the next scan recovers.
TSAFE_TEST_EXTRACTOR_CRASH=clean.c run_tsafe scan "$WORK/clean.c" "$WORK/race.c" -j 1 \
	--db "$WORK/crash.db" --root "$WORK"
expect "extractor crash on one file: exit 3" 3 "clean.c: the extractor died on it \(Aborted\)"
check "the file after the crash is analysed" grep -q "data race on 'counter'" <<<"$out"
run_tsafe scan "$WORK/clean.c" "$WORK/race.c" --db "$WORK/crash.db" --root "$WORK"
expect "the next scan parses the crashed file again" 1 "\(1 from cache\)"

run_tsafe scan "$WORK/bad_suppression.c" --db "$WORK/s.db"
expect "unknown rule in an inline suppression" 2 "bad_suppression.c:9: unknown rule 'data-rase'"
mkdir -p "$WORK/proj" && cp "$WORK/race.c" "$WORK/proj/"
echo '{"suppress": [{"rule": "no-such-rule"}]}' >"$WORK/proj/.tsafe.json"
run_tsafe scan "$WORK/proj/race.c" --root "$WORK/proj" --db "$WORK/s.db"
expect "unknown rule in .tsafe.json" 2 "tsafe.json: suppression with unknown rule 'no-such-rule'"
echo '{"suppress": [' >"$WORK/proj/.tsafe.json"
run_tsafe scan "$WORK/proj/race.c" --root "$WORK/proj" --db "$WORK/s.db"
expect "malformed .tsafe.json" 2 "tsafe.json is not valid JSON"

run_tsafe report --db "$WORK/absent.db"
expect "report without a database" 2 "no database at"
check "report did not create a database" test ! -e "$WORK/absent.db"
echo "this is not a database" >"$WORK/text.db"
run_tsafe report --db "$WORK/text.db"
expect "report on a file that is not a database" 2 "text.db"
check "that file is left as it was" grep -q "this is not a database" "$WORK/text.db"
run_tsafe report --db "$WORK/keep.db" --rule no-such-rule
expect "report --rule with an unknown id" 2 "unknown rule 'no-such-rule'"
finish
