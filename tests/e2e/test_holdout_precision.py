#!/usr/bin/env python3
"""test_holdout_precision.py — all engines combined (`tsafe scan`, `tsafe run`, `tsafe run
--engine all` into one database per program) on the holdout programs of
tests/fixtures/holdout/, written apart from the corpus in the style of real code
(bench/precision/precision.py measures them; figures in bench/precision/README.md).

Exact, except for what is listed below with its cause: every finding that counts is a
marked bug, one finding per bug, and every marked bug is found. A wrong finding not on the
KNOWN_WRONG list, or a missed bug not on KNOWN_MISSED, fails; so does a precision or
recall below the measured figures. An entry that stops happening (its cause fixed) is
printed, to be removed.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from e2elib import env

# (program, rule, line): each a finding that counts and is not a bug, with its cause.
KNOWN_WRONG = {
}
# (program, rule, line): marked bugs combined may miss, with the cause.
KNOWN_MISSED = {
}
PRECISION_FLOOR = 1.00     # 14 of 14
RECALL_FLOOR = 1.00        # 14 of 14

LINE = re.compile(r"^(\S+\.c): (\S+) at line (\d+)")


def key(text):
    m = LINE.match(text)
    return (m.group(1), m.group(2), int(m.group(3))) if m else (text, "", 0)


def main(programs="holdout", precision_floor=PRECISION_FLOOR, recall_floor=RECALL_FLOOR,
         known_wrong=KNOWN_WRONG, known_missed=KNOWN_MISSED, schedule_wrong=None):
    """Combined figures on tests/fixtures/<programs>/ against the floors and known lists
    (test_holdout2_precision.py calls this for the second set). schedule_wrong: wrong
    entries the schedule decides (a tool may name any of a hand-over's lines): accepted
    like known_wrong, but not noted when they do not happen."""
    schedule_wrong = schedule_wrong or {}
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    with tempfile.TemporaryDirectory(prefix="tsafe-holdout-") as tmp:
        out = os.path.join(tmp, "figures.json")
        r = subprocess.run([sys.executable, os.path.join(src, "bench", "precision", "precision.py"),
                            "--tsafe", tsafe, "--engines", "combined", "--json", out,
                            "--programs", os.path.join(src, "tests", "fixtures", programs)],
                           capture_output=True, text=True, timeout=580)
        print(r.stdout[-3000:], r.stderr[-2000:])
        if r.returncode != 0:
            print(f"FAIL precision.py exited {r.returncode}")
            return 1
        with open(out, encoding="utf-8") as f:
            c = json.load(f)["engines"]["combined"]
    failed = 0

    def check(ok, what):
        nonlocal failed
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}")

    for what, value, floor in (("precision", c["precision"], precision_floor),
                               ("recall", c["recall"], recall_floor)):
        check(value >= floor, f"combined {what} {value:.2f} (at least {floor:.2f})")
    for line in c["wrong"]:
        k = key(line)
        cause = known_wrong.get(k) or schedule_wrong.get(k)
        check(cause is not None, f"wrong: {line}" + (f" [known: {cause}]" if cause else ""))
    for line in c["missed"]:
        k = key(line)
        check(k in known_missed, f"missed: {line}" + (f" [known: {known_missed[k]}]" if k in known_missed else ""))
    seen = {key(l) for l in c["wrong"] + c["missed"]}
    for k in set(known_wrong) - seen:
        print(f"note: {k} no longer wrong: remove it from KNOWN_WRONG")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
