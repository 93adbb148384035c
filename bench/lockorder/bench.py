#!/usr/bin/env python3
"""bench.py — the lock-order search of both engines on N lock classes (bench/README.md).

For each N, two programs from gen.py: N mutexes nested in one order by two threads
(N(N-1)/2 orders, no inversion), and the same with one thread taking the last and then the
first (one inversion). Measured, medians of --rounds runs:

  analysis   each engine alone, from its input to its findings, no database
             (build/bench/lockorder/bench_lockorder_engines): static = analyze_program on
             the extracted facts; runtime = the logs of one run read, symbolised and searched;
             cross-run = the search over N(N-1)/2 stored edges of this run and one inverted
             edge of another run
  command    the whole `tsafe scan FILE` and `tsafe run -- ./prog`, each into a fresh
             database (parse, analysis, storing the orders: the scan those no
             longer path implies, the run every order it saw; report)

and the lock-order-inversion findings of each (0 and 1 are right). --compare BUILD runs the
whole commands of another build too (e.g. one from before the change), each cut at
--limit seconds.

  bench/lockorder/bench.py                      # N = 250 500 1000, 5 rounds
  bench/lockorder/bench.py --sizes 100,200 --compare /tmp/old/build --limit 300
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def timed(cmd, limit, **kw):
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, **kw)
    except subprocess.TimeoutExpired:
        return None, None
    return time.monotonic() - t0, r


def inversions(tsafe, db):
    r = subprocess.run([tsafe, "report", "--db", db, "--format", "json"], capture_output=True,
                       text=True)
    try:
        found = json.loads(r.stdout)["findings"]
    except (ValueError, KeyError):
        return "?"
    return sum(f["rule"] == "lock-order-inversion" for f in found)


def command(build, kind, c, exe, work, limit):
    """Seconds and findings of one whole tsafe command into a fresh database."""
    tsafe = os.path.join(build, "tsafe")
    db = os.path.join(work, "b.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    cmd = [tsafe, "scan", c, "--db", db] if kind == "scan" else [tsafe, "run", "--db", db, "--", exe]
    secs, r = timed(cmd, limit, cwd=work)
    return (secs, inversions(tsafe, db)) if secs is not None else (None, "-")


def analysis(build, args, limit):
    engines = os.path.join(build, "bench", "lockorder", "bench_lockorder_engines")
    _, r = timed([engines, *args], limit)
    if r is None or r.returncode:
        return None, "-"
    secs, found, _edges = r.stdout.split()
    return float(secs), int(found)


def median(samples):
    secs = [s for s, _ in samples if s is not None]
    found = samples[-1][1]
    return (statistics.median(secs) if len(secs) == len(samples) else None), found


def fmt(result, limit):
    secs, found = result
    return (f"{secs:.2f}" if secs is not None else f"> {limit:.0f}") + f" ({found})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="250,500,1000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--compare", help="another build directory: its whole commands too")
    ap.add_argument("--limit", type=float, default=600, help="seconds before a command is cut")
    a = ap.parse_args()
    rt = os.path.join(a.build, "runtime", "libtsafe-rt.so")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in [int(x) for x in a.sizes.split(",")]:
            for inv in (False, True):
                name = f"{'inversion' if inv else 'order'}{n}"
                c, exe = os.path.join(work, name + ".c"), os.path.join(work, name)
                with open(c, "w") as out:
                    subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(n)] +
                                   (["--inversion"] if inv else []), stdout=out, check=True)
                subprocess.run(["cc", "-g", "-O0", "-pthread", c, "-o", exe], check=True)
                logs = os.path.join(work, name + ".logs")
                os.mkdir(logs)
                subprocess.run([exe], env=dict(os.environ, LD_PRELOAD=rt, TSAFE_RT_OUT=logs),
                               check=True)
                r = {"n": n, "inv": inv}
                r["static"] = median([analysis(a.build, ["static", c], a.limit) for _ in range(a.rounds)])
                r["runtime"] = median([analysis(a.build, ["runtime", logs], a.limit) for _ in range(a.rounds)])
                r["crossrun"] = median([analysis(a.build, ["crossrun", str(n)] + (["inv"] if inv else []), a.limit)
                                        for _ in range(a.rounds)])
                for kind in ("scan", "run"):
                    r[kind] = median([command(a.build, kind, c, exe, work, a.limit) for _ in range(a.rounds)])
                    if a.compare:
                        r["old " + kind] = command(a.compare, kind, c, exe, work, a.limit)
                shutil.rmtree(logs)
                rows.append(r)
                print(f"N={n} {'inversion' if inv else 'order'}: " +
                      ", ".join(f"{k} {fmt(v, a.limit)}" for k, v in r.items() if isinstance(v, tuple)),
                      file=sys.stderr)
    cols = ["static", "runtime", "crossrun", "scan", "run"] + (["old scan", "old run"] if a.compare else [])
    print("| N | inversions in the program | " + " | ".join(cols) + " |")
    print("| ---: | --- |" + " ---: |" * len(cols))
    for r in rows:
        print(f"| {r['n']} | {'one' if r['inv'] else 'none'} | " +
              " | ".join(fmt(r[k], a.limit) for k in cols) + " |")
    load = os.getloadavg()
    print(f"\nSeconds (lock-order-inversion findings); medians of {a.rounds} rounds; "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end.")


if __name__ == "__main__":
    main()
