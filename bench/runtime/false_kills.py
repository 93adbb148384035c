#!/usr/bin/env python3
"""false_kills.py — how often the runtime ends a correct program as deadlocked.

  bench/runtime/false_kills.py [--runs 40] [--items 3000000] [--lib build/runtime/libtsafe-rt.so]
                               [--base-lib OLD/libtsafe-rt.so] [--sliced]

Runs prodcons (a correct producer/consumer program: bench/runtime/prodcons.c) under the
runtime, with and without the watch engine, --runs times each, and counts the runs ended
with the runtime's deadlock status (124). Any count above zero is a defect: a false kill
changes what the program does. A rate, not a test: the defect it found showed in one run
in seven, so it is measured over many runs, not asserted in a few. Contended lock waits
are the timer-less ones (TSAFE_RT_UNTIMED_WAIT=1, set for both libraries, so that a
library from before they were the default is measured the same way) unless --sliced.
With --base-lib the other library runs in the same rounds, alternating, so that both see
the same machine load."""
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
    ap.add_argument("--base-lib", help="another libtsafe-rt.so, run in the same rounds")
    ap.add_argument("--sliced", action="store_true", help="TSAFE_RT_UNTIMED_WAIT=0")
    a = ap.parse_args()
    libs = {"lib": os.path.abspath(a.lib)}
    if a.base_lib:
        libs = {"base": os.path.abspath(a.base_lib), **libs}
    modes = ("runtime", "runtime + watch")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "prodcons")
        watch_bench.build(os.path.join(here, "prodcons.c"), exe)
        cands = os.path.join(tmp, "prodcons.cands")
        watch_bench.candidates(exe, cands, 64)
        kills = {(lib, mode): 0 for lib in libs for mode in modes}
        for i in range(a.runs):
            for lib, mode in kills:
                with tempfile.TemporaryDirectory() as logs:
                    env = dict(os.environ, LD_PRELOAD=libs[lib], TSAFE_RT_OUT=logs,
                               TSAFE_RT_UNTIMED_WAIT="0" if a.sliced else "1")
                    if mode.endswith("watch"):
                        env["TSAFE_WATCH"] = cands
                    r = subprocess.run([exe, a.items, "2"], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
                if r.returncode == DEADLOCK_EXIT:
                    kills[(lib, mode)] += 1
                    print(f"run {i}, {lib} {mode}: ended as deadlocked: {r.stderr.strip()[:200]}",
                          flush=True)
                elif r.returncode:
                    sys.exit(f"false_kills: prodcons failed with status {r.returncode}")
    print(f"| library | {' | '.join(modes)} |")
    print(f"|---|{'---|' * len(modes)}")
    for lib, path in libs.items():
        cells = " | ".join(f"{kills[(lib, m)]} of {a.runs}" for m in modes)
        print(f"| {lib} ({path}) | {cells} |")
    return 1 if any(kills[(lib, m)] for lib in ("lib",) for m in modes) else 0


if __name__ == "__main__":
    sys.exit(main())
