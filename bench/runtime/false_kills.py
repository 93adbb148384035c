#!/usr/bin/env python3
"""false_kills.py — how often the runtime ends a correct program as deadlocked.

  bench/runtime/false_kills.py [--runs 40] [--items 3000000] [--lib build/runtime/libtsafe-rt.so]

Runs prodcons (a correct producer/consumer program: bench/runtime/prodcons.c) under the
runtime, with and without the watch engine, --runs times each, and counts the runs ended
with the runtime's deadlock status (124). Any count above zero is a defect: a false kill
changes what the program does. A rate, not a test: the defect it found showed in one run
in seven, so it is measured over many runs, not asserted in a few."""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watch_bench  # noqa: E402  (build and candidates)

DEADLOCK_EXIT = 124


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--items", default="3000000")
    ap.add_argument("--lib", default=os.path.join(here, "..", "..", "build", "runtime",
                                                   "libtsafe-rt.so"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "prodcons")
        watch_bench.build(os.path.join(here, "prodcons.c"), exe)
        cands = os.path.join(tmp, "prodcons.cands")
        watch_bench.candidates(exe, cands, 64)
        kills = {"runtime": 0, "runtime + watch": 0}
        for i in range(a.runs):
            for mode in kills:
                with tempfile.TemporaryDirectory() as logs:
                    env = dict(os.environ, LD_PRELOAD=os.path.abspath(a.lib), TSAFE_RT_OUT=logs)
                    if mode.endswith("watch"):
                        env["TSAFE_WATCH"] = cands
                    r = subprocess.run([exe, a.items, "2"], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
                if r.returncode == DEADLOCK_EXIT:
                    kills[mode] += 1
                    print(f"run {i}, {mode}: ended as deadlocked: {r.stderr.strip()[:200]}",
                          flush=True)
                elif r.returncode:
                    sys.exit(f"false_kills: prodcons failed with status {r.returncode}")
    for mode, n in kills.items():
        print(f"{mode}: {n} of {a.runs} runs ended as deadlocked")
    return 1 if any(kills.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
