#!/usr/bin/env python3
"""watch_bench.py — what the watch engine costs inside the program: each benchmark run
natively, with libtsafe-rt.so preloaded (the runtime as `tsafe run` uses it, nothing
watched), and with the runtime watching candidates (TSAFE_WATCH). Medians of paired runs
(native and the tool back to back, alternating order). With --base-lib, another build of
the runtime (say main's before a change) runs in the same rounds, before and after side by
side under the same machine load; with --base-env NAME=VALUE, the base runs get that setting
(with the same library unless --base-lib: a setting of the runtime off and on, side by side).

  bench/runtime/watch_bench.py [--reps 7] [--max-cands 64] [--tools] [--malloc] [--only NAME]
      [--base-lib OLD_LIBTSAFE_RT] [--base-env NAME=VALUE] [-o table.md]
      [--pigz /tmp/pigz/pigz --pigz-input FILE [--pigz-db SCAN_DB]
       [--pigz-tsan TSAN_BUILD --vg-input SMALL]]

The candidates are every writable object in the program's own symbol table (nm: data and
bss), up to --max-cands, each watched as its first naturally aligned word for reads and
writes: the worst case for a program, since these are its hottest shared variables (the
mutex-protected counters of contended and lockheavy, pigz's global state), not only the
few a scan would name. The runtime rotates them through the four debug registers in
slices of TSAFE_WATCH_SLICE_MS (50 ms), so each candidate is watched about 4/N of the run.
Runs with the watch engine also report the traps taken (from the logs).

The table also says what share of the threads' time periods had their watches armed:
a thread that context-switches often rests them to keep their cost (the kernel saves and
restores armed debug registers at every switch) within 3% of its CPU time
(runtime/watch_budget.c).

With --tools, each benchmark also runs smaller (Valgrind would take minutes) natively,
as a -fsanitize=thread build, under Helgrind, DRD and the runtime watching: wall ratios
side by side.

With --malloc, malloc_cost.c (malloc/free pairs) runs natively, under the runtime, and
with heap candidates watched whose allocation sites are not its calls: what interposing
malloc costs an allocation that is not a candidate's.

With --pigz, pigz -p 4 also runs under the whole `tsafe run` (the CLI picks the
candidates itself: the race findings of the scan in --pigz-db, else pigz's own variables,
sampled; the table says how many it watched), and, on the smaller --vg-input, natively,
under Helgrind, DRD and as a ThreadSanitizer build (--pigz-tsan), for the side-by-side
table.
"""
import argparse
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

BENCHMARKS = [
    ("lockheavy", "lockheavy", ["3000000", "4", "48"]),
    ("contended", "contended", ["4000000", "4"]),
    ("prodcons", "prodcons", ["3000000", "2"]),
]


def build(src, out):
    r = subprocess.run(["cc", "-std=gnu17", "-O2", "-g", "-pthread", "-o", out, src],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"watch_bench: cannot build {src}: {r.stderr}")
    return out


def candidates(exe, path, limit):
    """Writable objects of exe, one word each; how many were written."""
    out = subprocess.run(["nm", "-S", "--defined-only", exe], capture_output=True, text=True).stdout
    real = os.path.realpath(exe)
    lines = ["tsafe-watch 2"]
    for row in out.splitlines():
        parts = row.split()
        if (len(parts) != 4 or parts[2] not in "dDbB" or "@" in parts[3]
                or parts[3].startswith(("_", "completed."))):
            continue
        addr, size = int(parts[0], 16), int(parts[1], 16)
        length = 8
        while length > 1 and (addr % length or length > size):
            length //= 2
        lines.append(f"T {len(lines) - 1} {length} 1 {addr:x} {real}")
        if len(lines) > limit:
            break
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines) - 1


def traps(logdir):
    """Traps taken and the share of tick periods armed (the rest rested by the budget),
    from the RT_WATCH_END records of the logs in logdir."""
    total, armed, rested = 0, 0, 0
    for name in os.listdir(logdir):
        data = open(os.path.join(logdir, name), "rb").read()
        off = 0
        while off + 8 <= len(data):
            kind, length = struct.unpack_from("<II", data, off)
            if length < 8:
                break
            if kind == 66:
                armed, rested, n = struct.unpack_from("<QQI", data, off + 16)
                total += sum(struct.unpack_from("<I", data, off + 40 + 8 * i + 4)[0] for i in range(n))
            off += length
    return total, armed / (armed + rested) if armed + rested else 1.0


CPU = []   # CPU seconds (user + system) of the process tree of each timed() call


def timed(cmd, env=None, stdout=subprocess.DEVNULL):
    """Wall seconds of cmd; its CPU seconds are appended to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, **(env or {})))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        sys.exit(f"watch_bench: {' '.join(cmd)} failed with status {r.returncode}")
    return wall


def measure(cmd, reps, lib, cands, base_lib=None, base_env=None):
    """Medians: native wall, then per configuration (runtime, runtime + watch, and the same
    two with base_lib, or with lib under base_env, when given) the wall ratio, CPU ratio,
    traps and armed share."""
    libs = [("r", lib)] + ([("b", base_lib or lib)] if base_lib or base_env else [])
    tags = ["n"] + [t + w for t, _ in libs for w in ("", "w")]
    wall = {t: [] for t in tags}
    cpu = {t: [] for t in tags}
    ntraps = {t: [] for t in tags}
    shares = {t: [] for t in tags}
    for i in range(reps):
        order = [("n", None, None)]
        for tag, path in libs:
            order += [(tag, path, None), (tag + "w", path, cands)]
        if i % 2:
            order.reverse()
        for tag, path, watch in order:
            with tempfile.TemporaryDirectory() as logs:
                env = None
                if path:
                    env = {"LD_PRELOAD": path, "TSAFE_RT_OUT": logs}
                    if tag.startswith("b"):
                        env.update(base_env or {})
                    if watch:
                        env["TSAFE_WATCH"] = watch
                wall[tag].append(timed(cmd, env))
                cpu[tag].append(CPU[-1])
                if watch:
                    taken, share = traps(logs)
                    ntraps[tag].append(taken)
                    shares[tag].append(share)
    n = statistics.median(wall["n"])
    c = statistics.median(cpu["n"])
    out = {"native": n}
    for tag in tags[1:]:
        out[tag] = (statistics.median(wall[tag]) / n, statistics.median(cpu[tag]) / c,
                    statistics.median(ntraps[tag]) if ntraps[tag] else 0,
                    statistics.median(shares[tag]) if shares[tag] else 1.0)
    return out


def median_ratio(native_cmd, tool_cmd, reps, env=None, stdout=subprocess.DEVNULL):
    """Medians: native wall, tool wall, wall ratio, CPU ratio."""
    nat, tool, ncpu, tcpu = [], [], [], []
    for i in range(reps):
        pair = [(nat, ncpu, native_cmd, None), (tool, tcpu, tool_cmd, env)]
        for out, cpu, cmd, e in (pair if i % 2 == 0 else reversed(pair)):
            out.append(timed(cmd, e, stdout))
            cpu.append(CPU[-1])
    n = statistics.median(nat)
    return (n, statistics.median(tool), statistics.median(tool) / n,
            statistics.median(tcpu) / statistics.median(ncpu))


def pigz_tools(a, tmp):
    """pigz -p 4 under the whole tsafe run (its own choice of candidates), and on the
    smaller input under Helgrind, DRD and ThreadSanitizer."""
    rows = []
    tsafe = os.path.join(os.path.dirname(a.lib), "..", "tsafe")
    db = os.path.join(tmp, "pigz.db")
    root = []
    if a.pigz_db:
        shutil.copy(a.pigz_db, db)   # the scan's race findings are the candidates
        root = ["--root", os.path.dirname(os.path.realpath(a.pigz))]   # the scan's root
    args = ["-p", "4", "-c", "-k"]
    said = subprocess.run([tsafe, "run", "--db", db, *root, "--fail-on", "never", "--", a.pigz,
                           *args, a.pigz_input], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True).stderr
    summary = [l for l in said.splitlines() if l.startswith("tsafe: watch: ") and
               ("candidates," in l or "no race candidates" in l)]
    watched = [l for l in said.splitlines() if "not seen racing" in l or "confirmed (" in l]
    rows.append(f"| (what the watch engine did) | {' '.join(summary) or 'nothing'}; "
                f"{len(watched)} candidates watched, e.g. '{watched[0][-90:] if watched else ''}' |")
    print(rows[-1], flush=True)
    for label, extra in (("tsafe run (watch on)", []), ("tsafe run --no-watch", ["--no-watch"])):
        cmd = [tsafe, "run", "--db", db, *root, "--fail-on", "never", *extra, "--", a.pigz, *args,
               a.pigz_input]
        n, t, r, c = median_ratio([a.pigz, *args, a.pigz_input], cmd, a.reps)
        rows.append(f"| {label} | {os.path.getsize(a.pigz_input) >> 20} MB | {n:.2f} s | "
                    f"{t:.2f} s | **x{r:.2f}** | x{c:.2f} |")
        print(rows[-1], flush=True)
    if not a.vg_input:
        return rows
    small = [a.pigz, *args, a.vg_input]
    tools = [("Helgrind", ["valgrind", "--tool=helgrind", "-q", *small]),
             ("DRD", ["valgrind", "--tool=drd", "-q", *small])]
    if a.pigz_tsan:
        tools.append(("ThreadSanitizer", [a.pigz_tsan, *args, a.vg_input]))
    tools.append(("tsafe run (watch on)", [tsafe, "run", "--db", db, *root, "--fail-on", "never",
                                           "--", *small]))
    for label, cmd in tools:
        reps = 3 if label in ("Helgrind", "DRD") else a.reps
        n, t, r, c = median_ratio(small, cmd, reps, {"TSAN_OPTIONS": "report_bugs=0"})
        rows.append(f"| {label} | {os.path.getsize(a.vg_input) >> 20} MB | {n:.2f} s | "
                    f"{t:.2f} s | x{r:.1f} | x{c:.1f} |")
        print(rows[-1], flush=True)
    return rows


# The benchmarks at a size Valgrind finishes in seconds.
SMALL = {"lockheavy": ["100000", "4", "48"], "contended": ["200000", "4"],
         "prodcons": ["100000", "2"]}


def other_tools(a, tmp):
    """Each benchmark, smaller, natively and under ThreadSanitizer (a -fsanitize=thread
    build), Helgrind, DRD and the runtime watching its variables: median wall ratios."""
    rows = []
    for label, prog, _ in BENCHMARKS:
        if a.only and label not in a.only:
            continue
        src = os.path.join(HERE, prog + ".c")
        exe = build(src, os.path.join(tmp, prog + ".small"))
        tsan = os.path.join(tmp, prog + ".tsan")
        r = subprocess.run(["cc", "-std=gnu17", "-O2", "-g", "-pthread", "-fsanitize=thread",
                            "-o", tsan, src], capture_output=True, text=True)
        cmd = [exe, *SMALL[label]]
        cands = os.path.join(tmp, label + ".small.cands")
        candidates(exe, cands, a.max_cands)
        cells = []
        with tempfile.TemporaryDirectory() as logs:
            tools = [([tsan, *SMALL[label]] if r.returncode == 0 else None, {"TSAN_OPTIONS": "report_bugs=0"}),
                     (["valgrind", "--tool=helgrind", "-q", *cmd], None),
                     (["valgrind", "--tool=drd", "-q", *cmd], None),
                     (cmd, {"LD_PRELOAD": a.lib, "TSAFE_RT_OUT": logs, "TSAFE_WATCH": cands})]
            native = None
            for tool, e in tools:
                if tool is None:
                    cells.append("n/a")
                    continue
                reps = 3 if tool[0] == "valgrind" else a.reps
                n, _, ratio, _ = median_ratio(cmd, tool, reps, e)
                native = native or n
                cells.append(f"x{ratio:.2f}")
        rows.append(f"| {label} {' '.join(SMALL[label])} | {native:.3f} s | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def text_bounds(exe):
    """The link address range of exe's .text."""
    for row in subprocess.run(["objdump", "-h", exe], capture_output=True, text=True).stdout.splitlines():
        parts = row.split()
        if len(parts) > 3 and parts[1] == ".text":
            return int(parts[3], 16), int(parts[3], 16) + int(parts[2], 16)
    sys.exit(f"watch_bench: no .text in {exe}")


def malloc_cost(a, tmp):
    """ns per malloc+free pair: native, the runtime, and heap candidates watched whose sites
    are elsewhere (their code's bounds outside the program's calls, or around them)."""
    exe = build(os.path.join(HERE, "malloc_cost.c"), os.path.join(tmp, "malloc_cost"))
    lo, hi = text_bounds(exe)
    real = os.path.realpath(exe)
    files = {}
    for name, ranges in (("outside", [(1, 2)]), ("inside", [(lo, lo + 1), (hi - 1, hi)])):
        files[name] = os.path.join(tmp, f"malloc.{name}.cands")
        with open(files[name], "w") as f:
            f.write("tsafe-watch 2\nH 0 8 1 0 0\n" +
                    "".join(f"S 0 {x:x} {y:x} {real}\n" for x, y in ranges))
    cells = {k: [] for k in ("native", "runtime", "outside", "inside")}
    with tempfile.TemporaryDirectory() as logs:
        envs = {"native": None, "runtime": {"LD_PRELOAD": a.lib, "TSAFE_RT_OUT": logs}}
        for name, path in files.items():
            envs[name] = {"LD_PRELOAD": a.lib, "TSAFE_RT_OUT": logs, "TSAFE_WATCH": path}
        for _ in range(a.reps):
            for k, e in envs.items():
                out = subprocess.run([exe], capture_output=True, text=True,
                                     env=dict(os.environ, **(e or {}))).stdout
                cells[k].append(float(out))
    med = {k: statistics.median(v) for k, v in cells.items()}
    row = (f"| malloc+free pair | {med['native']:.1f} ns | +{med['runtime'] - med['native']:.1f} ns "
           f"| +{med['outside'] - med['native']:.1f} ns | +{med['inside'] - med['native']:.1f} ns |")
    print(row, flush=True)
    return ["| allocation | native | runtime | heap candidates, calls outside their sites' "
            "bounds | inside the bounds, not a site |", "|---|---|---|---|---|", row]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "runtime", "libtsafe-rt.so"))
    ap.add_argument("--base-lib", help="another build of libtsafe-rt.so (e.g. main's before a "
                    "change), run in the same interleaved rounds: before and after side by side")
    ap.add_argument("--base-env", action="append", metavar="NAME=VALUE",
                    help="set in the base runs' environment (repeatable); without --base-lib, "
                    "the base runs are --lib under it: a setting on and off side by side")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--max-cands", type=int, default=64)
    ap.add_argument("--pigz", help="a pigz binary (built with -g)")
    ap.add_argument("--pigz-input", help="the file pigz -p 4 compresses")
    ap.add_argument("--pigz-tsan", help="pigz built with -fsanitize=thread")
    ap.add_argument("--pigz-db", help="a database holding `tsafe scan` of pigz (its race findings "
                    "are the candidates; without it the engine watches pigz's own variables)")
    ap.add_argument("--vg-input", help="a smaller file for Helgrind, DRD and ThreadSanitizer")
    ap.add_argument("--only", action="append", help="only this benchmark (repeatable)")
    ap.add_argument("--malloc", action="store_true",
                    help="also what an allocation costs with heap candidates watched")
    ap.add_argument("--tools", action="store_true",
                    help="also the three benchmarks, smaller, under ThreadSanitizer, Helgrind, DRD")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    rows, pigz_rows, tool_rows, malloc_rows = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-bench-") as tmp:
        runs = []
        for label, prog, args in BENCHMARKS:
            if a.only and label not in a.only:
                continue
            exe = build(os.path.join(HERE, prog + ".c"), os.path.join(tmp, prog))
            runs.append((label, exe, [exe, *args]))
        if a.pigz and a.pigz_input:
            pigz_rows.extend(pigz_tools(a, tmp))
            runs.append(("pigz -p 4", a.pigz, [a.pigz, "-p", "4", "-c", "-k", a.pigz_input]))
        for label, exe, cmd in runs:
            cands = os.path.join(tmp, label.split()[0] + ".cands")
            n_c = candidates(exe, cands, a.max_cands)
            base_env = dict(v.split("=", 1) for v in a.base_env or [])
            m = measure(cmd, a.reps, a.lib, cands, a.base_lib, base_env)
            (rt, rcpu, _, _), (wt, wcpu, ntraps, share) = m["r"], m["rw"]
            base = ""
            if "b" in m:
                (bt, bcpu, _, _), (bwt, bwcpu, _, _) = m["b"], m["bw"]
                base = f" x{bt:.3f} | x{bwt:.3f} | x{bcpu:.3f} / x{bwcpu:.3f} |"
            rows.append(f"| {label} | {m['native']:.2f} s | x{rt:.3f} | **x{wt:.3f}** | x{rcpu:.3f} / "
                        f"x{wcpu:.3f} |{base} {n_c} | {min(n_c, 2)} of {n_c} at a time, 50 ms slices, "
                        f"{share:.0%} of thread time armed | {int(ntraps)} |")
            print(rows[-1], flush=True)
        if a.tools:
            tool_rows = other_tools(a, tmp)
        if a.malloc:
            malloc_rows = malloc_cost(a, tmp)
    based = a.base_lib or a.base_env
    base_cols = (" base runtime | base + watch | base CPU (runtime / + watch) |" if based
                 else "")
    head = ["| benchmark | native | runtime, nothing watched | runtime + watch | CPU (runtime / "
            "+ watch) |" + base_cols + " candidates | armed | traps (median) |",
            "|---|---|---|---|---|" + ("---|---|---|" if based else "") + "---|---|---|"]
    table = "\n".join(head + rows)
    if pigz_rows:
        table += ("\n\n| pigz -p 4 | input | native | tool | slowdown (wall) | (CPU) |\n"
                  "|---|---|---|---|---|---|\n")
        table += "\n".join(pigz_rows)
    if tool_rows:
        table += ("\n\n| benchmark (smaller) | native | ThreadSanitizer (rebuilt) | Helgrind | DRD "
                  "| runtime + watch |\n|---|---|---|---|---|---|\n")
        table += "\n".join(tool_rows)
    if malloc_rows:
        table += "\n\n" + "\n".join(malloc_rows)
    print(table)
    if a.output:
        with open(a.output, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
