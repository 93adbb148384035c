#!/usr/bin/env bash
# Dogfood: tsafe scans its own sources. Its parallel scan (src/cli/pool.c) is real
# multithreaded code: the analysis must see those worker threads, and find nothing wrong.
. "$(dirname "$0")/lib.sh"
: "${TSAFE_BUILD_DIR:?}"

run_tsafe scan -p "$TSAFE_BUILD_DIR" --root "$TSAFE_SOURCE_DIR" --db "$WORK/self.db" -j 2
expect "tsafe's own sources: no findings" 0 "no findings"
threads=$(sed -nE 's/.* ([0-9]+) threads?,.*/\1/p' <<<"$err")
check "the scan's worker threads are analysed (found ${threads:-0})" test "${threads:-0}" -ge 1
check "pool.c is among the sources scanned" test -n "$(sqlite3 "$WORK/self.db" "select 1 from tus where file like '%/src/cli/pool.c'")"
finish
