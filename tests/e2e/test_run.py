#!/usr/bin/env python3
"""test_run.py — `tsafe run` end to end, on the programs in tests/fixtures/run:

  - each fixture reports exactly what its `// tsafe-expect-dynamic: RULE` markers say
    (every misuse rule, lock-order inversions between classes and within one class, C11
    threads, the trylock / gate / single-thread exceptions, a fork child, an exec'd
    image, a crash, a real deadlock and a thread deadlocked on itself, both ended;
    deadlocks through a semaphore, a barrier and a post that never comes, ended too, and
    those whose last thread to block waits on a condition (lock waits sleep without a
    timer until then) or whose main thread never waits on the deadlocked ones, and not
    while a thread marked in a condition or lock wait still runs (a signal handler);
    semaphores and barriers destroyed while in use; and nothing for 2,000 threads and a
    million locks, a program whose own malloc locks, or correct semaphores and barriers);
  - the exit status is the program's own unless findings reach --fail-on;
  - lock orders meet across runs: A -> B in one test program, B -> A in another;
  - tsafe's own parallel scan runs under the runtime with no findings, the same scan
    result as without it, and its nested locking recorded under run-independent names;
  - the usage errors (static binary, missing program) and the runtime used directly
    with LD_PRELOAD.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import glob
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

from e2elib import env, Tally

MARK = re.compile(r"//\s*tsafe-expect-dynamic:\s*([^/]*?)\s*(?://|$)")
RELATED = re.compile(r"//\s*tsafe-expect-dynamic-related:\s*([^/]*?)\s*(?://|$)")


TSAFE, SRC, BUILD = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
FIXTURES = os.path.join(SRC, "tests", "fixtures", "run")
RUNTIME = os.path.join(BUILD, "runtime", "libtsafe-rt.so")
T = Tally()


def markers(path):
    want, related = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for pattern, into in ((MARK, want), (RELATED, related)):
                for m in pattern.finditer(line):
                    into += [(r.strip(), n) for r in m.group(1).split(",") if r.strip()]
    return want, related


def compile_c(out, *sources, flags=()):
    cmd = ["cc", "-std=gnu17", "-g", "-O0", "-pthread", "-Wall", "-Wextra", "-Werror", *flags,
           "-o", out, *sources]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"test_run: cannot compile {' '.join(sources)}:\n{r.stderr}")
    return out


def tsafe_run(work, db, *cmd, opts=(), timeout=60, extra_env=None):
    """Runs tsafe run with JSON output; (exit status, findings or None, stderr, seconds)."""
    out = os.path.join(work, "out.json")
    if os.path.exists(out):
        os.remove(out)
    full = [TSAFE, "run", "--root", SRC, "--db", db, "--format", "json", "-o", out,
            "--deadlock-ms", "300", *opts, "--", *cmd]
    e = dict(os.environ, **(extra_env or {}))
    t0 = time.monotonic()
    try:
        r = subprocess.run(full, cwd=work, capture_output=True, text=True, timeout=timeout, env=e)
    except subprocess.TimeoutExpired:
        return None, None, f"did not finish within {timeout} s", timeout
    found = None
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            found = json.load(f)["findings"]
    return r.returncode, found, r.stderr, time.monotonic() - t0


def describe(found):
    return "\n".join(f"{f['rule']} at {f['locations'][0].get('file')}:{f['locations'][0].get('line')} "
                     f"(others: {[l.get('line') for l in f['locations'][1:]]}): {f['message']}"
                     for f in found or [])


def compare(src, found):
    want, related = markers(src)
    have = sorted((f["rule"], f["locations"][0].get("line")) for f in found)
    problems = []
    if sorted(want) != have:
        problems.append(f"expected {sorted(want)}, found {have}")
    for rule, line in related:
        if not any(f["rule"] == rule and any(l.get("line") == line for l in f["locations"][1:])
                   for f in found):
            problems.append(f"no {rule} finding has a location at line {line}")
    for f in found:
        loc = f["locations"][0]
        if loc.get("file") != os.path.relpath(src, SRC) or not f.get("fingerprint") or not loc.get("stack"):
            problems.append(f"finding without its file, stack or fingerprint: {json.dumps(f)[:300]}")
    return problems


def test_fixtures(work):
    for src in sorted(glob.glob(os.path.join(FIXTURES, "*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        exe = compile_c(os.path.join(work, name), src)
        rc, found, err, secs = tsafe_run(work, os.path.join(work, name + ".db"), exe,
                                         opts=("--fail-on", "note"))
        if found is None:
            T.check(f"{name}: tsafe run reports", False, f"exit {rc}", err)
            continue
        problems = compare(src, found)
        T.check(f"{name}: exactly the marked findings", not problems, *problems, describe(found), err)
        want, _ = markers(src)
        T.check(f"{name}: exit status {'1, findings at --fail-on note' if want else '0, no findings'}",
                rc == (1 if want else 0), f"exit {rc}", err)
        if name in ("deadlock", "self_deadlock", "join_deadlock", "sem_deadlock",
                    "barrier_deadlock", "lost_post", "cond_stall", "busy_main_deadlock",
                    "cond_handler", "lock_handler"):
            T.check(f"{name}: the deadlocked program was ended, not left hanging ({secs:.1f} s)",
                    secs < 20 and "deadlocked; the runtime ended it" in err, err)
        if name in ("cond_handler", "lock_handler"):
            wait = "a condition" if name == "cond_handler" else "a lock"
            T.check(f"{name}: not ended while a thread marked in {wait} wait ran its signal "
                    f"handler (a second), only once it slept there for good ({secs:.1f} s)",
                    secs >= 1.0 and "deadlocked; the runtime ended it" in err, err)
        if name == "crash":
            T.check("crash: the crash is reported next to what was recorded before it",
                    "killed by signal 11" in err, err)


def test_handler_in_sliced_wait(work):
    """lock_handler again with every contended lock wait in slices (TSAFE_RT_UNTIMED_WAIT=0;
    the timer-less wait is the default): the waiter running its handler holds the verdict
    off there too."""
    exe = os.path.join(work, "lock_handler")
    rc, found, err, secs = tsafe_run(work, os.path.join(work, "lock_handler_sliced.db"), exe,
                                     opts=("--fail-on", "note"),
                                     extra_env={"TSAFE_RT_UNTIMED_WAIT": "0"})
    problems = compare(os.path.join(FIXTURES, "lock_handler.c"), found or [])
    T.check(f"lock_handler, lock waits in slices: the marked deadlock, reported only after the "
            f"handler's second ({secs:.1f} s)",
            rc == 1 and not problems and secs >= 1.0 and "deadlocked; the runtime ended it" in err,
            f"exit {rc}", *problems, describe(found), err)


def test_exit_status(work):
    crash = os.path.join(work, "crash")
    rc, _, err, _ = tsafe_run(work, os.path.join(work, "x1.db"), crash, opts=("--fail-on", "never"))
    T.check("--fail-on never: a crashed program's status (128+11)", rc == 139, f"exit {rc}", err)
    rc, found, err, _ = tsafe_run(work, os.path.join(work, "x2.db"), "sh", "-c", "exit 3")
    T.check("no findings: the program's own exit status (3)", rc == 3 and found == [], f"exit {rc}", err)
    rc, found, err, _ = tsafe_run(work, os.path.join(work, "x3.db"), os.path.join(work, "order"),
                                  opts=("--fail-on", "error"))
    T.check("findings at --fail-on error: exit 1", rc == 1 and len(found) == 1, f"exit {rc}", err)


def test_sarif(work):
    """Runtime findings (stacks, threads, two-sided locations, rules only the runtime has)
    make valid SARIF."""
    for name in ("misuse", "sem_misuse"):
        sarif = os.path.join(work, name + ".sarif")
        r = subprocess.run([TSAFE, "run", "--root", SRC, "--db", os.path.join(work, name + "-sarif.db"),
                            "--format", "sarif", "-o", sarif, "--", os.path.join(work, name)],
                           capture_output=True, text=True)
        v = subprocess.run([os.path.join(SRC, "scripts", "sarif-validate"), sarif],
                           capture_output=True, text=True)
        if v.returncode == 2:
            print("skip - SARIF validator unavailable: " + (v.stderr.strip().splitlines() or [""])[-1])
            return
        T.check(f"--format sarif: valid SARIF 2.1.0 for the runtime's findings ({name})",
                r.returncode == 1 and v.returncode == 0, r.stderr, v.stdout, v.stderr)


def test_cross_run(work):
    d = os.path.join(FIXTURES, "crossrun")
    ab = compile_c(os.path.join(work, "order_ab"), os.path.join(d, "order_ab.c"), os.path.join(d, "locks.c"))
    ba = compile_c(os.path.join(work, "order_ba"), os.path.join(d, "order_ba.c"), os.path.join(d, "locks.c"))
    db = os.path.join(work, "cross.db")
    rc1, f1, err1, _ = tsafe_run(work, db, ab)
    T.check("cross-run: A -> B alone is no finding", rc1 == 0 and f1 == [], describe(f1), err1)
    rc2, f2, err2, _ = tsafe_run(work, db, ba)
    inv = [f for f in f2 or [] if f["rule"] == "lock-order-inversion"]
    ok = (rc2 == 1 and len(f2) == 1 and len(inv) == 1 and "run 1 saw the order" in inv[0]["message"]
          and "global:lock_a" in inv[0]["symbol"] and "global:lock_b" in inv[0]["symbol"]
          and len(inv[0]["locations"]) == 2
          and any("order_ab" in (l.get("message") or "") for l in inv[0]["locations"]))
    T.check("cross-run: B -> A in another program is an inversion citing run 1", ok,
            describe(f2), json.dumps(f2, indent=1)[:2000], err2)
    rc3, f3, err3, _ = tsafe_run(work, os.path.join(work, "alone.db"), ba)
    T.check("cross-run: B -> A alone (a fresh database) is no finding", rc3 == 0 and f3 == [],
            describe(f3), err3)
    rc4, f4, err4, _ = tsafe_run(work, db, ab)
    same = f4 and f2 and f4[0]["fingerprint"] == inv[0]["fingerprint"] and f4[0]["times_seen"] == 2
    T.check("cross-run: running A -> B again reports the same finding, seen in two runs",
            rc4 == 1 and len(f4) == 1 and same, describe(f4), err4)


def scan_findings(path):
    with open(path, encoding="utf-8") as f:
        return sorted((x["rule"], x["locations"][0].get("file"), x["locations"][0].get("line"),
                       x["fingerprint"]) for x in json.load(f)["findings"])


def test_own_scan(work):
    """tsafe's own multithreaded scan (a thread pool, SQLite, libclang), run under the
    runtime: the runtime records its locking, finds nothing wrong, and the scan's own
    result is the one it gives without the runtime."""
    files = sorted(glob.glob(os.path.join(SRC, "corpus", "0[1-6]_*", "*.c")))[::3][:8]
    e = {}
    if "libasan" in subprocess.run(["ldd", TSAFE], capture_output=True, text=True).stdout:
        e["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
    scan = lambda db, out: [TSAFE, "scan", *files, "--root", SRC, "--db", db, "--format", "json",
                            "-o", out, "-j", "2", "--", "-pthread"]
    native_json, under_json = os.path.join(work, "scan-native.json"), os.path.join(work, "scan-rt.json")
    native = subprocess.run(scan(os.path.join(work, "scan-native.db"), native_json), cwd=work,
                            capture_output=True, text=True, env=dict(os.environ, **e))
    db = os.path.join(work, "self.db")
    rc, found, err, _ = tsafe_run(work, db, *scan(os.path.join(work, "scan-rt.db"), under_json),
                                  extra_env=e, timeout=300)
    m = re.search(r"tsafe: (\d+) process\w*, (\d+) threads?", err or "")
    T.check("tsafe scan -j2 under tsafe run: no runtime findings, the scan's own status, >= 3 threads",
            native.returncode in (0, 1) and rc == native.returncode and found == [] and m
            and int(m.group(2)) >= 3, f"exit {rc}, without the runtime {native.returncode}",
            describe(found), err, native.stderr)
    same = (os.path.exists(native_json) and os.path.exists(under_json)
            and scan_findings(native_json) == scan_findings(under_json) and scan_findings(native_json))
    T.check("tsafe scan under tsafe run: the same findings as without the runtime", same,
            native.stderr, err)
    with sqlite3.connect(db) as con:
        edges = con.execute("select from_class, to_class from lock_edges").fetchall()
    T.check("tsafe scan under tsafe run: the runtime recorded its nested locking (SQLite's), "
            "with lock classes that name no run-specific address",
            edges and not any(re.search(r"0x[0-9a-f]{8,}", a + b) for a, b in edges), edges)


def test_object_lock_names(work):
    """A lock that is a member of a named object is one lock for every engine: `tsafe scan`
    then `tsafe run` into one database report object_locks.c's inversion once, seen by
    both, with the locks named after their objects."""
    src = os.path.join(FIXTURES, "object_locks.c")
    exe = compile_c(os.path.join(work, "object_locks_both"), src)
    db = os.path.join(work, "object_locks_both.db")
    subprocess.run([TSAFE, "scan", src, "--root", SRC, "--db", db, "--fail-on", "never",
                    "-o", os.devnull, "--", "-pthread"], cwd=work, capture_output=True)
    rc, found, err, _ = tsafe_run(work, db, exe, opts=("--fail-on", "never"))
    cycles = [f for f in found or [] if f["rule"] == "lock-order-inversion"]
    T.check("object_locks.c, scan then run: one inversion seen by static and runtime, "
            "its locks named after their objects",
            len(cycles) == 1 and set(cycles[0].get("engines") or []) == {"static", "runtime"}
            and "journal.lock" in cycles[0]["symbol"] and "cfg.lock" in cycles[0]["symbol"],
            describe(found), [(f.get("symbol"), f.get("engines")) for f in cycles], err)


def test_errors(work):
    static = os.path.join(work, "static_order")
    r = subprocess.run(["cc", "-static", "-pthread", "-o", static, os.path.join(FIXTURES, "order.c")],
                       capture_output=True, text=True)
    if r.returncode == 0:
        rc, _, err, _ = tsafe_run(work, os.path.join(work, "e1.db"), static)
        T.check("a statically linked program: exit 2 and why", rc == 2 and "statically linked" in err, err)
    else:
        print("skip - no static libc to build a static program with")
    rc, _, err, _ = tsafe_run(work, os.path.join(work, "e2.db"), os.path.join(work, "no-such-program"))
    T.check("a missing program: exit 2 and why", rc == 2 and "no such executable" in err, err)
    r = subprocess.run([TSAFE, "run", "--db", os.path.join(work, "e3.db")], capture_output=True, text=True)
    T.check("no program: exit 2 and usage", r.returncode == 2 and "nothing to run" in r.stderr, r.stderr)


def test_preload_directly(work):
    """LD_PRELOAD without tsafe run: logs go where TSAFE_RT_OUT says; unset, nothing."""
    logs = os.path.join(work, "logs")
    os.mkdir(logs)
    order = os.path.join(work, "order")
    r = subprocess.run([order], capture_output=True, text=True,
                       env=dict(os.environ, LD_PRELOAD=RUNTIME, TSAFE_RT_OUT=logs))
    made = glob.glob(os.path.join(logs, "tsafe-rt.*.log"))
    T.check("LD_PRELOAD with TSAFE_RT_OUT: one log, the program unchanged",
            r.returncode == 0 and len(made) == 1 and r.stderr == "", r.stderr, made)
    out = os.path.join(work, "logs.json")
    r = subprocess.run([TSAFE, "run", "--root", SRC, "--db", os.path.join(work, "logs.db"),
                        "--format", "json", "-o", out, "--logs", logs], capture_output=True, text=True)
    found = None
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            found = json.load(f)["findings"]
    T.check("tsafe run --logs DIR reads those logs: the inversion, exit 1",
            r.returncode == 1 and found and [f["rule"] for f in found] == ["lock-order-inversion"]
            and glob.glob(os.path.join(logs, "tsafe-rt.*.log")), r.stderr, describe(found))
    e = dict(os.environ, LD_PRELOAD=RUNTIME)
    e.pop("TSAFE_RT_OUT", None)
    r = subprocess.run([order], capture_output=True, text=True, env=e, cwd=work)
    T.check("LD_PRELOAD without TSAFE_RT_OUT: the program runs, one line says why nothing is recorded",
            r.returncode == 0 and "TSAFE_RT_OUT is not set" in r.stderr and
            not glob.glob(os.path.join(work, "tsafe-rt.*")), r.stderr)


def read_process_record(path):
    """(flags, parent log name) of a runtime log's first record (struct rt_process)."""
    with open(path, "rb") as f:
        data = f.read(4096)
    rtype, length = struct.unpack_from("<II", data, 0)
    if rtype != 1:
        return None, None
    flags = struct.unpack_from("<I", data, 24)[0]
    strings = data[48:length].split(b"\0")
    return flags, (strings[1].decode() if flags & 1 and len(strings) > 1 else None)


def test_fork_child_names_parent(work):
    """A fork child's log names its parent's log file exactly (the ids the child inherits
    are defined there: without it, the parent's stacks and classes are lost)."""
    logs = os.path.join(work, "forklogs")
    os.mkdir(logs)
    exe = os.path.join(work, "fork_names")
    subprocess.run(["cc", "-g", "-pthread", os.path.join(SRC, "tests/fixtures/run/fork.c"), "-o", exe],
                   check=True)
    r = subprocess.run([exe], capture_output=True, text=True,
                       env=dict(os.environ, LD_PRELOAD=RUNTIME, TSAFE_RT_OUT=logs))
    made = sorted(os.path.basename(p) for p in glob.glob(os.path.join(logs, "tsafe-rt.*.log")))
    parents = [read_process_record(os.path.join(logs, m))[1] for m in made]
    named = [p for p in parents if p is not None]
    T.check("a fork child's log names its parent's log file", r.returncode == 0 and len(made) == 2
            and len(named) == 1 and named[0] in made, r.stderr, made, named)


def main():
    if not os.path.exists(RUNTIME):
        sys.exit(f"test_run: {RUNTIME} is missing; build the tsafe-rt target")
    if not shutil.which("cc"):
        sys.exit("test_run: no C compiler (cc) to build the fixtures with")
    with tempfile.TemporaryDirectory(prefix="tsafe-run-") as work:
        test_fixtures(work)
        test_handler_in_sliced_wait(work)
        test_exit_status(work)
        test_sarif(work)
        test_cross_run(work)
        test_own_scan(work)
        test_object_lock_names(work)
        test_errors(work)
        test_preload_directly(work)
        test_fork_child_names_parent(work)
    print(f"{T.passed} passed, {T.failed} failed")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
