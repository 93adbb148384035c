#!/usr/bin/env python3
"""test_watch_static_judged.py — a race the watch engine sees on a variable it watched on its
own (no scan candidate) is judged with the static facts: tests/fixtures/watch/published_table.c
publishes a table by a flag set under a condition's mutex, read by a thread that finds the
flag set without waiting (ordered by the mutex's unlock -> lock, which the watch engine's
clocks do not follow). After `tsafe scan` the static pass reports nothing, and whatever the
watch engine sees on the table in `tsafe run` is kept but marked likely benign, naming the
static pass; without a scan nothing can judge it, and a watch finding stays counted.
Whether the watch engine sees both accesses depends on the schedule; what is checked holds
for every schedule.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import subprocess
import sys
import tempfile

from e2elib import Tally, env

REFUSED = "perf_event_open refused"


def run(tsafe, src, exe, db, out):
    return subprocess.run([tsafe, "run", "--db", db, "--format", "json", "-o", out,
                           "--fail-on", "never", "--", exe], cwd=src, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, TSAFE_WATCH_SLICE_MS="600000"))


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    t = Tally()
    fixture = os.path.join(src, "tests", "fixtures", "watch", "published_table.c")
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-judged-") as tmp:
        exe = os.path.join(tmp, "published_table")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", exe, fixture], check=True)
        for scanned in (True, False):
            db, out = os.path.join(tmp, f"{scanned}.db"), os.path.join(tmp, f"{scanned}.json")
            if scanned:
                s = subprocess.run([tsafe, "scan", fixture, "--db", db, "--root", src,
                                    "--fail-on", "never"], capture_output=True, text=True)
                t.check("scan: the publication is ordered, no finding", s.returncode == 0 and
                        "no findings" in s.stdout + s.stderr, s.stdout, s.stderr)
            r = run(tsafe, src, exe, db, out)
            if REFUSED in r.stderr:
                print("SKIP: " + next(l for l in r.stderr.splitlines() if REFUSED in l))
                return 0
            t.check(f"scanned={scanned}: the program's output and status are its own",
                    r.returncode == 0 and r.stdout == "sum 196\n", r.stdout, r.stderr)
            with open(out, encoding="utf-8") as f:
                ours = [x for x in json.load(f)["findings"] if "watch" in x["engines"]]
            if scanned:
                t.check("scanned: every watch finding on the table is marked likely benign by "
                        "the static facts", all(x.get("suppressed") and "static pass" in
                                                (x.get("suppress_reason") or "") for x in ours),
                        json.dumps(ours, indent=1)[:3000])
            else:
                t.check("no scan: nothing judges a watch finding", not any(
                        x.get("suppressed") for x in ours), json.dumps(ours, indent=1)[:3000])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
