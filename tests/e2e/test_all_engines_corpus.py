#!/usr/bin/env python3
"""test_all_engines_corpus.py — every corpus program seen by every engine, into one database
per program, as a user would: `tsafe scan` (the whole corpus), `tsafe run -- PROGRAM`, then
`tsafe run --engine all -- PROGRAM` (runtime, Helgrind, DRD). `tsafe report` of that
database must give exactly the manifest for the program, one finding per bug:

- each expected finding (the static `expected` and the run-time `dynamic` columns together:
  a bug both the scan and the runtime see is one finding) once at its line, with its other
  sides among the finding's locations;
- every finding of `expected` carries the static pass's evidence, every finding of
  `dynamic` the runtime's (the engines saw it and were joined, not merely one of them);
- nothing else counts, except what Valgrind's model is known to add (the table of
  test_valgrind_corpus.py, with its reasons).

It prints how many findings several engines saw (merged) and how many Valgrind alarms were
kept as likely benign.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from e2elib import build_corpus, describe, env
from test_valgrind_corpus import known as valgrind_known, scan


def run(cmd, src):
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=600)
    return None if r.returncode in (0, 1) else f"'{' '.join(cmd[1:3])}' exited {r.returncode}: " \
                                                 f"{r.stderr.strip()[-400:]}"


def all_engines(tsafe, src, exe, tmp):
    """The program's findings after every engine ran into a copy of the scanned database."""
    db = os.path.join(tmp, os.path.basename(exe) + ".db")
    shutil.copyfile(os.path.join(tmp, "scanned.db"), db)
    for engine in (["run"], ["run", "--engine", "all", "--timeout", "120"]):
        error = run([tsafe, *engine, "--db", db, "--fail-on", "never", "-o", os.devnull,
                     "--", exe], src)
        if error:
            return None, error
    r = subprocess.run([tsafe, "report", "--db", db, "--format", "json", "--fail-on", "never"],
                       cwd=src, capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"tsafe report exited {r.returncode}: {r.stderr.strip()[-400:]}"
    return json.loads(r.stdout)["findings"], None


def valgrind_extras(src, program):
    """Lines where Valgrind's model is known to add a finding the manifest does not list."""
    lines = set()
    for tool in ("helgrind", "drd"):
        k = valgrind_known(src, program, tool)
        if k and k[0] == "extra":
            lines |= k[1]
    return lines


def check(src, program, found):
    mine = [f for f in found if f["locations"] and
            f["locations"][0].get("file", "").endswith(program["file"])]
    counted = [f for f in mine if not f.get("suppressed")]
    want = collections.Counter()
    for column in ("expected", "dynamic"):
        want |= collections.Counter((e["rule"], e["line"]) for e in program[column])
    have = collections.Counter((f["rule"], f["locations"][0].get("line")) for f in counted)
    problems = [f"missing: {r} at line {n}" for (r, n), c in (want - have).items() for _ in range(c)]
    extra = have - want
    allowed = valgrind_extras(src, program)
    for f in counted:
        key = (f["rule"], f["locations"][0].get("line"))
        if extra[key] > 0:
            extra[key] -= 1
            if not any(l.get("line") in allowed for l in f["locations"]):
                problems.append("extra: " + describe(f) + f" (seen by {', '.join(f['engines'])})")
    for column, related, engine in (("expected", "related", "static"),
                                    ("dynamic", "dynamic_related", "runtime")):
        for e in program[column]:
            hits = [f for f in counted if (f["rule"], f["locations"][0].get("line")) ==
                    (e["rule"], e["line"])]
            if hits and not any(engine in f["engines"] for f in hits):
                problems.append(f"{e['rule']} at line {e['line']} lacks the {engine} engine's "
                                f"evidence (seen by {', '.join(hits[0]['engines'])})")
        for r in program[related]:
            if not any(f["rule"] == r["rule"] and any(l.get("line") == r["line"]
                                                      for l in f["locations"][1:])
                       for f in counted):
                problems.append(f"missing other location: {r['rule']} with a side at line "
                                f"{r['line']}")
    return problems, mine


def main():
    tsafe, src, build = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    with open(os.path.join(src, "corpus", "manifest.json"), encoding="utf-8") as f:
        programs = json.load(f)["programs"]
    corpus = build_corpus(src, build)
    started = time.monotonic()
    failed = merged = benign = total = 0
    with tempfile.TemporaryDirectory(prefix="tsafe-all-engines-") as tmp:
        scan(tsafe, src, corpus, os.path.join(tmp, "scanned.db"))
        exes = [os.path.join(corpus, f"{p['scenario']}_{p['variant']}") for p in programs]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda e: all_engines(tsafe, src, e, tmp), exes))
    for p, (found, error) in zip(programs, results):
        problems, mine = ([error], []) if error else check(src, p, found)
        total += sum(1 for f in mine if not f.get("suppressed"))
        merged += sum(1 for f in mine if len(f["engines"]) > 1)
        benign += sum(1 for f in mine if f.get("likely_benign"))
        if problems:
            failed += 1
            print(f"FAIL {p['file']}")
            for line in problems:
                print("    " + line)
        else:
            print(f"ok   {p['file']}")
    print(f"{len(programs) - failed} of {len(programs)} programs match the manifest; "
          f"{total} findings count, {merged} of them seen by several engines (one finding "
          f"each), {benign} Valgrind alarms kept as likely benign; "
          f"{time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
