#!/usr/bin/env bash
# scan_pool.sh — `tsafe scan`'s worker pool under ThreadSanitizer: the corpus scanned by four
# workers into a fresh database, then again from the cache (the pool's other path). A
# ThreadSanitizer report ends tsafe with status 66 (TSAN_OPTIONS from the test's environment).
# TSAFE_CORPUS_BUILD: the corpus's build directory (make test builds it first).
set -u
corpus=${TSAFE_CORPUS_BUILD:?the corpus build directory (make corpus) is needed}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for round in cold cached; do
	"$TSAFE" scan -p "$corpus" --db "$work/t.db" --root "$TSAFE_SOURCE_DIR" -j 4 --fail-on never \
		>/dev/null 2>"$work/err"
	rc=$?
	if [ $rc -ne 0 ] || grep -q ThreadSanitizer "$work/err"; then
		echo "FAIL the $round scan with four workers: exit $rc"
		cat "$work/err"
		failed=1
	elif ! grep -q "translation units" "$work/err"; then
		echo "FAIL the $round scan said no summary"
		cat "$work/err"
		failed=1
	else
		echo "ok   the $round scan with four workers: $(grep 'translation units' "$work/err")"
	fi
done
exit $failed
