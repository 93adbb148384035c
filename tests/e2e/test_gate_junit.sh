#!/usr/bin/env bash
# `--format junit`: CI systems list each finding as a failed test. Checked by parsing the XML
# with python3's xml.etree, including a source file whose name needs escaping (and holds a
# control character and a byte that is not UTF-8, which XML cannot carry).
. "$(dirname "$0")/lib.sh"
P="$WORK/proj"
mkdir -p "$P"
WEIRD=$'we&ird <"na\x01me\xff">\'.c'
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/racy_total.c" "$P/$WEIRD"
# race.c: the same race, plus strtok twice in code both threads run, the second suppressed inline.
python3 - "$TSAFE_SOURCE_DIR/corpus/02_gather/racy_total.c" "$P/race.c" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("#include <time.h>\n", '#include <time.h>\n#include <string.h>\n\nstatic char names[] = "a,b";\n', 1)
s = s.replace('static void run_task(const char *name, long ms)\n{\n',
              'static void run_task(const char *name, long ms)\n{\n\tputs(strtok(names, ","));\n'
              '\tputs(strtok(NULL, ",")); /* tsafe: ignore[mt-unsafe-call] */\n', 1)
open(sys.argv[2], "w").write(s)
PY
DB="$WORK/t.db"

run_tsafe scan "$P/race.c" "$P/$WEIRD" --db "$DB" --root "$P" --format junit -o "$WORK/scan.xml"
expect "scan --format junit" 1
run_tsafe report --db "$DB" --format junit -o "$WORK/r.xml"
expect "report --format junit" 0
run_tsafe report --db "$DB" --format json -o "$WORK/r.json"
expect "report --format json (to compare with)" 0

check "JUnit XML: one suite per rule, one failed testcase per finding" python3 - "$WORK/r.xml" "$WORK/r.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
# The JSON report is the reference; its bytes are not all UTF-8 (the odd file name).
findings = json.loads(open(sys.argv[2], "rb").read().decode("utf-8", "replace"))["findings"]
assert root.tag == "testsuites", root.tag
assert int(root.get("tests")) == len(findings) == 4, (root.attrib, len(findings))
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert sorted(suites) == ["data-race", "mt-unsafe-call"], sorted(suites)
weird = 'we&ird <"na\ufffdme\ufffd">\'.c'
seen = set()
for rule, suite in suites.items():
    cases = suite.findall("testcase")
    want = [f for f in findings if f["rule"] == rule]
    assert int(suite.get("tests")) == len(cases) == len(want), (rule, suite.attrib, len(cases))
    for case in cases:
        name = case.get("name")
        assert name.endswith(" " + rule), name
        seen.add(name)
        match = [f for f in want if name == "%s:%d %s" % (f["locations"][0]["file"].replace("\x01", "\ufffd"),
                                                       f["locations"][0]["line"], rule)]
        assert len(match) == 1, (name, [f["locations"][0] for f in want])
        f = match[0]
        failure, skipped = case.find("failure"), case.find("skipped")
        if f["suppressed"]:
            assert failure is None and skipped is not None, name
            continue
        assert failure is not None and skipped is None, name
        assert failure.get("message") == f["message"], (failure.get("message"), f["message"])
        assert failure.get("type") == f["severity"], failure.attrib
        body = failure.text
        # The body is the text rendering: headline, the evidence, no summary line.
        assert body.startswith("%s:%d:" % (name.rsplit(" ", 1)[0].rsplit(":", 1)[0], f["locations"][0]["line"])), body
        assert "[%s]" % rule in body.splitlines()[0], body
        assert "in thread 'task_" in body, body
        assert "finding (" not in body and "findings (" not in body, body
    failures = sum(c.find("failure") is not None for c in cases)
    assert int(suite.get("failures")) == failures, suite.attrib
assert "%s:24 data-race" % weird in seen, seen
assert sum(f["suppressed"] for f in findings) == 1, findings
assert int(root.get("failures")) == 3 and int(root.get("skipped")) == 1, root.attrib
PY
check "the scan writes the same JUnit as the report" cmp -s "$WORK/scan.xml" "$WORK/r.xml"

# Nothing found: still a valid, empty report (CI systems reject a missing file).
cp "$TSAFE_SOURCE_DIR/corpus/02_gather/correct.c" "$P/"
run_tsafe scan "$P/correct.c" --db "$WORK/clean.db" --root "$P" --format junit -o "$WORK/clean.xml"
expect "clean scan --format junit" 0
check "clean: a valid report with no tests" python3 - "$WORK/clean.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "0" and len(root) == 0, ET.tostring(root)
PY

run_tsafe report --db "$DB" --format xml
expect "an unknown format lists junit among the choices" 2 "use text, json, sarif, junit or html"
finish
