#!/usr/bin/env python3
"""bench.py — what the runtime checkers cost, measured in one run: each benchmark
(lockheavy, contended, prodcons) natively, under `tsafe run` (the whole process: tsafe,
the program with libtsafe-rt.so, reading and storing its logs), under Helgrind and DRD,
built with ThreadSanitizer (gcc -fsanitize=thread), and with a bare forwarding
interposer preloaded (bare_interposer.c: what interposing the lock calls costs at all).

  bench/runtime/bench.py [--tsafe build/tsafe] [--reps 7] [--quick] [-o table.md]

Slowdowns are medians of paired runs (native and the tool back to back, in alternating
order, so machine noise hits both). Helgrind and DRD are 100-1000x slower on this kind
of code: they run a smaller size (--vg-div times fewer iterations), compared with native
runs of that same size. Peak memory is the largest resident set of the process tree
(for tsafe run that includes tsafe itself, about 60 MB of it libclang; the runtime's own
share is the "in program" column: the program run with LD_PRELOAD alone).
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
ROOT = os.path.dirname(os.path.dirname(HERE))

BENCHMARKS = [
    # label, program, arguments at full size, what it is, held to the 1.25x target
    ("lockheavy", "lockheavy", ["3000000", "4", "48"],
     "4 threads x 3M iterations, each a nested pair + a single pair around ~75 ns of work; "
     "uncontended", True),
    ("contended", "contended", ["4000000", "4"], "4 threads taking turns on one mutex", True),
    ("prodcons", "prodcons", ["3000000", "2"],
     "2 producers + 2 consumers, bounded queue, mutex + 2 condition variables", True),
    ("lock/unlock only", "lockheavy", ["6000000", "4", "0"],
     "lockheavy with empty critical sections: the runtime's bare cost per lock", False),
]


def build(src, out, extra=()):
    cmd = ["cc", "-std=gnu17", "-O2", "-g", "-pthread", *extra, "-o", out, src]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"bench: cannot build {src}: {r.stderr}")
    return out


def measure(cmd, env=None):
    """Wall seconds and peak RSS (KB) of the process tree of cmd. GNU time reports the
    memory: a child of this Python process would inherit Python's peak."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, **(env or {})))
        secs = time.perf_counter() - t0
        if r.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(cmd)} failed with status {r.returncode}")
        return secs, int(rss.read().split()[-1])


def paired(native_cmd, tool_cmd, reps, env=None):
    """Median native time, median tool time, median of per-pair ratios, peak RSS of each."""
    nt, tt, ratios, nm, tm = [], [], [], 0, 0
    for i in range(reps):
        if i % 2:
            t, tmem = measure(tool_cmd, env)
            n, nmem = measure(native_cmd)
        else:
            n, nmem = measure(native_cmd)
            t, tmem = measure(tool_cmd, env)
        nt.append(n)
        tt.append(t)
        ratios.append(t / n)
        nm, tm = max(nm, nmem), max(tm, tmem)
    return statistics.median(nt), statistics.median(tt), statistics.median(ratios), nm, tm


def fmt_mb(kb):
    return f"{kb / 1024:.0f} MB" if kb >= 10240 else f"{kb / 1024:.1f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tsafe", default=os.path.join(ROOT, "build", "tsafe"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--vg-div", type=int, default=100, help="Helgrind/DRD run 1/N of the iterations")
    ap.add_argument("--quick", action="store_true", help="3 repetitions, sizes / 4")
    ap.add_argument("-o", "--output", help="also write the Markdown table here")
    ap.add_argument("--only", help="comma-separated benchmark names")
    args = ap.parse_args()
    if args.quick:
        args.reps = 3
    tsafe = os.path.abspath(args.tsafe)
    lib = os.path.join(os.path.dirname(tsafe), "runtime", "libtsafe-rt.so")
    if not os.access(tsafe, os.X_OK) or not os.path.exists(lib):
        sys.exit(f"bench: build tsafe and tsafe-rt first ({tsafe}, {lib})")
    have_vg = shutil.which("valgrind") is not None
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("bench: /usr/bin/time (GNU time) is needed to read peak memory; apt-get install time")
    rows = []
    with tempfile.TemporaryDirectory(prefix="tsafe-bench-") as work:
        db = os.path.join(work, "bench.db")
        logs = os.path.join(work, "logs")
        os.mkdir(logs)
        bare = os.path.join(work, "bare_interposer.so")
        build(os.path.join(HERE, "bare_interposer.c"), bare, ["-shared", "-fPIC"])
        for name, prog, full, what, target in BENCHMARKS:
            if args.only and prog not in args.only.split(","):
                continue
            src = os.path.join(HERE, prog + ".c")
            native = build(src, os.path.join(work, prog))
            tsan = build(src, os.path.join(work, prog + "_tsan"), ["-fsanitize=thread"])
            size = list(full)
            if args.quick:
                size[0] = str(int(size[0]) // 4)
            print(f"{name}: {what}, size {' '.join(size)}", file=sys.stderr)
            n, t, r_tsafe, nmem, tmem = paired([native, *size],
                                               [tsafe, "run", "--db", db, "--", native, *size], args.reps)
            _, _, _, _, inprog = paired([native, *size], [native, *size], 1,
                                        env={"LD_PRELOAD": lib, "TSAFE_RT_OUT": logs})
            _, _, r_bare, _, _ = paired([native, *size], [native, *size], args.reps,
                                        env={"LD_PRELOAD": bare})
            _, _, r_tsan, _, tsanmem = paired([native, *size], [tsan, *size], max(1, args.reps // 2))
            row = {"name": name, "what": what, "target": target, "size": " ".join(size),
                   "native": n, "tsafe": t,
                   "r_tsafe": r_tsafe, "r_tsan": r_tsan, "r_bare": r_bare, "mem_native": nmem, "mem_tsafe": tmem,
                   "mem_inprog": inprog, "mem_tsan": tsanmem}
            small = [str(max(1, int(size[0]) // args.vg_div)), *size[1:]]
            for tool in ("helgrind", "drd"):
                if not have_vg:
                    row["r_" + tool], row["mem_" + tool] = None, 0
                    continue
                _, _, ratio, _, mem = paired([native, *small], ["valgrind", f"--tool={tool}", "-q",
                                                                native, *small], 1)
                row["r_" + tool], row["mem_" + tool] = ratio, mem
            rows.append(row)
            print(f"  native {n:.2f} s, tsafe run x{r_tsafe:.2f}, TSan x{r_tsan:.1f}", file=sys.stderr)
    lines = ["| benchmark | native | tsafe run | bare interposer | ThreadSanitizer | Helgrind | DRD |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        vg = {k: (f"x{r['r_' + k]:.0f}" if r["r_" + k] else "n/a") for k in ("helgrind", "drd")}
        mark = "**" if r["target"] else ""
        lines.append(f"| {r['name']} | {r['native']:.2f} s | {mark}x{r['r_tsafe']:.2f}{mark} "
                     f"| x{r['r_bare']:.2f} | x{r['r_tsan']:.1f} | {vg['helgrind']} | {vg['drd']} |")
    lines += ["", "| benchmark | peak memory: native | tsafe run (whole) | runtime in program "
              "| ThreadSanitizer | Helgrind | DRD |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {fmt_mb(r['mem_native'])} | {fmt_mb(r['mem_tsafe'])} "
                     f"| {fmt_mb(r['mem_inprog'])} | {fmt_mb(r['mem_tsan'])} "
                     f"| {fmt_mb(r['mem_helgrind']) if r['mem_helgrind'] else 'n/a'} "
                     f"| {fmt_mb(r['mem_drd']) if r['mem_drd'] else 'n/a'} |")
    lines += ["", f"Medians of paired runs ({args.reps} for tsafe, {max(1, args.reps // 2)} for "
              f"ThreadSanitizer); Helgrind and DRD at 1/{args.vg_div} of the iterations, against "
              f"native runs of that size; {os.cpu_count()} CPUs. Benchmarks:", ""]
    lines += [f"- {r['name']} (`{r['size']}`): {r['what']}" for r in rows]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(table)
    worst = max((r["r_tsafe"] for r in rows if r["target"]), default=0)
    return 0 if worst <= 1.25 else 1


if __name__ == "__main__":
    sys.exit(main())
