#!/usr/bin/env bash
# Two `tsafe scan` processes writing one database at once (as parallel CI jobs sharing a
# cache would): both runs and every finding must be there, exactly as if they had run one
# after the other. Several rounds, each on a fresh database, so that creating the schema
# races too.
. "$(dirname "$0")/lib.sh"
C="$TSAFE_SOURCE_DIR/corpus"
mkdir -p "$WORK/a" "$WORK/b"
cp "$C/02_gather/racy_total.c" "$C/01_numbers_letters/shared_counter.c" "$WORK/a/"
cp "$C/03_downloads/racy_total.c" "$C/01_numbers_letters/strtok.c" "$WORK/b/"

scan_project() {   # scan_project DIR DB: both files of DIR, root DIR
	"$TSAFE" scan "$1"/*.c --db "$2" --root "$1" -j 2 --format json -o "$2.$(basename "$1").json" \
		2>"$2.$(basename "$1").err"
}

# The reference: each project scanned alone.
scan_project "$WORK/a" "$WORK/alone-a.db"
scan_project "$WORK/b" "$WORK/alone-b.db"
fingerprints() {
	python3 -c 'import json, sys
print("\n".join(sorted(f["fingerprint"] for p in sys.argv[1:] for f in json.load(open(p))["findings"])))' "$@"
}
want=$(fingerprints "$WORK/alone-a.db.a.json" "$WORK/alone-b.db.b.json")
check "the reference scans found something in both projects" test "$(wc -l <<<"$want")" -ge 4

for round in 1 2 3 4 5; do
	DB="$WORK/shared-$round.db"
	# Both start when the barrier opens, not one after the other's fork.
	mkfifo "$WORK/go-$round"
	( read -r _ <"$WORK/go-$round"; scan_project "$WORK/a" "$DB" ) & pa=$!
	( read -r _ <"$WORK/go-$round"; scan_project "$WORK/b" "$DB" ) & pb=$!
	sleep 0.2
	echo go >"$WORK/go-$round"
	wait $pa; ra=$?
	wait $pb; rb=$?
	if [ $ra -ne 1 ] || [ $rb -ne 1 ]; then
		fail "round $round: both scans report their findings" "exit $ra and $rb" \
			"$(cat "$DB.a.err" "$DB.b.err")"
		continue
	fi
	run_tsafe report --db "$DB" --format json
	got=$(python3 -c 'import json, sys
print("\n".join(sorted(f["fingerprint"] for f in json.load(sys.stdin)["findings"])))' <<<"$out")
	runs=$(python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(*db.execute("SELECT count(*), count(ended), sum(exit_status = 1), count(DISTINCT scope)"
                  " FROM runs WHERE engine = 'static'").fetchone())
PY
)
	if [ "$got" != "$want" ]; then
		fail "round $round: every finding of both scans is stored" "want: $want" "got: $got"
	elif [ "$runs" != "2 2 2 2" ]; then
		fail "round $round: two finished runs, one per project" "runs, ended, exit 1, scopes: $runs"
	else
		ok "round $round: both runs and all $(wc -l <<<"$got") findings are stored"
	fi
done
finish
