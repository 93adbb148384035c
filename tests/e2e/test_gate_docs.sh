#!/usr/bin/env bash
# The CI recipes do what they say: the tsafe commands of README's "CI gating" block and of
# docs/ci/*.yml, run in order on a small project, pass on the accepted findings and fail the
# job once a new bug appears.
. "$(dirname "$0")/lib.sh"
P="$WORK/proj"
mkdir -p "$P/src" "$P/build"
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/racy_total.c" "$P/src/"
printf '[{"directory": "%s", "file": "src/racy_total.c", "arguments": ["cc", "-std=gnu17", "-pthread", "-c", "src/racy_total.c"]}]\n' \
	"$P" >"$P/build/compile_commands.json"

# commands FILE: the tsafe command lines of a recipe, one per line, comments dropped.
# README: the ```sh block under "### CI gating"; YAML: `run:` steps and script items (the
# commented instructions at the top are not run).
commands() {
	python3 - "$1" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
if path.endswith(".md"):
    section = text.split("### CI gating", 1)[1]
    text = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = text.splitlines()
else:
    lines = [re.sub(r"^\s*(- )?(run: )?", "", l) for l in text.splitlines()
             if not l.lstrip().startswith("#")]
for line in lines:
    line = re.sub(r"\s+#.*$", "", line).strip()
    if line.startswith("tsafe "):
        print(line)
PY
}

# run_recipe NAME FILE: runs its commands in the project; sets $rc to the first failure's
# status (0 when all passed) and $failed_cmd.
run_recipe() {
	local line
	rc=0
	failed_cmd=
	while IFS= read -r line; do
		(cd "$P" && bash -c "tsafe() { \"\$TSAFE\" \"\$@\"; }; $line") >"$WORK/recipe.out" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			failed_cmd="$line: $(tail -n 3 "$WORK/recipe.out")"
			return
		fi
	done < <(commands "$2")
}

readme_cmds=$(commands "$TSAFE_SOURCE_DIR/README.md")
check "README's CI block has the baseline, scan, gate and report commands" \
	test "$(grep -cE '^tsafe (scan|baseline save|gate|report)' <<<"$readme_cmds")" -ge 4
run_recipe README "$TSAFE_SOURCE_DIR/README.md"
if [ $rc -eq 0 ]; then ok "README's commands run on a project with a known race"; else
	fail "README's commands run on a project with a known race" "$failed_cmd"; fi
check "the baseline it saved holds the race" grep -q '"rule": "data-race"' "$P/tsafe-baseline.json"

for yml in "$TSAFE_SOURCE_DIR"/docs/ci/*.yml; do
	name=docs/ci/$(basename "$yml")
	if python3 -c 'import yaml' 2>/dev/null; then
		check "$name is valid YAML" python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$yml"
	fi
	cmds=$(commands "$yml")
	check "$name scans, writes SARIF and gates" \
		test -n "$(grep '^tsafe scan' <<<"$cmds")" -a -n "$(grep -- '--format sarif' <<<"$cmds")" \
		-a -n "$(grep '^tsafe gate --baseline' <<<"$cmds")"
	rm -f "$P/tsafe.db" "$P/tsafe.sarif" "$P/tsafe-junit.xml"   # a fresh CI checkout
	run_recipe "$name" "$yml"
	if [ $rc -eq 0 ]; then ok "$name passes on the accepted findings"; else
		fail "$name passes on the accepted findings" "$failed_cmd"; fi
	check "$name leaves its SARIF report" test -s "$P/tsafe.sarif"
done

# A new bug: every recipe must now fail the job, at the gate.
sed -i 's|^\ttotal_ms += ms;\(.*\)|\ttotal_ms += ms;\1\n\tstatic int calls;\n\tcalls++;|' "$P/src/racy_total.c"
for yml in "$TSAFE_SOURCE_DIR"/docs/ci/*.yml; do
	name=docs/ci/$(basename "$yml")
	rm -f "$P/tsafe.db"
	run_recipe "$name" "$yml"
	if [ $rc -eq 1 ] && grep -q "^tsafe gate" <<<"$failed_cmd"; then
		ok "$name fails the job at the gate on a new race"
	else
		fail "$name fails the job at the gate on a new race" "status $rc at: $failed_cmd"
	fi
done
finish
