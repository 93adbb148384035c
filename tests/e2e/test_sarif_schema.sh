#!/usr/bin/env bash
# test_sarif_schema.sh — tsafe's SARIF validates against the official SARIF 2.1.0 JSON schema
# (and GitHub's ingestion rules), and the validator really rejects broken SARIF.
#
# The SARIF comes from the report writer run on the fixture finding list of the unit test
# (test_report --emit-sarif); scripts/sarif-validate fetches the schema once through
# scripts/install-sarif-validator (npm registry, cached in ~/.cache/tsafe).
set -euo pipefail

src="${TSAFE_SOURCE_DIR:?run through ctest}"
gen="${TSAFE_BUILD_DIR:?run through ctest}/tests/test_report"
validate="$src/scripts/sarif-validate"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fails=0
check() {   # check NAME WANT(0|1) FILE: the validator's verdict on FILE must be WANT
	local rc=0
	"$validate" "$3" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq 2 ] || { [ "$2" -eq 0 ] && [ "$rc" -ne 0 ]; } ||
	   { [ "$2" -eq 1 ] && [ "$rc" -ne 1 ]; }; then
		echo "FAIL $1 (validator exit $rc, wanted $2):"
		cat "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok   $1"
	fi
}

[ -x "$gen" ] || { echo "FAIL: $gen not built"; exit 1; }
"$gen" --emit-sarif "$tmp/tsafe.sarif"
check "fixture SARIF is valid" 0 "$tmp/tsafe.sarif"

# Each broken copy must be rejected: the validator is not a rubber stamp.
mutate() {   # mutate NAME PYTHON-STATEMENT-ON-d
	python3 - "$tmp/tsafe.sarif" "$tmp/$1.sarif" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]["results"]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	check "rejects $1" 1 "$tmp/$1.sarif"
}
mutate no-version       'del d["version"]'
mutate bad-level        'r[0]["level"] = "fatal"'
mutate line-zero        'r[0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0'
mutate unknown-property 'r[0]["severity"] = "error"'
mutate absolute-uri     'r[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/etc/x.c"'
mutate wrong-ruleindex  'r[0]["ruleIndex"] = 3'

if [ "$fails" -ne 0 ]; then
	echo "$fails SARIF check(s) failed"
	exit 1
fi
echo "all SARIF checks passed"
