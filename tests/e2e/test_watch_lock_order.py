#!/usr/bin/env python3
"""test_watch_lock_order.py — the watch engine, without a scan, on
tests/fixtures/watch/lock_handoff.c: a frame handed between two threads by a flag they
poll under a mutex (no condition variable: only the mutex's unlock -> lock orders them),
touched by neither holding a lock, gets no finding; the same program in "sections" mode,
where each side touches the frame inside a critical section of its own lock, gets its
race at both lines although the flag ordered every round of the run (two sections under
different locks race whatever order one run took). The first group of variables stays
armed for the whole run (TSAFE_WATCH_SLICE_MS), so both sides' first accesses are seen.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import subprocess
import sys
import tempfile

from e2elib import Tally, env, run_watched


def lines_of(fixture, *needles):
    with open(fixture, encoding="utf-8") as f:
        text = f.read().splitlines()
    return {next(i + 1 for i, l in enumerate(text) if n in l) for n in needles}


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    t = Tally()
    fixture = os.path.join(src, "tests", "fixtures", "watch", "lock_handoff.c")
    sides = lines_of(fixture, "frame = i * 3;", "*sum += frame;")
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-lockorder-") as tmp:
        exe = os.path.join(tmp, "lock_handoff")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", exe, fixture], check=True)
        for mode in ("handoff", "sections"):
            r, ours = run_watched(tsafe, src, exe, mode, tmp)
            if ours is None:
                return 0
            t.check(f"{mode}: the program's output and status are its own",
                    r.returncode == 0 and r.stdout == "sum %d\n" % (3 * 300 * 301 // 2),
                    r.stdout, r.stderr)
            if mode == "handoff":
                t.check("handoff: a frame handed over through a mutex, touched outside it, "
                        "is no race", not ours, json.dumps(ours, indent=1)[:3000])
            else:
                t.check("sections: two critical sections under different locks race, "
                        "though this run ordered them",
                        len(ours) == 1 and ours[0]["symbol"].endswith(":frame")
                        and {l["line"] for l in ours[0]["locations"]} == sides,
                        json.dumps(ours, indent=1)[:3000], r.stderr[-1500:])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
