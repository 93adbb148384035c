#!/usr/bin/env python3
"""test_run_program.py — `tsafe run` leaves the program alone (tests/fixtures/runcli):

  - the program's stdout is byte-identical to a native run (binary data included), its
    stderr keeps its own lines, and tsafe's report goes to stderr (or -o FILE);
  - the exit status is the program's own unless a finding at --fail-on (default error) is
    new: the first run of a program with an inversion exits 1, the next run (same bug,
    already stored) exits with the program's own status;
  - a thread still running when the process exits is not a leak; one that ended and was
    never joined is;
  - --timeout ends a program under the runtime, and what was recorded is stored;
  - SIGTERM and SIGINT sent to tsafe are passed on to the program, what was recorded is
    stored, and the temporary log directory is removed;
  - a database that cannot be written keeps the logs, says where they are, and returns
    the program's status; the logs can then be stored with --logs.

Deterministic: every wait is for an event (a line the program prints, the program's end),
never for a length of time.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

from e2elib import env, Tally

TSAFE, SRC = env("TSAFE"), env("TSAFE_SOURCE_DIR")
FIXTURES = os.path.join(SRC, "tests", "fixtures", "runcli")
T = Tally()


def compile_c(work, name):
    out = os.path.join(work, name)
    r = subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", "-Wall", "-Werror", "-o", out,
                        os.path.join(FIXTURES, name + ".c")], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"test_run_program: cannot compile {name}.c:\n{r.stderr}")
    return out


def run_env(tmpdir):
    """Our environment with a private TMPDIR, to see what tsafe leaves there."""
    os.makedirs(tmpdir, exist_ok=True)
    return dict(os.environ, TMPDIR=tmpdir)


def tsafe_run(db, cmd, opts=(), tmpdir=None, **kw):
    e = run_env(tmpdir) if tmpdir else os.environ
    return subprocess.run([TSAFE, "run", "--root", SRC, "--db", db, *opts, "--", *cmd],
                          capture_output=True, env=e, timeout=120, **kw)


def stored(db, rule=None):
    r = subprocess.run([TSAFE, "report", "--db", db, "--format", "json"], capture_output=True,
                       text=True, timeout=60)
    found = json.loads(r.stdout)["findings"] if r.returncode == 0 else []
    return [f for f in found if rule is None or f["rule"] == rule]


def test_output_untouched(work):
    exe = compile_c(work, "binary_out")
    native = subprocess.run([exe, "0"], capture_output=True, timeout=60)
    db = os.path.join(work, "out.db")
    r = tsafe_run(db, [exe, "0"])
    T.check("stdout under tsafe run is byte-identical to the native run (16 KiB, every byte value)",
            r.stdout == native.stdout and len(r.stdout) == 64 * 256,
            f"{len(r.stdout)} bytes vs {len(native.stdout)}", r.stdout[-200:])
    err = r.stderr.decode("utf-8", "replace")
    T.check("the program's own stderr line is kept", "binary_out: its own stderr line" in err, err)
    T.check("the report goes to stderr", "lock-order inversion" in err or "lock-order-inversion" in err,
            err)
    T.check("a new error finding: exit 1", r.returncode == 1, f"exit {r.returncode}", err)

    report = os.path.join(work, "report.json")
    r = tsafe_run(os.path.join(work, "out2.db"), [exe, "0"], opts=("--format", "json", "-o", report))
    T.check("-o FILE: the report in the file, stdout still the program's",
            r.stdout == native.stdout and os.path.exists(report) and
            any(f["rule"] == "lock-order-inversion" for f in json.load(open(report))["findings"]),
            r.stderr.decode("utf-8", "replace"))


def test_exit_status(work):
    exe = compile_c(work, "binary_out")
    db = os.path.join(work, "status.db")
    r = tsafe_run(db, [exe, "7"])
    T.check("first run: the inversion is new, exit 1", r.returncode == 1, f"exit {r.returncode}")
    r = tsafe_run(db, [exe, "7"])
    T.check("second run: nothing new, the program's own status 7", r.returncode == 7,
            f"exit {r.returncode}", r.stderr.decode("utf-8", "replace"))
    T.check("  ...and the finding is still reported", b"lock-order" in r.stderr, r.stderr)
    r = tsafe_run(os.path.join(work, "never.db"), [exe, "5"], opts=("--fail-on", "never"))
    T.check("--fail-on never: the program's own status 5", r.returncode == 5, f"exit {r.returncode}")

    daemon = compile_c(work, "daemon_exit")
    r = tsafe_run(os.path.join(work, "warn.db"), [daemon, "ended"])
    T.check("a warning (thread-leak) under the default --fail-on error: the program's status 0",
            r.returncode == 0, f"exit {r.returncode}", r.stderr.decode("utf-8", "replace"))
    r = tsafe_run(os.path.join(work, "warn2.db"), [daemon, "ended"], opts=("--fail-on", "warning"))
    T.check("  ...and exit 1 with --fail-on warning", r.returncode == 1, f"exit {r.returncode}")


def test_thread_leaks(work):
    daemon = compile_c(work, "daemon_exit")
    db = os.path.join(work, "daemon.db")
    r = tsafe_run(db, [daemon])
    leaks = stored(db, "thread-leak")
    T.check("a worker still running at exit is not a thread leak", r.returncode == 0 and not leaks,
            f"exit {r.returncode}", [f["message"] for f in leaks], r.stderr.decode("utf-8", "replace"))
    db = os.path.join(work, "ended.db")
    tsafe_run(db, [daemon, "ended"])
    leaks = stored(db, "thread-leak")
    T.check("a thread that ended and was never joined is one, at its creation",
            len(leaks) == 1 and "one_shot" in leaks[0]["message"], [f["message"] for f in leaks])
    db = os.path.join(work, "ended_many.db")
    tsafe_run(db, [daemon, "ended", "5"])
    leaks = sorted(f["message"] for f in stored(db, "thread-leak"))
    T.check("five leaked threads of one site are one finding that counts them; another site's "
            "is its own", leaks == ["thread running 'one_shot' is never joined or detached",
                                    "thread running 'one_shot' is never joined or detached "
                                    "(5 threads)"], leaks)


def wait_ready(proc):
    line = proc.stdout.readline()
    return line.strip() == b"ready"


def test_timeout(work):
    exe = compile_c(work, "wait_for_signal")
    tmp = os.path.join(work, "tmp-timeout")
    db = os.path.join(work, "timeout.db")
    r = tsafe_run(db, [exe, "600", "late"], opts=("--timeout", "1", "--fail-on", "never"), tmpdir=tmp)
    err = r.stderr.decode("utf-8", "replace")
    T.check("--timeout under the runtime ends the program (status 128+SIGTERM)",
            r.returncode == 128 + signal.SIGTERM and "did not end within 1 s" in err,
            f"exit {r.returncode}", err)
    T.check("  ...and what was recorded before is stored", len(stored(db, "lock-order-inversion")) == 1)
    T.check("  ...and no temporary directory is left", os.listdir(tmp) == [], os.listdir(tmp))


def test_signals(work):
    exe = compile_c(work, "wait_for_signal")
    for sig in (signal.SIGTERM, signal.SIGINT):
        tmp = os.path.join(work, f"tmp-{sig.name}")
        db = os.path.join(work, f"{sig.name}.db")
        p = subprocess.Popen([TSAFE, "run", "--root", SRC, "--db", db, "--fail-on", "never", "--",
                              exe, "600"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env(tmp))
        ready = wait_ready(p)
        p.send_signal(sig)                    # to tsafe only, as kill(1) or a CI runner does
        out, err = p.communicate(timeout=60)
        err = err.decode("utf-8", "replace")
        T.check(f"{sig.name} to tsafe is passed on: the program ends by it (exit {128 + sig})",
                ready and p.returncode == 128 + sig, f"exit {p.returncode}", err)
        T.check(f"  ...what was recorded is stored ({sig.name})",
                len(stored(db, "lock-order-inversion")) == 1, err)
        T.check(f"  ...and the log directory is removed ({sig.name})", os.listdir(tmp) == [],
                os.listdir(tmp))


def test_unwritable_database(work):
    exe = compile_c(work, "wait_for_signal")
    db = os.path.join(work, "busy.db")
    tmp = os.path.join(work, "tmp-busy")
    subprocess.run([TSAFE, "run", "--db", db, "--", "true"], capture_output=True, timeout=60)
    p = subprocess.Popen([TSAFE, "run", "--root", SRC, "--db", db, "--", exe, "600"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env(tmp))
    ready = wait_ready(p)
    # The database was fine when tsafe opened it; now another writer holds it past tsafe's
    # wait for it, so the run cannot be stored.
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    other.execute("ROLLBACK")
    other.close()
    err = err.decode("utf-8", "replace")
    kept = os.listdir(tmp)
    T.check("a database that cannot be written: the program's own status (128+SIGTERM), not 2",
            ready and p.returncode == 128 + signal.SIGTERM, f"exit {p.returncode}", err)
    T.check("  ...the logs are kept and their place printed",
            len(kept) == 1 and os.path.join(tmp, kept[0]) in err, kept, err)
    if len(kept) == 1:
        logs = os.path.join(tmp, kept[0])
        r = subprocess.run([TSAFE, "run", "--root", SRC, "--db", db, "--logs", logs],
                           capture_output=True, timeout=60)
        T.check("  ...and can be stored later with --logs",
                len(stored(db, "lock-order-inversion")) == 1, r.stderr)


def main():
    work = tempfile.mkdtemp(prefix="tsafe-runprog-")
    try:
        test_output_untouched(work)
        test_exit_status(work)
        test_thread_leaks(work)
        test_timeout(work)
        test_signals(work)
        test_unwritable_database(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{T.passed} passed, {T.failed} failed")
    sys.exit(1 if T.failed else 0)


if __name__ == "__main__":
    main()
