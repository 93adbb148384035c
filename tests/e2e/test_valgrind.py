#!/usr/bin/env python3
"""test_valgrind.py — `tsafe run --engine helgrind|drd|all` on small programs, each a real
Valgrind run: every mapped error kind becomes its rule at the right line, an unmapped one
keeps the tool's kind name, a race found by the static scan and by Helgrind is one
confirmed finding (also with DRD under --engine all), Valgrind's false alarms on atomics
and pthread_once are kept as likely benign and do not count, suppression files pass
through, a program killed at --timeout keeps what was reported, and the error paths
(unknown engine, no valgrind) exit 2 with one line.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

from e2elib import env

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


TSAFE, SRC = env("TSAFE"), env("TSAFE_SOURCE_DIR")
TMP = tempfile.mkdtemp(prefix="tsafe-vg-")


def compile_c(path, name):
    exe = os.path.join(TMP, name)
    subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", path, "-o", exe], check=True)
    return exe


def tsafe(*args, env_extra=None, cwd=SRC, preexec_fn=None):
    e = dict(os.environ, **(env_extra or {}))
    return subprocess.run([TSAFE, *args], cwd=cwd, capture_output=True, text=True, env=e, timeout=300,
                          preexec_fn=preexec_fn)


def run_json(db, engine, exe, *extra, args=(), status=0, env_extra=None, preexec_fn=None):
    """The findings of one run, or [] when its exit status is not `status` (None: any)."""
    out = os.path.join(TMP, f"{os.path.basename(exe)}.{engine}.json")
    r = tsafe("run", "--engine", engine, "--db", db, "--format", "json", "-o", out,
              "--fail-on", "never", *extra, "--", exe, *args, env_extra=env_extra, preexec_fn=preexec_fn)
    if status is not None and r.returncode != status:
        print(r.stderr)
        return [], r
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"], r


def at(findings, rule, line):
    return [f for f in findings if f["rule"] == rule and f["locations"] and f["locations"][0].get("line") == line]


def test_kinds():
    misuse = compile_c(os.path.join(SRC, "tests/fixtures/run/misuse.c"), "misuse")
    order = compile_c(os.path.join(SRC, "tests/fixtures/run/order.c"), "order")
    db = os.path.join(TMP, "kinds.db")
    hg, _ = run_json(db, "helgrind", misuse)
    for rule, line, kind in [("double-lock", 24, "Misc re-lock"), ("unlock-not-held", 34, "UnlockUnlocked"),
                             ("unlock-not-owner", 52, "UnlockForeign"), ("destroy-locked", 60, "Misc destroy"),
                             ("cond-wait-unheld", 72, "Misc cond wait"), ("unlock-not-held", 73, "UnlockBogus")]:
        check(at(hg, rule, line), f"helgrind {kind} -> {rule} at line {line}")
    check(any(f["rule"] == "lock-leak" for f in hg), "helgrind 'Exiting thread still holds' -> lock-leak")
    fo, _ = run_json(db, "helgrind", order)
    check(any(f["rule"] == "lock-order-inversion" and len(f["locations"]) >= 2 for f in fo),
          "helgrind LockOrder -> lock-order-inversion with both orders' acquisitions")
    drd, _ = run_json(db, "drd", misuse)
    for rule, line in [("double-lock", 24), ("unlock-not-held", 34), ("unlock-not-owner", 52),
                       ("destroy-locked", 60)]:
        check(at(drd, rule, line), f"drd -> {rule} at line {line}")
    check(any(f["rule"] == "lock-leak" for f in drd), "drd 'still locked at thread exit' -> lock-leak")
    check(at(drd, "drd:MutexErr", 72), "drd MutexErr with no mapping is kept as drd:MutexErr")
    check(all(f["fingerprint"] and "0x" not in (f["symbol"] or "") for f in hg + drd),
          "every finding has a fingerprint and no address in its symbol")
    again, _ = run_json(db, "helgrind", misuse)
    check(sorted(f["fingerprint"] for f in again) == sorted(f["fingerprint"] for f in hg),
          "a second run gives the same fingerprints (no addresses, thread ids or order)")


def test_free_and_destroy():
    """A free racing with another thread's read is a race (--free-is-write=yes); a condition
    variable destroyed while a thread waits on it is destroy-in-use."""
    fr = compile_c(os.path.join(SRC, "tests/fixtures/valgrind/free_race.c"), "free_race")
    cd = compile_c(os.path.join(SRC, "tests/fixtures/valgrind/cond_destroy.c"), "cond_destroy")
    db = os.path.join(TMP, "free.db")
    for tool in ("helgrind", "drd"):
        found, _ = run_json(db, tool, fr)
        check(at(found, "data-race", 25), f"{tool}: free() at line 25 races with the read: {found}")
    found, _ = run_json(db, "helgrind", cd)
    check(at(found, "destroy-in-use", 29), f"helgrind: cond destroyed while waited upon -> destroy-in-use: {found}")


def test_one_bug_one_finding():
    """tsafe scan, tsafe run and tsafe run --engine all into one database: each bug of
    misuse.c and order.c is one finding seen by every engine that reported it, named by the
    static lock class, with the more precise unlock rule; each location keeps its own
    engine's thread with its own stack."""
    db = os.path.join(TMP, "merge.db")
    found = {}
    for name in ("misuse", "order"):
        src = os.path.join(SRC, f"tests/fixtures/run/{name}.c")
        exe = compile_c(src, name + "_merge")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        tsafe("run", "--db", db, "--fail-on", "never", "--", exe)
        tsafe("run", "--engine", "all", "--db", db, "--fail-on", "never", "--", exe)
    r = tsafe("report", "--db", db, "--format", "json")
    findings = [f for f in json.loads(r.stdout)["findings"] if not f.get("suppressed")]
    keys = [(f["rule"], f["locations"][0]["file"], f["locations"][0]["line"]) for f in findings]
    check(len(keys) == len(set(keys)), f"no two findings of one rule at one line: {keys}")
    def one(rule, line, file="misuse.c"):
        hits = [f for f in findings if f["rule"] == rule and f["locations"][0]["line"] == line
                and f["locations"][0]["file"].endswith(file)]
        check(len(hits) == 1, f"one {rule} at {file}:{line}: {[describe_engines(f) for f in hits]}")
        return hits[0] if hits else {"engines": [], "symbol": "", "locations": []}
    leak = one("lock-leak", 80)
    check({"static", "runtime", "helgrind", "drd"} <= set(leak["engines"]),
          f"the leaked lock is one finding of all four engines: {leak['engines']}")
    check(not [f for f in findings if f["rule"] == "lock-leak" and f is not leak
               and "kept" in (f["symbol"] or "")], "no second lock-leak of 'kept'")
    owner = one("unlock-not-owner", 52)
    check({"static", "runtime", "helgrind"} <= set(owner["engines"]),
          f"unlock-not-held (static) and unlock-not-owner (runtime, Helgrind) at one call are "
          f"one unlock-not-owner: {owner['engines']}")
    check(not [f for f in findings if f["rule"] == "unlock-not-held" and
               f["locations"][0]["line"] == 52], "no unlock-not-held left at line 52")
    dl = one("double-lock", 24)
    check({"static", "runtime", "helgrind", "drd"} <= set(dl["engines"]) and
          dl["symbol"] == "local:double_lock:m",
          f"the double lock is one finding named by the static class: {dl['engines']} {dl['symbol']}")
    inv = one("lock-order-inversion", 12, "order.c")
    check({"static", "runtime", "helgrind"} <= set(inv["engines"]),
          f"Helgrind's lock-order error joins the static and runtime inversion: {inv['engines']}")
    text = tsafe("report", "--db", db).stdout
    check("seen by: drd, helgrind, runtime, static (confirmed)" in text, "the text says which engines saw it")
    sarif = json.loads(tsafe("report", "--db", db, "--format", "sarif").stdout)
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]
                if r["ruleId"] == "lock-leak" and not r.get("suppressions")]
    check(any("(seen by drd, helgrind, runtime, static" in m for m in messages),
          f"the SARIF message of the merged lock-leak says which engines saw it: {messages}")
    for f in findings:
        for loc in f["locations"]:
            st = loc.get("stack") or []
            check(not st or st[0]["line"] == loc["line"] or st[0]["function"] != loc.get("function"),
                  f"{f['rule']} at {loc['line']}: the stack starts at its own location")
            thread = loc.get("thread") or ""
            if "'holder'" in thread and st:
                check(any(fr["function"] in ("holder", "unlock_foreign") for fr in st),
                      f"a location in thread 'holder' carries that thread's stack: {st}")


def test_untagged_struct_lock():
    """A mutex member of a struct without a tag is one lock for every engine: the runtime's
    "(anonymous).lock" and the static facts' "struct (unnamed at …).lock" (which name
    Helgrind's and DRD's locks) join, so the unlock of it that no thread locked is one
    finding seen by the runtime and Helgrind."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/unlock_untagged.c")
    exe = compile_c(src, "unlock_untagged")
    db = os.path.join(TMP, "unlock_untagged.db")
    tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
    tsafe("run", "--db", db, "--fail-on", "never", "--", exe)
    tsafe("run", "--engine", "all", "--db", db, "--fail-on", "never", "--", exe)
    r = tsafe("report", "--db", db, "--format", "json")
    unlocks = [f for f in json.loads(r.stdout)["findings"]
               if f["rule"] in ("unlock-not-held", "unlock-not-owner") and not f.get("suppressed")]
    check(len(unlocks) == 1 and {"runtime", "helgrind"} <= set(unlocks[0].get("engines") or []),
          f"one unlock finding, seen by the runtime and Helgrind: {[describe_engines(f) for f in unlocks]}")


def describe_engines(f):
    return f"{f['rule']} at {f['locations'][0]['line']} seen by {f['engines']}"


def test_lock_order_judged():
    """Helgrind's cycles that cannot deadlock are kept as likely benign with the reason: read
    locks only (also the runtime's), a gate lock every acquisition holds (the static facts
    say so first; the runtime saw it too)."""
    for name, engines, reason in [("rdlock_cycle", ("runtime", "helgrind"), "read lock"),
                                  ("gate_cycle", ("helgrind",), "holds 'gate'")]:
        src = os.path.join(SRC, f"tests/fixtures/valgrind/{name}.c")
        exe = compile_c(src, name)
        db = os.path.join(TMP, f"{name}.db")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        tsafe("run", "--db", db, "--fail-on", "never", "--", exe)
        for engine in engines:
            found, _ = run_json(db, engine, exe)
            inv = [f for f in found if f["rule"] == "lock-order-inversion"]
            check(inv and all(f["suppressed"] and reason in f["suppress_reason"] for f in inv),
                  f"{name} under {engine}: the cycle is likely benign ({reason}): "
                  f"{[(f['suppressed'], f.get('suppress_reason')) for f in inv]}")


def test_confirmed():
    src = os.path.join(SRC, "corpus/13_race_conditions/read_unlocked.c")
    exe = compile_c(src, "read_unlocked")
    db = os.path.join(TMP, "confirm.db")
    r = tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
    check(r.returncode == 0, "static scan of read_unlocked.c")
    found, r = run_json(db, "all", exe)
    races = [f for f in found if f["rule"] == "data-race"]
    check(len(races) == 1, f"scan + runtime + helgrind + drd: one data-race finding (got {len(races)})")
    if races:
        f = races[0]
        check(f["confirmed"], "the race is confirmed")
        # the runtime engine's hardware watchpoints confirm it too, where the machine allows
        engines = {"static", "helgrind", "drd"}
        if "perf_event_open refused" not in r.stderr:
            engines.add("watch")
        check(set(f["engines"]) == engines, f"seen by {', '.join(sorted(engines))}: {f['engines']}")
        check(sorted(l["line"] for l in f["locations"][:2]) == [27, 39], "both accesses shown (lines 27 and 39)")
        check(all(l.get("stack") for l in f["locations"][:2]), "each access has its stack")
    text = tsafe("report", "--db", db).stdout
    check("(confirmed)" in text, "text report marks it confirmed")
    sarif = os.path.join(TMP, "confirm.sarif")
    tsafe("report", "--db", db, "--format", "sarif", "-o", sarif)
    with open(sarif, encoding="utf-8") as fh:
        res = json.load(fh)["runs"][0]["results"]
    check(res and res[0]["properties"]["confirmed"] is True, "SARIF: confirmed property, sorted first")


def test_benign():
    for name, reason in [("atomic", "atomic operations"), ("once", "pthread_once"),
                         ("atomic_member", "only atomic operations at both lines")]:
        src = os.path.join(SRC, f"tests/fixtures/valgrind/{name}.c")
        exe = compile_c(src, name)
        db = os.path.join(TMP, f"{name}.db")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        r = tsafe("run", "--engine", "helgrind", "--db", db, "--fail-on", "note", "--", exe)
        check(r.returncode == 0, f"{name}: likely-benign races do not count in the exit status ({r.returncode})")
        check("likely benign" in r.stderr and reason in r.stderr, f"{name}: text shows likely benign with the reason")
        sarif = os.path.join(TMP, f"{name}.sarif")
        tsafe("report", "--db", db, "--format", "sarif", "-o", sarif)
        with open(sarif, encoding="utf-8") as fh:
            res = [x for x in json.load(fh)["runs"][0]["results"] if x["ruleId"] == "data-race"]
        check(res and all(reason in x["suppressions"][0]["justification"] for x in res),
              f"{name}: SARIF suppressions entry carries the reason")
        g = tsafe("gate", "--db", db, "--fail-on", "note")
        check(g.returncode == 0, f"{name}: likely-benign races do not fail the gate")


def test_once_object():
    """The once rule checks the once object: a write inside an initialiser is ordered before
    a locked deposit made after pthread_once on the same object (benign, whatever the
    scheduling), and so is a write into a block the initialiser allocated (the allocator's
    fill has no stack); but one initialiser run through two once objects races with itself."""
    for name, benign, once in [("once_locked", True, "acct_once"), ("once_two", False, None),
                               ("once_block_write", True, "slots_once")]:
        src = os.path.join(SRC, f"tests/fixtures/valgrind/{name}.c")
        exe = compile_c(src, name)
        db = os.path.join(TMP, f"{name}.db")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        found, _ = run_json(db, "helgrind", exe)
        races = [f for f in found if f["rule"] == "data-race"]
        check(races, f"{name}: Helgrind reports the initialiser's write")
        if benign:
            check(all(f.get("suppressed") and once in (f.get("suppress_reason") or "")
                      for f in races), f"{name}: likely benign, naming the once object: {races}")
        else:
            check(any(not f.get("suppressed") for f in races),
                  f"{name}: two once objects guard nothing: the race counts: {races}")


def test_trylock():
    """Helgrind's inversion whose reverse order is only ever a trylock cannot deadlock: kept,
    likely benign with the reason; a real inversion still counts."""
    exe = compile_c(os.path.join(SRC, "corpus/12_deadlocks/correct_trylock.c"), "correct_trylock")
    db = os.path.join(TMP, "trylock.db")
    found, r = run_json(db, "helgrind", exe)
    inv = [f for f in found if f["rule"] == "lock-order-inversion"]
    check(len(inv) == 1 and inv[0].get("suppressed") and
          "pthread_mutex_trylock()" in (inv[0].get("suppress_reason") or "") and
          "cannot deadlock" in inv[0]["suppress_reason"],
          "trylock inversion kept as likely benign, naming pthread_mutex_trylock")
    r = tsafe("run", "--engine", "helgrind", "--db", db, "--fail-on", "note", "--", exe)
    check(r.returncode == 0, f"a trylock inversion does not count in the exit status ({r.returncode})")
    order = compile_c(os.path.join(SRC, "tests/fixtures/run/order.c"), "order2")
    r = tsafe("run", "--engine", "helgrind", "--db", os.path.join(TMP, "order2.db"), "--fail-on",
              "warning", "--", order)
    check(r.returncode == 1 and "likely benign" not in r.stderr,
          f"a blocking inversion still counts (exit {r.returncode})")


def test_rdlock_write():
    """A write under a read lock is a race both tools report when nothing else orders the
    two read sections (the README's limit on write_under_rdlock.c rests on this)."""
    exe = compile_c(os.path.join(SRC, "tests/fixtures/valgrind/rdlock_write.c"), "rdlock_write")
    for tool in ("helgrind", "drd"):
        found, _ = run_json(os.path.join(TMP, f"rdlock.{tool}.db"), tool, exe)
        # DRD names no variable in a BSS section without --read-var-info ("?").
        check(any(f["rule"] == "data-race" and f["symbol"] in ("hits", "?") and
                  any(l.get("line") == 17 for l in f["locations"]) for f in found),
              f"{tool}: hits++ under a read lock (line 17) is a data race")


RACER = r"""
#include <pthread.h>
#include <signal.h>
static int counter;
static void *bump(void *a) { counter++; return a; }
int main(int argc, char **argv) {
	(void)argv;
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, 0);
	pthread_t t;
	pthread_create(&t, 0, bump, 0);
	counter++;               /* races with bump's, whatever the schedule: no order between them */
	if (argc > 1) {          /* wait for --timeout's SIGTERM, however late it comes */
		int sig;
		sigwait(&term, &sig);
	}
	pthread_join(t, 0);
	return 0;
}
"""


def test_timeout_and_suppressions():
    path = os.path.join(TMP, "racer.c")
    with open(path, "w") as f:
        f.write("#include <stdlib.h>\n" + RACER)
    exe = compile_c(path, "racer")
    db = os.path.join(TMP, "racer.db")
    # On a loaded machine Valgrind may take seconds to bring the program to main(): a SIGTERM
    # arriving before main() blocked it would end the program before it raced, and a SIGKILL
    # after the grace would too. So SIGTERM is blocked from the program's first instruction
    # (the mask passes through tsafe and Valgrind to it, as under a supervisor that blocks
    # it), and the timeout is twice what a whole run of the program takes here, now. Its exit
    # after the signal is not judged: what Valgrind logged is kept either way.
    started = time.monotonic()
    run_json(os.path.join(TMP, "racer-once.db"), "helgrind", exe)
    timeout = str(max(3, 2 * math.ceil(time.monotonic() - started) + 1))

    def sigterm_blocked():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    found, r = run_json(db, "helgrind", exe, "--timeout", timeout, args=("wait",), status=None,
                        preexec_fn=sigterm_blocked)
    check(f"did not end within {timeout} s" in r.stderr and any(f["rule"] == "data-race" for f in found),
          f"--timeout {timeout} sends the program SIGTERM; the race it ran before is reported")
    supp = os.path.join(TMP, "mine.supp")
    with open(supp, "w") as f:
        f.write("{\n  mine-bump\n  Helgrind:Race\n  ...\n  fun:bump\n}\n"
                "{\n  mine-main\n  Helgrind:Race\n  ...\n  fun:main\n}\n")
    found, _ = run_json(os.path.join(TMP, "supp.db"), "helgrind", exe, "--suppressions", supp)
    check(not found, "a user's --suppressions file reaches Valgrind")


def test_holdout_judgements():
    """Valgrind's alarms on correct programs of the holdout set, judged with the static
    facts and kept as likely benign with the reason; the buggy twins still count."""
    cases = [  # program, tools, reason the alarms must carry (None: a real bug must count)
        ("lazy_table", ("helgrind", "drd"), "published through atomic 'shared_table'"),
        ("once_config", ("helgrind",), "once object 'config_once'"),
        ("gate_lock", ("helgrind",), "holds 'gate'"),
        ("refcount", ("helgrind", "drd"), "reference count"),
        ("race_lazy_init", ("helgrind", "drd"), None),
        ("refcount_race", ("helgrind",), None),
    ]
    for name, tools, reason in cases:
        src = os.path.join(SRC, f"tests/fixtures/holdout/{name}.c")
        exe = compile_c(src, "holdout_" + name)
        for tool in tools:
            db = os.path.join(TMP, f"holdout_{name}.{tool}.db")
            tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
            found, _ = run_json(db, tool, exe)
            alarms = [f for f in found if f["rule"] in ("data-race", "lock-order-inversion")
                      and tool in f["engines"]]
            if reason:
                check(all(f.get("suppressed") and reason in (f.get("suppress_reason") or "")
                          for f in alarms),
                      f"{name} under {tool}: every alarm likely benign ({reason}): "
                      f"{[(describe_engines(f), f.get('suppress_reason')) for f in alarms]}")
            else:
                check(any(not f.get("suppressed") for f in alarms),
                      f"{name} under {tool}: the real race still counts: "
                      f"{[(describe_engines(f), f.get('suppress_reason')) for f in alarms]}")
    # a condition wait without its mutex: Helgrind's unlock after it, and its race on what the
    # re-locked mutex guards, are the wait's echoes; the wait itself counts
    src = os.path.join(SRC, "tests/fixtures/holdout/wait_unlocked.c")
    exe = compile_c(src, "holdout_wait_unlocked")
    db = os.path.join(TMP, "holdout_wait.db")
    tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
    found, _ = run_json(db, "helgrind", exe)
    counted = sorted(f["rule"] for f in found if not f.get("suppressed"))
    echoes = [f for f in found if f.get("suppressed")]
    check(counted == ["cond-wait-unheld"] and
          all("condition wait without the mutex at" in f["suppress_reason"] for f in echoes),
          f"wait_unlocked under helgrind: the wait counts, its echoes are likely benign: "
          f"{counted} {[f.get('suppress_reason') for f in echoes]}")


def check_twins(correct, racy, reason):
    """A correct fixture of tests/fixtures/valgrind whose races on heap blocks Helgrind and
    DRD report are all likely benign with `reason`, and its racy twin, one of whose races
    counts."""
    for name, benign in ((correct, True), (racy, False)):
        src = os.path.join(SRC, f"tests/fixtures/valgrind/{name}.c")
        exe = compile_c(src, name)
        for tool in ("helgrind", "drd"):
            db = os.path.join(TMP, f"{name}.{tool}.db")
            tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
            found, _ = run_json(db, tool, exe)
            heap = [f for f in found if f["rule"] == "data-race" and "heap block" in f["message"]]
            if benign:
                ok = heap and all(f.get("suppressed") and reason in f.get("suppress_reason", "")
                                  for f in heap)
            else:
                ok = any(not f.get("suppressed") for f in heap)
            check(bool(ok), f"{name} under {tool}: the heap block's race "
                            f"{'likely benign' if benign else 'counts'}: "
                            f"{[(f['locations'][0]['line'], f.get('suppress_reason')) for f in heap]}")


def test_constructor_publication():
    """A block a constructor allocates, fills and returns, published by its caller through
    an atomic exchange and read after an acquire load: Valgrind's race on it is likely
    benign; when the caller writes the block after publishing it, the race counts."""
    check_twins("publish_ctor", "publish_ctor_late", "published through atomic 'active'")


def test_pipe_handover():
    """Jobs whose pointers a producer sends through a socket pair (a send() wrapper) and a
    consumer read()s into a local: Valgrind sees no happens-before through a descriptor, its
    races on the jobs are likely benign; when the producer writes a job again after sending
    it, the race counts."""
    check_twins("pipe_handoff", "pipe_handoff_late", "handed over through a pipe/socket")


def test_spin_flag_lock():
    """Updates inside a spinlock made of an atomic_flag (test-and-set loop in a helper, clear
    in another): Helgrind and DRD see no lock and report them; the static facts show both
    sides holding the flag, so those races are likely benign. A counter bumped outside it
    (line 33) still counts. (DRD alone names one side of each race, which no judgement of
    two sides takes, as for the flag's own atomic operations; under --engine all its
    reports join Helgrind's.)"""
    src = os.path.join(SRC, "tests/fixtures/valgrind/spin_flag.c")
    exe = compile_c(src, "spin_flag")
    for tool in ("helgrind",):
        db = os.path.join(TMP, f"spin_flag.{tool}.db")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        found, _ = run_json(db, tool, exe)
        races = [f for f in found if f["rule"] == "data-race" and tool in f["engines"]]
        inside = [f for f in races if any(l.get("line") in range(27, 32) for l in f["locations"])
                  and not any(l.get("line") == 33 for l in f["locations"])]
        check(inside and all(f.get("suppressed") and "spinlock 'gate'" in f.get("suppress_reason", "")
                             for f in inside),
              f"spin_flag under {tool}: the races inside the spinlock are likely benign: "
              f"{[(f['locations'][0]['line'], f.get('suppress_reason')) for f in inside]}")
        check(any(not f.get("suppressed") and any(l.get("line") == 33 for l in f["locations"])
                  for f in races), f"spin_flag under {tool}: the race outside it counts")


def test_destroy_echoes():
    """A mutex destroyed while held stays locked (the destroy fails): the tools' reports of
    the failed destroy and of the unlock after it are that destroy-locked's echoes, likely
    benign; an unlock of a mutex nobody holds, elsewhere, still counts."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/destroy_unlock.c")
    exe = compile_c(src, "destroy_unlock")
    for tool in ("helgrind", "drd"):
        db = os.path.join(TMP, f"destroy_unlock.{tool}.db")
        tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
        found, _ = run_json(db, tool, exe)
        counted = sorted((f["rule"], f["locations"][0]["line"]) for f in found
                         if not f.get("suppressed") and tool in f["engines"])
        echoes = [f for f in found if f.get("suppressed")]
        check(("destroy-locked", 19) in counted and
              [c for c in counted if c[1] in (19, 20)] == [("destroy-locked", 19)] and
              any(c[1] == 26 for c in counted) and echoes and
              all("destroyed while held at" in f["suppress_reason"] and
                  f["locations"][0]["line"] in (19, 20) for f in echoes),
              f"destroy_unlock under {tool}: the destroy and the stray unlock count, the "
              f"destroy's echoes are likely benign: {counted} "
              f"{[(f['rule'], f.get('suppress_reason')) for f in echoes]}")


STUB_VALGRIND = """#!/bin/sh
# valgrind stand-in: writes the report in $TSAFE_STUB_XML where --xml-file says, runs nothing
for a in "$@"; do
  case "$a" in --xml-file=*) out=$(echo "${a#--xml-file=}" | sed 's/%p/4242/');; esac
done
cp "$TSAFE_STUB_XML" "$out"
"""


def frame(fn, path, line):
    return (f"<frame><ip>0x1</ip><obj>/p/prog</obj><fn>{fn}</fn><dir>{os.path.dirname(path)}"
            f"</dir><file>{os.path.basename(path)}</file><line>{line}</line></frame>")


def line_of(path, mark):
    with open(path, encoding="utf-8") as f:
        return next(n for n, l in enumerate(f, 1) if mark in l)


def race_xml(path, reader, read_line, writer, write_line, created_line, alloc_line=None):
    """Helgrind's report of a race: thread #2 (created at created_line in main) reads at
    read_line in reader, main wrote at write_line in writer."""
    alloc = (f"<auxwhat>Address 0x4a8b040 is 0 bytes inside a block of size 64 alloc'd</auxwhat>"
             f"<stack><frame><ip>0x3</ip><obj>/usr/libexec/valgrind/vgpreload_helgrind-amd64-"
             f"linux.so</obj><fn>malloc</fn></frame>{frame('main', path, alloc_line)}</stack>"
             if alloc_line else "")
    return ("<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
            "<protocoltool>helgrind</protocoltool><announcethread><hthreadid>2</hthreadid>"
            f"<stack>{frame('main', path, created_line)}</stack></announcethread>"
            "<error><unique>0x0</unique><tid>2</tid><kind>Race</kind><xwhat><text>Possible data "
            "race during read of size 4 at 0x4A8B040 by thread #2</text><hthreadid>2</hthreadid>"
            f"</xwhat><stack>{frame(reader, path, read_line)}</stack><xauxwhat><text>This "
            "conflicts with a previous write of size 4 by thread #1</text><hthreadid>1"
            f"</hthreadid></xauxwhat><stack>{frame(writer, path, write_line)}"
            f"{frame('main', path, write_line) if writer != 'main' else ''}</stack>{alloc}"
            "</error><status><state>FINISHED</state></status></valgrindoutput>\n")


def one_sided_xml(path, fn, side, line, created_line, alloc_line, alloc_fn):
    """Helgrind's report of a race that kept no stack of the other access: thread #2
    (created at created_line in main) does a `side` ("read", "write") at line in fn, of a
    block allocated at alloc_line in alloc_fn."""
    return ("<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
            "<protocoltool>helgrind</protocoltool><announcethread><hthreadid>2</hthreadid>"
            f"<stack>{frame('main', path, created_line)}</stack></announcethread>"
            "<error><unique>0x0</unique><tid>2</tid><kind>Race</kind><xwhat><text>Possible data "
            f"race during {side} of size 4 at 0x4A8B040 by thread #2</text><hthreadid>2"
            f"</hthreadid></xwhat><stack>{frame(fn, path, line)}</stack>"
            "<auxwhat>Address 0x4a8b040 is 8 bytes inside a block of size 24 alloc'd</auxwhat>"
            "<stack><frame><ip>0x3</ip><obj>/usr/libexec/valgrind/vgpreload_helgrind-amd64-"
            f"linux.so</obj><fn>calloc</fn></frame>{frame(alloc_fn, path, alloc_line)}</stack>"
            "</error><status><state>FINISHED</state></status></valgrindoutput>\n")


def unlock_unlocked_xml(path, handler, unlock_line, fn, push_line, lock_line, created_line):
    """Helgrind's unlock of a lock not held by thread #2 at unlock_line in handler, called
    from the cleanup push at push_line in fn; the lock first observed at lock_line."""
    lib = "<frame><ip>0x2</ip><obj>/usr/libexec/valgrind/vgpreload_helgrind-amd64-linux.so</obj></frame>"
    return ("<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
            "<protocoltool>helgrind</protocoltool><announcethread><hthreadid>2</hthreadid>"
            f"<stack>{frame('main', path, created_line)}</stack></announcethread>"
            "<error><unique>0x0</unique><tid>2</tid><kind>UnlockUnlocked</kind><xwhat><text>"
            "Thread #2 unlocked a not-locked lock at 0x10C0A0</text><hthreadid>2</hthreadid>"
            f"</xwhat><stack>{lib}{frame(handler, path, unlock_line)}{frame(fn, path, push_line)}"
            "</stack><auxwhat>Lock at 0x10C0A0 was first observed</auxwhat>"
            f"<stack>{lib}{frame(fn, path, lock_line)}</stack></error>"
            "<status><state>FINISHED</state></status></valgrindoutput>\n")


def inner_wakeup_xml(path, waiter, wait_line, created_line):
    """Helgrind's blame of the wake-up glibc sends from inside thread #2's timed wait at
    wait_line in waiter: a signal while the condition's mutex is held by no thread."""
    lib = ("<frame><ip>0x2</ip><obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj>"
           "<fn>pthread_cond_timedwait@@GLIBC_2.3.2</fn></frame>")
    return ("<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
            "<protocoltool>helgrind</protocoltool><announcethread><hthreadid>2</hthreadid>"
            f"<stack>{frame('main', path, created_line)}</stack></announcethread>"
            "<error><unique>0x0</unique><tid>2</tid><kind>Misc</kind><what>Thread #2: "
            "pthread_cond_{signal,broadcast}: dubious: associated lock is not held by any "
            "thread</what><stack><frame><ip>0x1</ip><obj>/usr/libexec/valgrind/vgpreload_"
            "helgrind-amd64-linux.so</obj><fn>pthread_cond_signal@*</fn></frame>"
            f"{lib}{frame(waiter, path, wait_line)}</stack></error>"
            "<status><state>FINISHED</state></status></valgrindoutput>\n")


def replayed(name, xml, rule="data-race"):
    """The findings of rule of `tsafe run --engine helgrind` of a scanned fixture, with a
    stand-in valgrind that reports xml."""
    src = os.path.join(SRC, f"tests/fixtures/valgrind/{name}.c")
    stub_dir = os.path.join(TMP, "stub")
    os.makedirs(stub_dir, exist_ok=True)
    stub = os.path.join(stub_dir, "valgrind")
    with open(stub, "w") as f:
        f.write(STUB_VALGRIND)
    os.chmod(stub, 0o755)
    report = os.path.join(TMP, f"{name}.stub.xml")
    with open(report, "w") as f:
        f.write(xml)
    db = os.path.join(TMP, f"{name}.stub.db")
    if os.path.exists(db):
        os.unlink(db)
    tsafe("scan", src, "--db", db, "--fail-on", "never", "--", "-pthread")
    found, _ = run_json(db, "helgrind", "/bin/true", env_extra={
        "PATH": stub_dir + os.pathsep + os.environ["PATH"], "TSAFE_STUB_XML": report})
    return [f for f in found if f["rule"] == rule]


def test_replayed_judgements():
    """Alarms Valgrind 3.19 does not raise on these fixtures but a tool that lost an order
    would: a write under a read lock paired with a read under the write lock (they exclude
    each other), a fill by main before it created the reader's thread; both judged from
    the static facts. A write after the creation is not judged."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/rwlock_exclusive.c")
    bump, read = line_of(src, "hits++"), line_of(src, "seen += hits")
    created = line_of(src, "pthread_create(&b")
    races = replayed("rwlock_exclusive", race_xml(src, "auditor", read, "bumper", bump, created))
    check(len(races) == 1 and races[0].get("suppressed") and
          "for reading" in races[0]["suppress_reason"] and
          "for writing" in races[0]["suppress_reason"],
          f"write under the read lock vs read under the write lock: likely benign: "
          f"{[f.get('suppress_reason') for f in races]}")
    src = os.path.join(SRC, "tests/fixtures/valgrind/filled_before.c")
    fill, readl, create, after = (line_of(src, m) for m in ("// fill", "// read", "// create",
                                                            "// after"))
    alloc = line_of(src, "malloc(")
    races = replayed("filled_before", race_xml(src, "reader", readl, "main", fill, create, alloc))
    check(len(races) == 1 and races[0].get("suppressed") and
          "before the thread of the other access was created" in races[0]["suppress_reason"],
          f"filled before the reader's thread was created: likely benign: "
          f"{[f.get('suppress_reason') for f in races]}")
    races = replayed("filled_before", race_xml(src, "reader", readl, "main", after, create, alloc))
    check(len(races) == 1 and not races[0].get("suppressed"),
          f"a write after the creation is not judged: {[f.get('suppress_reason') for f in races]}")
    test_inner_wakeup()
    test_list_drain()
    test_cleanup_unlock()


def test_cleanup_unlock():
    """Helgrind's unlock of a lock not held in a cancellation cleanup handler: likely benign
    when the handler was pushed holding the mutex around a condition wait on it and nothing
    unlocks it before the pop (the cancelled wait re-locked it, unseen); counts when the
    function unlocks it before a later cancellation point."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/cleanup_wait.c")
    unlock, created = line_of(src, "// handler unlock"), line_of(src, "// create")
    for fn, benign in (("waiter", True), ("napper", False)):
        xml = unlock_unlocked_xml(src, "unlock_it", unlock, fn, line_of(src, f"// {fn} push"),
                                  line_of(src, f"// {fn} lock"), created)
        found = [f for f in replayed("cleanup_wait", xml, rule="unlock-not-held")
                 if "helgrind" in f["engines"]]
        check(len(found) == 1 and bool(found[0].get("suppressed")) == benign and
              (not benign or "cleanup handler" in found[0]["suppress_reason"]),
              f"cleanup_wait: the handler's unlock after a cancellation in {fn}: "
              f"{'likely benign' if benign else 'counts'}: "
              f"{[(f['engines'], f.get('suppress_reason')) for f in found]}")


def test_list_drain():
    """Records linked onto a list head by a release compare-and-swap loop (the new record's
    next rewritten on each retry) and taken all at once by an acquire exchange: the taker's
    read, relink and free of a record are likely benign; a record written by its pusher
    after the push, or written after a mere acquire load, counts."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/list_drain.c")
    alloc, late, created = (line_of(src, m) for m in ("// alloc", "// late alloc", "// create"))
    for fn, side, mark, at, benign in (("drain", "read", "// read", alloc, True),
                                       ("drain", "write", "// relink", alloc, True),
                                       ("drain", "write", "// free", alloc, True),
                                       ("drain", "read", "// read", late, False),
                                       ("peek", "write", "// peek write", alloc, False)):
        xml = one_sided_xml(src, fn, side, line_of(src, mark), created, at,
                            "push" if at == alloc else "push_late")
        races = [f for f in replayed("list_drain", xml) if "helgrind" in f["engines"]]
        check(len(races) == 1 and bool(races[0].get("suppressed")) == benign and
              (not benign or "published through atomic 'head'" in races[0]["suppress_reason"]),
              f"list_drain: the {side} at '{mark}' of the block from line {at}: "
              f"{'likely benign' if benign else 'counts'}: "
              f"{[(f['engines'], f.get('suppress_reason')) for f in races]}")


def test_inner_wakeup():
    """Helgrind blames glibc's own wake-up inside a timed-out wait on its caller ("associated
    lock is not held"): likely benign where the static pass sees the wait's mutex held; the
    same alarm at a wait that does not hold its mutex is the bug and counts."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/timed_wait.c")
    held, unheld = line_of(src, "/* held: correct */"), line_of(src, "/* not held: the bug */")
    for who, line, created, benign in (("poller", held, "pthread_create(&a", True),
                                       ("careless", unheld, "pthread_create(&b", False)):
        xml = inner_wakeup_xml(src, who, line, line_of(src, created))
        waits = replayed("timed_wait", xml, rule="cond-wait-unheld")
        mine = [f for f in waits if "helgrind" in f["engines"]]
        check(len(mine) == 1 and bool(mine[0].get("suppressed")) == benign and
              (not benign or "held at this wait" in mine[0]["suppress_reason"]),
              f"Helgrind's inner wake-up at the wait in {who}: "
              f"{'likely benign' if benign else 'counts'}: "
              f"{[(f['engines'], f.get('suppress_reason')) for f in waits]}")


def test_address_join():
    """A one-sided report that names no variable, only its address, joins the report of the
    same run on that address that has an identity (DRD names no variable; its report at the
    add's line joins the static race by its sites, and the one at the loop's line, where -O0
    line tables put part of the same atomic add, by the address): one finding, not a second
    "data race" on unnamed memory."""
    src = os.path.join(SRC, "tests/fixtures/valgrind/drd_one_address.c")
    add, loop = line_of(src, "__atomic_fetch_add"), line_of(src, "for (int i = 0; i < n")
    reset, created = line_of(src, "served = 0;"), line_of(src, "pthread_create(&w[i]")
    def error(side, line, other):
        what = (f"<error><unique>0x{line:x}</unique><tid>2</tid><kind>Race</kind><xwhat><text>"
                f"Possible data race during {side} of size 8 at 0x10C060 by thread #2</text>"
                f"<hthreadid>2</hthreadid></xwhat><stack>{frame('worker', src, line)}</stack>")
        if other:
            what += ("<xauxwhat><text>This conflicts with a previous write of size 8 by thread "
                     f"#1</text><hthreadid>1</hthreadid></xauxwhat><stack>"
                     f"{frame('reporter', src, reset)}</stack>")
        return what + "</error>"
    xml = ("<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
           "<protocoltool>helgrind</protocoltool><announcethread><hthreadid>2</hthreadid>"
           f"<stack>{frame('main', src, created)}</stack></announcethread>"
           f"{error('read', add, True)}{error('read', loop, False)}"
           "<status><state>FINISHED</state></status></valgrindoutput>\n")
    races = [f for f in replayed("drd_one_address", xml) if not f.get("suppressed")]
    check(len(races) == 1 and races[0]["symbol"] != "?",
          f"one race on 'served', the unnamed report at the same address joined to it: "
          f"{[(f['symbol'], [l['line'] for l in f['locations']]) for f in races]}")


def test_errors():
    r = tsafe("run", "--engine", "massif", "--", "/bin/true")
    check(r.returncode == 2 and "unknown --engine" in r.stderr and r.stderr.count("\n") == 1,
          "unknown --engine: exit 2, one line")
    empty = os.path.join(TMP, "nobin")
    os.makedirs(empty, exist_ok=True)
    r = tsafe("run", "--engine", "helgrind", "--db", os.path.join(TMP, "x.db"), "--", "/bin/true",
              env_extra={"PATH": empty})
    check(r.returncode == 2 and "apt-get install valgrind" in r.stderr and r.stderr.count("\n") == 1,
          "valgrind missing: exit 2, one line naming the package")
    r = tsafe("run", "--engine", "drd", "--suppressions", os.path.join(TMP, "absent.supp"), "--", "/bin/true")
    check(r.returncode == 2 and "absent.supp" in r.stderr, "unreadable --suppressions file: exit 2")


def main():
    test_errors()
    test_kinds()
    test_confirmed()
    test_benign()
    test_one_bug_one_finding()
    test_untagged_struct_lock()
    test_lock_order_judged()
    test_free_and_destroy()
    test_once_object()
    test_trylock()
    test_rdlock_write()
    test_holdout_judgements()
    test_destroy_echoes()
    test_constructor_publication()
    test_pipe_handover()
    test_spin_flag_lock()
    test_replayed_judgements()
    test_address_join()
    test_timeout_and_suppressions()
    print(f"{len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
