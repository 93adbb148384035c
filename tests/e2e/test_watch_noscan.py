#!/usr/bin/env python3
"""test_watch_noscan.py — the watch engine without a scan (it watches the program's own
variables) on tests/fixtures/watch/atomic_counter.c: two threads updating a plain long
with __atomic_fetch_add (a lock-prefixed add) and reading it with __atomic_load_n (a
plain move) get no finding; the same program with "plain" (an ordinary ++ from both
threads) gets its race, at the line of the ++, seen by engine 'watch'. The program's
output is its own in both. The first group of variables (the counters) stays armed for
the whole run (TSAFE_WATCH_SLICE_MS), so each thread's first access is watched however
late the threads start: the race is confirmed by ordering, not timing.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from e2elib import Tally, env, run_watched


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    t = Tally()
    fixture = os.path.join(src, "tests", "fixtures", "watch", "atomic_counter.c")
    with open(fixture, encoding="utf-8") as f:
        plain_line = next(i + 1 for i, l in enumerate(f) if "plain_hits++" in l)
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-noscan-") as tmp:
        exe = os.path.join(tmp, "atomic_counter")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", exe, fixture], check=True)
        for mode in ("atomic", "plain"):
            r, ours = run_watched(tsafe, src, exe, mode, tmp)
            if ours is None:
                return 0
            # The plain ++ loses updates natively too: its count is the program's, any of them.
            m = re.fullmatch(r"counted (\d+)\n", r.stdout)
            counted_ok = m and (int(m.group(1)) == 400000 if mode == "atomic"
                                else 0 < int(m.group(1)) <= 400000)
            t.check(f"{mode}: the program's output and status are its own",
                    r.returncode == 0 and counted_ok, r.stdout, r.stderr)
            if mode == "atomic":
                t.check("atomic: a plain word used only through atomic builtins is no race",
                        not ours, json.dumps(ours, indent=1)[:3000])
            else:
                t.check("plain: the race on the counter is seen at its ++ by two threads",
                        len(ours) == 1 and ours[0]["symbol"].endswith("plain_hits")
                        and {l["line"] for l in ours[0]["locations"]} == {plain_line},
                        json.dumps(ours, indent=1)[:3000], r.stderr[-1500:])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
