#!/usr/bin/env python3
"""test_watch_safety.py — the watch engine never harms the program it watches
(tests/fixtures/watch/safety.c, run under `tsafe run` with its racing variable watched):
a program that closes every descriptor it did not open and reuses their numbers keeps
its files untouched when watched threads end later; a program that sets its own SIGTRAP
handler gets its own SIGTRAP (and watching stops); a program that blocks every signal in
its threads still runs. Each exits 0 with its own output, and the race watched before
is reported. Threads that spend system time and sleep in poll and nanosleep
(tests/fixtures/watch/sleepy.c) are never woken early by the engine's tick (a signal on
their CPU time, delivered on the way back to user mode: no call is interrupted). Where perf_event_open is refused (tests/fixtures/watch/deny_perf.c: a seccomp
filter), one line says so and the run is otherwise the same.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import os
import subprocess
import sys
import tempfile

from e2elib import Tally, env


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-safety-") as tmp:
        exe = os.path.join(tmp, "safety")
        fixture = os.path.join(src, "tests", "fixtures", "watch", "safety.c")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", exe, fixture], check=True)
        for mode in ("closefrom", "sigtrap", "blockall"):
            db = os.path.join(tmp, mode + ".db")
            r = subprocess.run([tsafe, "run", "--db", db, "--fail-on", "never", "--", exe, mode],
                               cwd=src, capture_output=True, text=True, timeout=120)
            if "perf_event_open refused" in r.stderr:
                print("SKIP: " + next(l for l in r.stderr.splitlines() if "refused" in l))
                return 0
            t.check(f"{mode}: the program ends as it would alone (status 0, its own output)",
                    r.returncode == 0 and r.stdout.startswith("hits "), r.stdout, r.stderr)
            t.check(f"{mode}: the race watched before is reported",
                    "data race on 'hits' seen" in r.stderr, r.stderr)
        sleepy = os.path.join(tmp, "sleepy")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", sleepy,
                        os.path.join(src, "tests", "fixtures", "watch", "sleepy.c")], check=True)
        r = subprocess.run([tsafe, "run", "--db", os.path.join(tmp, "sleepy.db"), "--fail-on",
                            "never", "--", sleepy], cwd=src, capture_output=True, text=True,
                           timeout=120)
        t.check("sleepy: watched threads' poll and nanosleep never end with EINTR",
                r.returncode == 0 and r.stdout == "interrupted 0\n"
                and "watched in turn" in r.stderr, r.stdout, r.stderr)
        deny = os.path.join(tmp, "deny_perf")
        subprocess.run(["cc", "-O1", "-o", deny, os.path.join(src, "tests", "fixtures", "watch",
                                                              "deny_perf.c")], check=True)
        r = subprocess.run([deny, tsafe, "run", "--db", os.path.join(tmp, "deny.db"), "--fail-on",
                            "never", "--", exe, "blockall"], cwd=src, capture_output=True,
                           text=True, timeout=120)
        said = [l for l in r.stderr.splitlines() if "perf_event_open refused" in l]
        t.check("perf_event_open refused: one line says so, the program runs as alone",
                r.returncode == 0 and r.stdout.startswith("hits ") and len(said) == 1
                and "data race on" not in r.stderr, r.stdout, r.stderr)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
