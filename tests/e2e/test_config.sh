#!/usr/bin/env bash
# .tsafe.json at the project root: project lock wrappers teach tsafe a lock API it cannot
# see; "suppress" entries quiet findings by rule, file and symbol; "exclude" skips files.
. "$(dirname "$0")/lib.sh"
P="$WORK/proj"
mkdir -p "$P/legacy"
cp "$FIXTURES/scan/hw_lock.c" "$P/"
cp "$FIXTURES/scan/race.c" "$P/legacy/"

run_tsafe scan "$P/hw_lock.c" --root "$P" --db "$WORK/a.db"
expect "unknown lock functions: the counter looks unprotected" 1 "data race on 'counter'"

cat >"$P/.tsafe.json" <<'JSON'
{"lock_wrappers": [{"function": "hw_lock", "op": "acquire", "arg": 0},
                   {"function": "hw_unlock", "op": "release", "arg": 0}]}
JSON
run_tsafe scan "$P/hw_lock.c" --root "$P" --db "$WORK/a.db"
expect "declared wrappers protect it" 0 "no findings"
check "changing .tsafe.json invalidates the facts cache" grep -q "(0 from cache)" <<<"$err"

cat >"$P/.tsafe.json" <<'JSON'
{"suppress": [{"rule": "data-race", "file": "legacy/*", "symbol": "*counter",
               "reason": "legacy statistics, approximate by design"}]}
JSON
run_tsafe scan "$P/legacy/race.c" --root "$P" --db "$WORK/b.db" --format json
expect "a configured suppression does not count" 0
check "it is kept with its reason" grep -q "legacy statistics, approximate by design" <<<"$out"

cat >"$P/.tsafe.json" <<'JSON'
{"suppress": [{"rule": "data-race", "file": "other/*"}]}
JSON
run_tsafe scan "$P/legacy/race.c" --root "$P" --db "$WORK/c.db"
expect "a suppression for another path does not apply" 1 "data race"

cat >"$P/.tsafe.json" <<'JSON'
{"exclude": ["legacy/*"]}
JSON
run_tsafe scan "$P/legacy/race.c" "$P/hw_lock.c" --root "$P" --db "$WORK/d.db" --format json
check "excluded files are not analysed" test "$(grep -c 'legacy/race.c' <<<"$out")" -eq 0
finish
