# lib.sh — helpers for the end-to-end tests: a private temp dir, assertions that print
# what went wrong, and a pass/fail tally ending in the "N passed, N failed" line.
set -u
: "${TSAFE:?run through ctest (TSAFE is the built binary)}"
: "${TSAFE_SOURCE_DIR:?}"
FIXTURES="$TSAFE_SOURCE_DIR/tests/fixtures"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ $# -gt 1 ] && printf '       %s\n' "${@:2}"; }

# run_tsafe ARGS…: runs tsafe, leaving its status in $rc, stdout in $out, stderr in $err.
run_tsafe() {
	"$TSAFE" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	out=$(cat "$WORK/stdout")
	err=$(cat "$WORK/stderr")
}

# expect NAME STATUS [PATTERN-in-stderr-or-stdout]
expect() {
	local name=$1 want=$2 pattern=${3:-}
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want" "stderr: $err"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out$err"; then
		fail "$name" "output lacks /$pattern/" "stdout: $out" "stderr: $err"
	else
		ok "$name"
	fi
}

# check NAME COMMAND…: passes when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "failed: $*"; fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# A compile_commands.json for the given source files, compiled in $WORK.
make_compdb() {
	local dir=$1
	shift
	mkdir -p "$dir"
	{
		echo "["
		local first=1 f
		for f in "$@"; do
			[ $first -eq 1 ] || echo ","
			first=0
			printf '{"directory": "%s", "file": "%s", "arguments": ["cc", "-std=gnu17", "-pthread", "-c", "%s"]}' \
				"$WORK" "$f" "$f"
		done
		echo "]"
	} >"$dir/compile_commands.json"
}
