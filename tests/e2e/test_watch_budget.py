#!/usr/bin/env python3
"""test_watch_budget.py — the watch engine's budget for threads that switch often
(runtime/watch_budget.c), observed in what the runtime records (the tick periods its
threads spent armed and resting, in the log's watch-end record), with every writable
variable of tests/fixtures/watch/budget.c watched:

- pingpong (two threads hand a token over through a condition variable, a context switch
  each time): the threads rest their watches in most periods (armed registers would cost
  more than the 3% budget at that rate);
- spin (one thread computing for 0.3 s of CPU): never rested, armed in every period;

and in both the program's output and status are its own.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import os
import struct
import subprocess
import sys
import tempfile

from e2elib import Tally, env

# The candidates file of every writable object, as the benchmark writes it.
sys.path.insert(0, os.path.join(env("TSAFE_SOURCE_DIR"), "bench", "runtime"))
from watch_bench import candidates  # noqa: E402

WATCH_STATE, WATCH_END, RTW_ON, RTW_DENIED = 64, 66, 1, 3


def periods(logdir):
    """(watching status, armed periods, rested periods) from the logs in logdir."""
    status, armed, rested = None, 0, 0
    for name in os.listdir(logdir):
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        off = 0
        while off + 8 <= len(data):
            kind, length = struct.unpack_from("<II", data, off)
            if length < 8:
                break
            if kind == WATCH_STATE:
                status = struct.unpack_from("<I", data, off + 8)[0]
            elif kind == WATCH_END:
                armed, rested = struct.unpack_from("<QQ", data, off + 16)
            off += length
    return status, armed, rested


def main():
    src, build = env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    lib = os.path.join(build, "runtime", "libtsafe-rt.so")
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-budget-") as tmp:
        exe = os.path.join(tmp, "budget")
        subprocess.run(["cc", "-std=gnu17", "-O1", "-g", "-pthread", "-o", exe,
                        os.path.join(src, "tests", "fixtures", "watch", "budget.c")], check=True)
        cands = os.path.join(tmp, "cands")
        candidates(exe, cands, 64)
        seen = {}
        for mode, output in (("pingpong", "handed 100000\n"), ("spin", "spun\n")):
            logs = os.path.join(tmp, mode)
            os.mkdir(logs)
            r = subprocess.run([exe, mode], capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, LD_PRELOAD=lib, TSAFE_RT_OUT=logs,
                                        TSAFE_WATCH=cands))
            status, armed, rested = periods(logs)
            if status == RTW_DENIED:
                print("SKIP: perf_event_open refused on this machine")
                return 0
            seen[mode] = (armed, rested)
            t.check(f"{mode}: watching on, the program's output and status its own",
                    status == RTW_ON and r.returncode == 0 and r.stdout == output,
                    f"status {status}, exit {r.returncode}", r.stdout, r.stderr)
        armed, rested = seen["pingpong"]
        t.check("pingpong: threads that switch at every hand-over rest their watches most of "
                "the time", rested > armed > 0, f"armed {armed}, rested {rested} periods")
        armed, rested = seen["spin"]
        t.check("spin: a thread that only computes is never rested",
                armed > 0 and rested == 0, f"armed {armed}, rested {rested} periods")
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
