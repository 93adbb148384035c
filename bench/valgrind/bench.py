#!/usr/bin/env python3
"""bench/valgrind/bench.py — what `tsafe run --engine helgrind|drd` adds on top of running
Valgrind alone: the same racy program under `valgrind --tool=T --xml=yes` and under
`tsafe run --engine T`, alternated in pairs so background load hits both alike, medians of
N rounds, and the overhead ratio (target: under 5%).

    bench/valgrind/bench.py [--rounds N] [--tsafe build/tsafe]

The program is corpus/15_training/racy_best.c (several threads racing on one global), built
with the corpus flags; Valgrind alone gets the same options tsafe passes it. tsafe's share
is reading the XML, matching races with the database, storing and printing them.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def timed(cmd, cwd):
    t = time.monotonic()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--tsafe", default=os.path.join(SRC, "build", "tsafe"))
    ap.add_argument("--program", default=os.path.join(SRC, "corpus/15_training/racy_best.c"))
    a = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("bench: valgrind is not installed (sudo apt-get install valgrind)")
    tmp = tempfile.mkdtemp(prefix="tsafe-bench-vg-")
    exe = os.path.join(tmp, "prog")
    subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", a.program, "-o", exe], check=True)
    supp = os.path.join(SRC, "rules", "valgrind.supp")
    print(f"program: {os.path.relpath(a.program, SRC)}, {a.rounds} rounds, medians")
    print("| tool | valgrind alone (s) | tsafe run (s) | overhead |")
    print("|---|---:|---:|---:|")
    for tool in ("helgrind", "drd"):
        extra = ["--check-stack-var=yes"] if tool == "drd" else []
        alone, wrapped = [], []
        for r in range(a.rounds):
            out = os.path.join(tmp, f"vg.{tool}.{r}.%p.xml")
            vg = ["valgrind", f"--tool={tool}", "--xml=yes", f"--xml-file={out}",
                  "--trace-children=yes", *extra, f"--suppressions={supp}", "--", exe]
            ts = [a.tsafe, "run", "--engine", tool, "--db", os.path.join(tmp, f"{tool}.db"),
                  "--fail-on", "never", "--", exe]
            alone.append(timed(vg, tmp))
            wrapped.append(timed(ts, tmp))
        va, vt = statistics.median(alone), statistics.median(wrapped)
        print(f"| {tool} | {va:.3f} | {vt:.3f} | {100 * (vt - va) / va:+.1f}% |")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
