#!/usr/bin/env python3
"""test_handover_judged.py — Helgrind's races on accesses handed over by release/acquire
atomics, judged with the static facts (store/facts_handover.c): the ring slots published
through a release store of `head` and given back through `tail`, and a table filled under
a double-checked lock and published through a separate release flag, are likely benign;
their twins in the same programs (a relaxed publication, a relaxed fast-path check) keep
their race. Fixtures: tests/fixtures/expect/release_index_ring.c, double_checked_flag.c.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2elib import env  # noqa: E402

# program: (a line of the ordered pair's write, a line of the racy twin's write)
CASES = {
    "release_index_ring": (36, 55),
    "double_checked_flag": (28, 42),
}


def helgrind_findings(tsafe, fixtures, name, tmp):
    src = os.path.join(fixtures, name + ".c")
    exe = os.path.join(tmp, name)
    db = os.path.join(tmp, name + ".db")
    out = os.path.join(tmp, name + ".json")
    subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", src, "-o", exe], check=True)
    subprocess.run([tsafe, "scan", src, "--db", db, "--root", fixtures, "--fail-on", "never",
                    "--", "-pthread"], cwd=fixtures, capture_output=True, check=True)
    subprocess.run([tsafe, "run", "--engine", "helgrind", "--db", db, "--root", fixtures,
                    "--format", "json", "-o", out, "--fail-on", "never", "--timeout", "300",
                    "--", exe], cwd=fixtures, capture_output=True, check=True)
    with open(out, encoding="utf-8") as f:
        return [x for x in json.load(f)["findings"] if x["rule"] == "data-race"]


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    fixtures = os.path.join(src, "tests", "fixtures", "expect")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (ordered, racy) in CASES.items():
            races = helgrind_findings(tsafe, fixtures, name, tmp)
            on = lambda line: [f for f in races if any(l["line"] == line for l in f["locations"])]
            good = [f for f in on(ordered)
                    if not (f.get("suppressed") and "release/acquire" in f.get("suppress_reason", ""))]
            bad = [f for f in on(racy) if not f.get("suppressed")]
            for ok, what in ((not good, f"{name}: the race at line {ordered} is likely benign "
                                        f"({[f.get('suppress_reason') for f in on(ordered)]})"),
                             (bool(bad), f"{name}: the twin's race at line {racy} counts")):
                print(("ok   " if ok else "FAIL ") + what)
                if not ok:
                    failures.append(what)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
