#!/usr/bin/env bash
# test_corpus_builds.sh — every corpus program compiles with the strict flags and runs to
# completion: exit 0 within 2 s (they aim at under 1 s), several runs each (a buggy variant that can hang or
# crash in some interleaving must not, by design).
# Env: TSAFE_SOURCE_DIR (default: this repo). CORPUS_RUNS (default 3) runs per program.
set -euo pipefail

src=${TSAFE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
runs=${CORPUS_RUNS:-3}
build=$(mktemp -d /tmp/tsafe-corpus-build.XXXXXX)
trap 'rm -rf "$build"' EXIT

if ! cmake -S "$src/corpus" -B "$build" >"$build/configure.log" 2>&1; then
	cat "$build/configure.log"
	echo "FAIL: the corpus does not configure; see the cmake output above" >&2
	exit 1
fi
if ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1; then
	grep -E 'error|warning' "$build/build.log" | head -40
	echo "FAIL: some corpus programs do not compile with -Wall -Wextra -Werror" >&2
	exit 1
fi

passed=0 failed=0
for c in "$src"/corpus/[0-9][0-9]_*/*.c; do
	scenario=$(basename "$(dirname "$c")")
	exe="$build/${scenario}_$(basename "$c" .c)"
	ok=1
	for ((i = 1; i <= runs; i++)); do
		start=$(date +%s%N)
		rc=0
		timeout -k 1 2 "$exe" >"$build/out.txt" 2>&1 </dev/null || rc=$?
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $scenario/$(basename "$c"): run $i exited $rc after ${ms} ms (124 = killed after 2 s)"
			tail -5 "$build/out.txt" | sed 's/^/    /'
			ok=0
			break
		fi
		if [ "$ms" -ge 1000 ]; then	# a loaded machine, or a program that got slow
			echo "note: $scenario/$(basename "$c") run $i took ${ms} ms (the corpus aims at under 1 s)"
		fi
	done
	if [ "$ok" = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
