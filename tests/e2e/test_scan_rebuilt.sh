#!/usr/bin/env bash
# A rebuilt tsafe never reuses what an older build stored for unchanged code: the facts
# cache is keyed on the tsafe-extract executable that made the facts, the analysis cache on
# the tsafe executable too (both of one version string). A "rebuild" here is a copy of the
# two executables with bytes appended (the loader ignores them; the build changed).
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$TSAFE")
mkdir -p "$WORK/bin"
cp "$BUILD/tsafe" "$BUILD/tsafe-extract" "$WORK/bin/"
TSAFE="$WORK/bin/tsafe"
cat >"$WORK/race.c" <<'C'
#include <pthread.h>
static int counter;
static void *work(void *arg) { counter++; return arg; }
int main(void) { pthread_t a, b; pthread_create(&a, 0, work, 0); pthread_create(&b, 0, work, 0);
	pthread_join(a, 0); pthread_join(b, 0); return counter; }
C
scan() { run_tsafe scan "$WORK/race.c" --db "$WORK/r.db" --fail-on never -- -pthread; }

scan
expect "a cold scan parses the unit" 0 "1 translation unit \(0 from cache\)"
scan
expect "a re-scan with the same build reuses the facts" 0 "1 translation unit \(1 from cache\)"
check "  ...and the analysis" grep -q "analysis of run [0-9]* reused" <<<"$err"

printf 'rebuilt' >>"$WORK/bin/tsafe-extract"
scan
expect "after the extractor was rebuilt, the unit is parsed again" 0 "1 translation unit \(0 from cache\)"
check "  ...and the program analysed again" test -z "$(grep reused <<<"$err")"
check "  ...with the same finding" grep -q "1 finding" <<<"$err"

scan
expect "the new build's facts are then reused" 0 "1 translation unit \(1 from cache\)"
printf 'rebuilt' >>"$WORK/bin/tsafe"
scan
expect "after tsafe itself was rebuilt, the facts stay current" 0 "1 translation unit \(1 from cache\)"
check "  ...but the program is analysed again" test -z "$(grep reused <<<"$err")"
finish
