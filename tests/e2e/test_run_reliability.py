#!/usr/bin/env python3
"""test_run_reliability.py — the runtime under programs that push it: each case a small
program in tests/fixtures/run/reliability run under `tsafe run`, checked for what a user
would see (the program's own output and status untouched, what it did still recorded,
no false verdicts, real hangs ended):

  - fd_reuse: closefrom(3), a close loop, or dup2 over the runtime's descriptor, then the
    program owns descriptor 800: its file holds only its own data, its fork child keeps
    its descriptor, and misuse after the takeover is still recorded;
  - daemon: a relative log directory (TMPDIR or TSAFE_RT_OUT), chdir("/"), fork (and
    exec): the child's log is kept;
  - setuid/setgid programs are refused with exit 2 and why (LD_PRELOAD is ignored there);
  - join_main: main joins a thread that joins main, a hang of its own: reported as a
    deadlock and ended (status 124);
  - sem_signal: a signal while a thread waits in sem_wait ends the wait with EINTR when
    its handler has no SA_RESTART, and lets it go on when it has, as without the runtime;
    sem_signal_gap: also when it lands while the call is held up on its way in (the
    runtime's work outside the kernel's wait);
  - pshared_fork, pshared_cond: a process-shared mutex held by the parent across fork, or
    by another process while this one's threads all wait: no double-lock, no deadlock,
    exit 0, as without the runtime;
  - lock_addresses: millions of locks at addresses of their own, destroyed: an inversion
    between two later locks is still found; kept (never destroyed): the table of lock
    addresses fills and the summary says that later locks were not watched;
  - thread_bomb: more threads alive at once than the runtime watches: the summary says how
    many were alive and that the others were not watched; the process has no thread of
    the runtime's; no finding, exit 0;
  - cancel_cleanup: threads cancelled in pthread_cond_wait, sem_wait and pthread_join
    whose cleanup handlers unlock: no lock-leak, exit 0;
  - cancel_pending: a cancel pending while the thread locks locks the runtime has never
    seen (the runtime writes their records): no unwinding from inside the runtime, so the
    cleanup handler's unlock is seen: no lock-leak, exit 0;
  - mutex_fields: a normal mutex, which the runtime takes and gives back itself when it is
    free (runtime/mutex_inline.h), keeps glibc's owner, user count and lock word, a sleeper
    is woken by the unlock, four threads counting under it (with condition waits) lose
    nothing: exit 0, as alone;
  - first_calls: in 100 fresh processes, threads released at once make their first calls
    to the functions the runtime looks up lazily (signal masks, semaphore posts,
    condition signals): no process dies, exit 0.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

from e2elib import env, Tally
from test_run import compile_c, describe, tsafe_run

SRC, BUILD = env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
FIXTURES = os.path.join(SRC, "tests", "fixtures", "run", "reliability")
RUNTIME = os.path.join(BUILD, "runtime", "libtsafe-rt.so")
T = Tally()


def build(work, name):
    return compile_c(os.path.join(work, name), os.path.join(FIXTURES, name + ".c"))


def lines_of(found, rule):
    return sorted(f["locations"][0].get("line") for f in found or [] if f["rule"] == rule)


def marked_lines(name, text):
    with open(os.path.join(FIXTURES, name + ".c"), encoding="utf-8") as f:
        return [n for n, line in enumerate(f, 1) if text in line]


def test_fd_reuse(work):
    exe = build(work, "fd_reuse")
    want = marked_lines("fd_reuse", "pthread_mutex_unlock(&")
    for mode in ("closefrom", "closeloop", "dup2"):
        data = os.path.join(work, f"data-{mode}")
        rc, found, err, _ = tsafe_run(work, os.path.join(work, f"fd-{mode}.db"), exe, mode, data,
                                      opts=("--fail-on", "never"))
        T.check(f"fd_reuse {mode}: the program's own file and its fork child's descriptor untouched "
                "(exit 0)", rc == 0, f"exit {rc}", err)
        T.check(f"fd_reuse {mode}: misuse before and after the program took the descriptors is "
                "recorded (parent, thread, fork child)",
                lines_of(found, "unlock-not-held") == want, want, describe(found), err)


def test_daemon(work):
    exe = build(work, "daemon")
    os.makedirs(os.path.join(work, "reltmp"), exist_ok=True)
    want = marked_lines("daemon", "pthread_mutex_unlock(&lock)")
    for mode, line in (("fork", want[1]), ("exec", want[0])):
        rc, found, err, _ = tsafe_run(work, os.path.join(work, f"daemon-{mode}.db"), exe, mode,
                                      opts=("--fail-on", "never"), extra_env={"TMPDIR": "reltmp"})
        T.check(f"daemon ({mode}), TMPDIR relative: the child's log is kept after chdir('/')",
                rc == 0 and lines_of(found, "unlock-not-held") == [line], f"exit {rc}",
                describe(found), err)
    logs = os.path.join(work, "rellogs")
    os.mkdir(logs)
    r = subprocess.run([exe], cwd=work, capture_output=True, text=True,
                       env=dict(os.environ, LD_PRELOAD=RUNTIME, TSAFE_RT_OUT="rellogs"))
    made = glob.glob(os.path.join(logs, "tsafe-rt.*.log"))
    T.check("daemon, TSAFE_RT_OUT relative with LD_PRELOAD: parent and child logs both kept",
            r.returncode == 0 and len(made) == 2, r.stderr, made)


def test_setuid(work):
    exe = build(work, "daemon")
    if os.geteuid() != 0:
        print("skip - not root: cannot make a program set-user-ID to another user")
        return
    for bit, name, chown in ((0o4755, "set-user-ID", (65534, -1)), (0o2755, "set-group-ID", (-1, 65534))):
        copy = os.path.join(work, f"daemon-{bit:o}")
        shutil.copy(exe, copy)
        os.chown(copy, *chown)
        os.chmod(copy, bit)
        rc, _, err, _ = tsafe_run(work, os.path.join(work, f"suid-{bit:o}.db"), copy)
        T.check(f"a {name} program: exit 2 and why", rc == 2 and name in err and "LD_PRELOAD" in err,
                f"exit {rc}", err)
    own = os.path.join(work, "daemon-own")
    shutil.copy(exe, own)
    os.chmod(own, 0o4755)
    rc, found, err, _ = tsafe_run(work, os.path.join(work, "suid-own.db"), own, opts=("--fail-on", "never"))
    T.check("a set-user-ID program owned by the caller runs (its bit changes nothing)",
            rc == 0 and len(found or []) == 1, f"exit {rc}", describe(found), err)


def run_clean(work, name, what, *args, opts=()):
    """A correct program: under the runtime it exits 0 with no findings, as it does alone."""
    exe = build(work, name)
    native = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    rc, found, err, _ = tsafe_run(work, os.path.join(work, name + ".db"), exe, *args, opts=opts)
    T.check(f"{name}: {what}: exit 0, no findings (natively exit {native.returncode})",
            native.returncode == 0 and rc == 0 and found == [], f"exit {rc}", describe(found), err)


def test_join_main(work):
    exe = build(work, "join_main")
    rc, found, err, secs = tsafe_run(work, os.path.join(work, "join_main.db"), exe,
                                     opts=("--fail-on", "never"))
    lines = lines_of(found, "deadlock")
    want = marked_lines("join_main", "pthread_join(")
    T.check(f"join_main: the join cycle through main is reported and ended (status 124, {secs:.1f} s)",
            rc == 124 and len(lines) == 1 and lines[0] in want
            and "deadlocked; the runtime ended it" in err, f"exit {rc}", describe(found), err)


def test_lock_addresses(work):
    exe = build(work, "lock_addresses")
    rc, found, err, secs = tsafe_run(work, os.path.join(work, "addr-churn.db"), exe, "churn",
                                     opts=("--fail-on", "never"), timeout=300)
    T.check(f"lock_addresses churn: 3.5M destroyed locks, then an inversion of two new ones is "
            f"found ({secs:.1f} s)", rc == 0 and [f["rule"] for f in found or []] == ["lock-order-inversion"]
            and "not watched" not in err, f"exit {rc}", describe(found), err)
    rc, found, err, secs = tsafe_run(work, os.path.join(work, "addr-keep.db"), exe, "keep",
                                     opts=("--fail-on", "never"), timeout=300)
    T.check(f"lock_addresses keep: 3.3M live locks fill the table, and the summary says so ({secs:.1f} s)",
            rc == 0 and "table of lock addresses filled up" in err and "not watched" in err,
            f"exit {rc}", describe(found), err)


def test_thread_bomb(work):
    exe = build(work, "thread_bomb")
    rc, found, err, _ = tsafe_run(work, os.path.join(work, "bomb.db"), exe, "1200",
                                  extra_env={"TSAFE_RT_MAX_THREADS": "1100"})
    T.check("thread_bomb: 1,200 threads alive at once, 1,100 watched (main and 1,099): exit 0, no findings, the "
            "runtime added no thread, the summary says how many were alive and were not watched",
            rc == 0 and found == [] and "at least 1024 threads alive at once" in err
            and "more than 1100 threads were alive at once" in err and "at least 101 more were not watched" in err,  # main holds a slot
            f"exit {rc}", describe(found), err)


def main():
    if not os.path.exists(RUNTIME):
        sys.exit(f"test_run_reliability: {RUNTIME} is missing; build the tsafe-rt target")
    with tempfile.TemporaryDirectory(prefix="tsafe-rel-") as work:
        test_fd_reuse(work)
        test_daemon(work)
        test_setuid(work)
        test_join_main(work)
        for mode in ("interrupt", "restart"):
            run_clean(work, "sem_signal", f"a signal in sem_wait ({mode})", mode)
        # The fixture holds the loader's lock on purpose; the watch engine's trap handlers
        # wait for it too, which would hold the signal up before sem_wait is called.
        run_clean(work, "sem_signal_gap", "a signal while sem_wait is held up on its way in "
                  "(interrupt)", opts=("--no-watch",))
        run_clean(work, "pshared_fork", "a process-shared mutex held by the parent across fork")
        run_clean(work, "pshared_cond", "a process-shared mutex held by another process while "
                  "every thread waits")
        test_lock_addresses(work)
        test_thread_bomb(work)
        run_clean(work, "cancel_cleanup", "cancelled waits whose cleanup handlers unlock")
        run_clean(work, "mutex_fields", "a normal mutex taken and given back by the runtime "
                  "itself keeps glibc's owner, user count and lock word, wakes its sleeper, "
                  "loses no increment")
        for opts in ((), ("--no-watch",)):
            run_clean(work, "cancel_pending", "a cancel pending while the runtime records a new "
                      f"lock (its own system calls are no cancellation points) {' '.join(opts)}",
                      opts=opts)
        for opts in ((), ("--no-watch",)):
            run_clean(work, "first_calls", "100 processes whose threads all make their first "
                      f"calls to lazily resolved functions at once {' '.join(opts)}", opts=opts)
    print(f"{T.passed} passed, {T.failed} failed")
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
