#!/usr/bin/env python3
"""lock_cost.py — what the runtime's uncontended lock/unlock path costs, on one thread.

  bench/runtime/lock_cost.py [--lib build/runtime/libtsafe-rt.so] [--base-lib OLD.so]
                             [--reps 11] [--iters 8000000] [--callgrind]

Runs lockheavy on one thread (no scheduling between threads, so the machine's load moves
the figures least), with WORK 48 and 0 (locking only), natively, with the bare forwarding
interposer (bare_interposer.c), with --base-lib, with --lib, and with --lib while it
calls glibc for every lock and unlock (TSAFE_RT_INLINE_MUTEX=0), all in the same
alternating rounds: medians of the processes' CPU time (user + system), as ratios to
native. With --callgrind, also the instructions per iteration of each (callgrind at two
iteration counts, the difference divided by theirs: exact and repeatable whatever the
load)."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watch_bench  # noqa: E402  (build)

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_seconds(cmd, env):
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        sys.exit(f"lock_cost: {' '.join(cmd)} failed (wait status {status})")
    return ru.ru_utime + ru.ru_stime


def instructions(cmd, env, out):
    r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
                       env=env, capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not m:
        sys.exit(f"lock_cost: callgrind failed: {r.stderr[-500:]}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=os.path.join(HERE, "..", "..", "build", "runtime",
                                                   "libtsafe-rt.so"))
    ap.add_argument("--base-lib", help="another libtsafe-rt.so, in the same rounds")
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--iters", type=int, default=8000000)
    ap.add_argument("--callgrind", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = watch_bench.build(os.path.join(HERE, "lockheavy.c"), os.path.join(tmp, "lockheavy"))
        bare = os.path.join(tmp, "bare.so")
        r = subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-pthread", "-o", bare,
                            os.path.join(HERE, "bare_interposer.c")], capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"lock_cost: cannot build the bare interposer: {r.stderr}")
        logs = os.path.join(tmp, "logs")
        os.mkdir(logs)
        runs = {"native": {}, "bare interposer": {"LD_PRELOAD": bare}}
        if a.base_lib:
            runs["base"] = {"LD_PRELOAD": os.path.abspath(a.base_lib), "TSAFE_RT_OUT": logs}
        lib = {"LD_PRELOAD": os.path.abspath(a.lib), "TSAFE_RT_OUT": logs}
        runs["runtime, glibc's lock and unlock"] = dict(lib, TSAFE_RT_INLINE_MUTEX="0")
        runs["runtime"] = lib
        rows = []
        for work in ("48", "0"):
            cmd = [exe, str(a.iters), "1", work]
            cpu = {k: [] for k in runs}
            for _ in range(a.reps):
                for k, e in runs.items():
                    cpu[k].append(cpu_seconds(cmd, dict(os.environ, **e)))
            native = statistics.median(cpu["native"])
            for k in runs:
                cell = f"x{statistics.median(cpu[k]) / native:.3f}"
                if a.callgrind:
                    env = dict(os.environ, **runs[k])
                    lo, hi = (instructions([exe, n, "1", work], env, os.path.join(tmp, "cg.out"))
                              for n in ("100000", "200000"))
                    cell += f" | {(hi - lo) / 100000:.0f}"
                rows.append(f"| lockheavy 1 thread, WORK {work} | {k} | "
                            f"{statistics.median(cpu[k]):.3f} s | {cell} |")
                print(rows[-1], flush=True)
    head = "| benchmark | build | CPU (median) | ratio |" + (" instructions / iteration |"
                                                          if a.callgrind else "")
    print(head)
    print("|---|---|---|---|" + ("---|" if a.callgrind else ""))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
