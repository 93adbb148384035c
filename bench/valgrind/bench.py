#!/usr/bin/env python3
"""bench/valgrind/bench.py — what `tsafe run --engine helgrind|drd` adds on top of running
Valgrind alone (target: under 5%).

    bench/valgrind/bench.py [--rounds N] [--tsafe build/tsafe] [-o FILE]

Two programs, built with the corpus flags (-g -O0 -pthread):
  short  corpus/15_training/racy_best.c: threads racing on one global, about 0.4 s under
         Valgrind — tsafe's fixed cost at its most visible;
  test   bench/valgrind/workload.c: four workers checksumming their buffers, publishing under
         a mutex, one racy counter; about 0.1 s native, 5 s under Valgrind, a test's length.

For each program and tool, Valgrind alone (the options tsafe passes: --xml=yes to a file,
--trace-children=yes, the shipped suppressions, DRD's --check-stack-var=yes) and
`tsafe run --engine TOOL` into a database holding the program's static facts (tsafe scan
first, so matching and the likely-benign checks run as they do for a user) are run in
pairs, the order alternating each round so that background load hits both alike. The table
gives the medians of each and the median of the paired differences, in wall time and in CPU
time (user + system of the whole process tree, less disturbed by other jobs on a shared
machine); the overhead is the median difference over Valgrind alone's median.

A third measure isolates tsafe's fixed cost from Valgrind's noise: `tsafe run` with a stub
`valgrind` that only copies the XML of a real run into place, minus the stub alone.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
TOOLS = ("helgrind", "drd")

STUB = """#!/bin/sh
# Stands in for valgrind: writes the recorded XML where --xml-file says, and nothing else.
for a; do case "$a" in --xml-file=*) f=${a#--xml-file=};; esac; done
cp "$TSAFE_BENCH_XML" "$(echo "$f" | sed "s/%p/$$/")"
"""


def timed(cmd, cwd, env=None):
    """(wall, cpu) seconds of one run; cpu is user + system of the whole process tree."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.monotonic() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        sys.exit(f"bench: '{' '.join(cmd)}' exited {r.returncode}")
    return wall, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def valgrind_cmd(tool, xml, exe):
    extra = ["--check-stack-var=yes"] if tool == "drd" else []
    return ["valgrind", f"--tool={tool}", "--xml=yes", f"--xml-file={xml}", "--trace-children=yes",
            *extra, f"--suppressions={os.path.join(SRC, 'rules', 'valgrind.supp')}", "--", exe]


def paired(a_cmd, b_cmd, rounds, cwd, env=None):
    """Alternating pairs: lists of times of a and b."""
    a, b = [], []
    for r in range(rounds):
        if r % 2:
            b.append(timed(b_cmd, cwd, env))
            a.append(timed(a_cmd, cwd, env))
        else:
            a.append(timed(a_cmd, cwd, env))
            b.append(timed(b_cmd, cwd, env))
    return a, b


def row(name, tool, alone, wrapped):
    cells = []
    for k in (0, 1):
        va = statistics.median(x[k] for x in alone)
        vt = statistics.median(x[k] for x in wrapped)
        d = statistics.median(t[k] - v[k] for v, t in zip(alone, wrapped))
        cells.append(f"{va:.3f} | {vt:.3f} | {1000 * d:+.0f} ms ({100 * d / va:+.1f}%)")
    return f"| {name} | {tool} | {len(alone)} | " + " | ".join(cells) + " |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=11, help="pairs for the test-length program "
                    "(the short one gets three times as many)")
    ap.add_argument("--tsafe", default=os.path.join(SRC, "build", "tsafe"))
    ap.add_argument("-o", "--output", help="also write the table to this file")
    a = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("bench: valgrind is not installed (sudo apt-get install valgrind)")
    tsafe = os.path.abspath(a.tsafe)
    tmp = tempfile.mkdtemp(prefix="tsafe-bench-vg-")
    programs = [("short", os.path.join(SRC, "corpus/15_training/racy_best.c"), 3 * a.rounds),
                ("test", os.path.join(HERE, "workload.c"), a.rounds)]
    lines = ["| program | tool | pairs | wall: valgrind alone (s) | tsafe run (s) | "
             "difference | CPU: valgrind alone (s) | tsafe run (s) | difference |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    fixed = []
    stub_dir = os.path.join(tmp, "stub")
    os.makedirs(stub_dir)
    with open(os.path.join(stub_dir, "valgrind"), "w") as f:
        f.write(STUB)
    os.chmod(os.path.join(stub_dir, "valgrind"), 0o755)
    for name, src, rounds in programs:
        exe = os.path.join(tmp, name)
        subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", src, "-o", exe], check=True)
        for tool in TOOLS:
            db = os.path.join(tmp, f"{name}.{tool}.db")
            subprocess.run([tsafe, "scan", src, "--db", db, "--fail-on", "never", "--root", SRC,
                            "--", "-pthread"], cwd=SRC, capture_output=True, check=True)
            vg = valgrind_cmd(tool, os.path.join(tmp, f"vg.{name}.{tool}.%p.xml"), exe)
            ts = [tsafe, "run", "--engine", tool, "--db", db, "--fail-on", "never", "--", exe]
            alone, wrapped = paired(vg, ts, rounds, SRC)
            lines.append(row(name, tool, alone, wrapped))
            print(lines[-1], flush=True)
            # The stub replays the XML of one real run.
            xml = os.path.join(tmp, f"{name}.{tool}.xml")
            subprocess.run(valgrind_cmd(tool, xml, exe), capture_output=True)
            env = dict(os.environ, TSAFE_BENCH_XML=xml,
                       PATH=stub_dir + os.pathsep + os.environ.get("PATH", ""))
            stub = [os.path.join(stub_dir, "valgrind"), f"--xml-file={tmp}/stub.%p.xml"]
            s_alone, s_ts = paired(stub, ts, 3 * a.rounds, SRC, env)
            fixed.append((name, tool, statistics.median(t[0] - v[0] for v, t in zip(s_alone, s_ts))))
    lines.append("")
    lines.append("tsafe's own cost (tsafe run with a stub valgrind replaying the XML, minus the "
                 "stub; median of paired runs): " +
                 ", ".join(f"{n}/{t} {1000 * d:.0f} ms" for n, t, d in fixed))
    table = "\n".join(lines)
    print(table)
    if a.output:
        with open(a.output, "w") as f:
            f.write(table + "\n")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
