#!/usr/bin/env python3
"""test_valgrind_corpus.py — every corpus program under `tsafe run --engine helgrind` and
`--engine drd`, each into a copy of a database holding the corpus's static facts (a user
runs `tsafe scan` first), so that Valgrind's alarms are judged with them:

- a correct program (nothing expected, statically or dynamically) reports nothing;
- every finding that counts is one the manifest expects of the program: its rule is among the
  program's expected or dynamic rules and one of its locations is at a line the manifest
  marks for that rule (primary or related);
- each racy program reports a data race with a side at one of the lines of its racing pair
  (DRD reports the one access it caught).

What Valgrind's model cannot see or wrongly reports is listed in KNOWN with the reason,
printed, and not counted as a failure; a difference not listed fails, and so does a listed
one that no longer happens (so the list stays true). Runs two programs at a time, each
once: tsafe hands Valgrind's one running thread over round-robin (--fair-sched), so what a
run sees follows the program, not the machine's load, and a missed race is a failure.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR (the corpus is built into
$TSAFE_BUILD_DIR/corpus).
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from e2elib import build_corpus, env

TOOLS = ("helgrind", "drd")

# What Valgrind's model explains (see README, "Under Valgrind", Limits). (file, tool) ->
# (kind, lines, why): kind "may-miss" (an expected race Valgrind sees only in some
# interleavings: reported or not, both are right), "extra" (findings at these lines of the
# program that the manifest does not list), or "run" (the program does not run under the
# tool). A difference not listed fails, and so does a listed one (but may-miss) that no
# longer happens, so the list stays true.
RDLOCK = ("may-miss", None, "in most runs Valgrind sees, the request queue's mutex orders each "
          "worker's hits++ before the next worker's (a request is handled before the next one "
          "is popped); without the rwlock it is still unseen, and a write under a read lock "
          "that nothing else orders is found (tests/fixtures/valgrind/rdlock_write.c)")
SPAWN = ("run", None, "a child started with posix_spawn(\"/proc/self/exe\") under Valgrind "
         "execs Valgrind's own tool binary, which cannot load: the children fail")
SIGNAL = ("extra", {52}, "both tools also report the signal sent without the mutex, the other "
          "face of the predicate written without it (line 51); tsafe has no rule for it, so it "
          "keeps the tool's kind")
KNOWN = {
    ("10_web_server/write_under_rdlock.c", "helgrind"): RDLOCK,
    ("10_web_server/write_under_rdlock.c", "drd"): RDLOCK,
    ("04_processes/correct_spawn.c", "helgrind"): SPAWN,
    ("04_processes/correct_spawn.c", "drd"): SPAWN,
    ("08_condition/unlocked_predicate.c", "helgrind"): SIGNAL,
    ("08_condition/unlocked_predicate.c", "drd"): SIGNAL,
    ("13_race_conditions/static_buffer.c", "drd"):
        ("extra", {29}, "DRD also reports printf() reading the static buffer (inside libc, "
         "from line 29) while another thread rewrites it; the static pass sees the writes"),
}
# DRD 3.19 crashes in thrd_create: its pthread_create wrapper reads glibc's C11 marker
# attribute as a pthread_attr_t (SIGSEGV in pthread_attr_getdetachstate).
C11_DRD = ("run", None, "DRD 3.19 crashes in thrd_create (its pthread_create wrapper takes "
           "glibc's C11 marker for a pthread_attr_t)")


def known(src, program, tool):
    k = KNOWN.get((program["file"], tool))
    if k is None and tool == "drd":
        with open(os.path.join(src, "corpus", program["file"]), encoding="utf-8") as f:
            k = C11_DRD if "thrd_create(" in f.read() else None
    return k


def run_one(tsafe, src, exe, tool, tmp):
    """One program under one tool, into a copy of the database holding the corpus's static
    facts (as a user runs tsafe scan first): Valgrind's alarms are judged with them."""
    name = f"{os.path.basename(exe)}.{tool}"
    out = os.path.join(tmp, name + ".json")
    db = os.path.join(tmp, name + ".db")
    shutil.copyfile(os.path.join(tmp, "scanned.db"), db)
    cmd = [tsafe, "run", "--engine", tool, "--db", db,
           "--format", "json", "-o", out, "--fail-on", "never", "--timeout", "60", "--", exe]
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(out):
        return None, f"tsafe run exited {r.returncode}: {r.stderr.strip()[-600:]}"
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"], None


def scan(tsafe, src, corpus, db):
    """The corpus's static facts into db (one write, so copies need no WAL file)."""
    r = subprocess.run([tsafe, "scan", "-p", corpus, "--db", db, "--fail-on", "never",
                        "-o", os.devnull], cwd=src, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"test_valgrind_corpus: tsafe scan failed ({r.returncode}): {r.stderr[-600:]}")


def expected_lines(program):
    """rule -> every line the manifest marks for it, static or dynamic, primary or related."""
    lines = {}
    for key in ("expected", "related", "dynamic", "dynamic_related"):
        for e in program.get(key, []):
            lines.setdefault(e["rule"], set()).add(e["line"])
    return lines


def describe(f):
    loc = f["locations"][0] if f["locations"] else {}
    return f"{f['rule']} at {loc.get('file')}:{loc.get('line')}: {f['message']}"


def check(program, found):
    """(kind, line, text) for each difference from the manifest."""
    counted = [f for f in found if not f.get("suppressed")]
    lines = expected_lines(program)
    problems = []
    for f in counted:
        mine = all(l.get("file", "").endswith(program["file"]) for l in f["locations"][:1])
        at = {l.get("line") for l in f["locations"] if l.get("file", "").endswith(program["file"])}
        if not mine or not (at & lines.get(f["rule"], set())):
            problems.append(("extra", f["locations"][0].get("line") if f["locations"] else None,
                             describe(f)))
    sides = lines.get("data-race")
    if sides and not any(f["rule"] == "data-race" and
                         any(l.get("line") in sides for l in f["locations"]) for f in counted):
        problems.append(("missing", None, f"data-race with a side at line "
                                          f"{' or '.join(map(str, sorted(sides)))}"))
    return problems


def explained(problems, k):
    """Whether the known difference k accounts for the problems. "may-miss": a race Valgrind
    sees only in some interleavings, so finding it or not are both right."""
    kind, lines, _ = k
    if kind == "may-miss":
        return all(p[0] == "missing" for p in problems)
    return bool(problems) and all(p[0] == kind and (lines is None or p[1] in lines)
                                  for p in problems)


def main():
    tsafe, src, build = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    with open(os.path.join(src, "corpus", "manifest.json"), encoding="utf-8") as f:
        programs = json.load(f)["programs"]
    corpus = build_corpus(src, build)
    jobs = [(p, tool) for p in programs for tool in TOOLS]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tsafe-vg-corpus-") as tmp:
        scan(tsafe, src, corpus, os.path.join(tmp, "scanned.db"))

        def work(job):
            p, tool = job
            exe = os.path.join(corpus, f"{p['scenario']}_{p['variant']}")
            return run_one(tsafe, src, exe, tool, tmp)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(work, jobs))
    failed = 0
    for (p, tool), (found, error) in zip(jobs, results):
        problems = [("run", None, error)] if error else check(p, found)
        k = known(src, p, tool)
        label = f"{p['file']} under {tool}"
        if k and explained(problems, k):
            print(f"known {label}: {k[0]}: {k[2]}")
        elif k and not problems:
            failed += 1
            print(f"FAIL {label}: listed as a known {k[0]} ({k[2]}) but matches the manifest: "
                  "remove it from KNOWN")
        elif problems:
            failed += 1
            print(f"FAIL {label}")
            for kind, _, text in problems:
                print(f"    {kind}: {text}")
        else:
            print(f"ok   {label}")
    print(f"{len(jobs) - failed} passed, {failed} failed in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
