#!/usr/bin/env python3
"""precision.py — precision and recall of each engine alone and of all engines combined,
on programs none of tsafe's code was tuned on (tests/fixtures/holdout/ by default).

Each program marks its bugs as the corpus does (`// tsafe-expect: RULE` on the bug's line,
`// tsafe-expect-related: RULE` on its other side). For each program, each engine runs
alone into a fresh database, as a user trying that engine would:

  static    tsafe scan PROGRAM.c
  runtime   tsafe run -- PROGRAM
  helgrind  tsafe run --engine helgrind -- PROGRAM
  drd       tsafe run --engine drd -- PROGRAM
  combined  tsafe scan, then tsafe run, then tsafe run --engine all, into one database

and `tsafe report --format json` is scored. A finding counts unless it is suppressed (a
likely-benign alarm is kept but does not count). A counted finding is right when its rule
is of the family of a bug's rule (unlock-not-held/unlock-not-owner, lock-order-inversion/
deadlock are one family each) and one of its locations is on a line marked for that bug;
one bug matches at most one finding: a second finding of the same bug is wrong (one bug,
one finding). precision = right / counted, recall = bugs found / bugs.

Usage: precision.py [--tsafe build/tsafe] [--programs DIR] [--engines a,b,...]
                    [-j N] [--json FILE] [--details] [--only NAME,...]
Prints one table (markdown) and, with --details, every wrong finding and missed bug.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
ENGINES = ("static", "runtime", "helgrind", "drd", "combined")
EXPECT = re.compile(r"//\s*tsafe-expect:\s*([^/]*?)\s*(?://|$)")
RELATED = re.compile(r"//\s*tsafe-expect-related:\s*([^/]*?)\s*(?://|$)")
FAMILY = {"unlock-not-owner": "unlock", "unlock-not-held": "unlock",
          "lock-order-inversion": "order", "deadlock": "order"}


def family(rule):
    return FAMILY.get(rule, rule)


def bugs_of(path):
    """[(family, rule, {lines}, line)]: one bug per `tsafe-expect` marker (at line), with
    the related lines of the same family in the file."""
    expect, related = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for pattern, out in ((EXPECT, expect), (RELATED, related)):
                for m in pattern.finditer(line):
                    out += [(r.strip(), n) for r in m.group(1).split(",") if r.strip()]
    bugs = []
    for rule, n in expect:
        lines = {n} | {m for r, m in related if family(r) == family(rule)}
        bugs.append((family(rule), rule, lines, n))
    return bugs


def score(bugs, findings):
    """(right, wrong findings, missed bugs) of one program's counted findings."""
    counted = [f for f in findings if not f.get("suppressed")]
    matched = [False] * len(bugs)
    wrong = []
    right = 0
    for f in counted:
        lines = {l.get("line") for l in f.get("locations", [])}
        hit = next((i for i, (fam, _, bl, _) in enumerate(bugs)
                    if fam == family(f["rule"]) and lines & bl and not matched[i]), None)
        if hit is None:
            dup = any(fam == family(f["rule"]) and lines & bl for fam, _, bl, _ in bugs)
            wrong.append((f, "a second finding of one bug" if dup else "no such bug"))
        else:
            matched[hit] = True
            right += 1
    missed = [b for b, m in zip(bugs, matched) if not m]
    return right, wrong, missed


def sh(cmd, cwd, timeout=300):
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"'{' '.join(cmd[1:3])}' took more than {timeout} s"
    # `tsafe run` exits with the program's own status: a buggy program killed by its own
    # bug (a double free's abort) has still been watched, and what was seen is stored.
    crashed = cmd[1] == "run" and (r.returncode >= 128 or r.returncode < 0)
    if r.returncode not in (0, 1) and not crashed:
        return f"'{' '.join(cmd[1:4])}' exited {r.returncode}: {r.stderr.strip()[-300:]}"
    return None


def findings_of(tsafe, db, cwd):
    r = subprocess.run([tsafe, "report", "--db", db, "--format", "json", "--fail-on", "never"],
                       cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"tsafe report exited {r.returncode}: {r.stderr.strip()[-300:]}"
    return json.loads(r.stdout)["findings"], None


def run_engine(tsafe, programs, src, exe, engine, tmp):
    """The findings of one engine (or all combined) on one program."""
    db = os.path.join(tmp, f"{os.path.basename(exe)}.{engine}.db")
    scan = [tsafe, "scan", src, "--db", db, "--root", programs, "--fail-on", "never",
            "--", "-pthread"]
    run = [tsafe, "run", "--db", db, "--root", programs, "--fail-on", "never",
           "-o", os.devnull, "--timeout", "120"]
    steps = {"static": [scan],
             "runtime": [run + ["--", exe]],
             "helgrind": [run + ["--engine", "helgrind", "--", exe]],
             "drd": [run + ["--engine", "drd", "--", exe]],
             "combined": [scan, run + ["--", exe], run + ["--engine", "all", "--", exe]]}[engine]
    for cmd in steps:
        error = sh(cmd, programs)
        if error:
            return None, error
    return findings_of(tsafe, db, programs)


def compile_c(src, tmp):
    exe = os.path.join(tmp, os.path.splitext(os.path.basename(src))[0])
    subprocess.run(["cc", "-std=gnu17", "-g", "-O0", "-pthread", src, "-o", exe], check=True)
    return exe


def measure(tsafe, programs, engines, jobs, only=None):
    names = sorted(n for n in os.listdir(programs) if n.endswith(".c") and
                   (not only or os.path.splitext(n)[0] in only))
    results = {e: {"right": 0, "counted": 0, "found": 0, "bugs": 0, "wrong": [], "missed": [],
                   "errors": []} for e in engines}
    with tempfile.TemporaryDirectory(prefix="tsafe-precision-") as tmp:
        srcs = [os.path.join(programs, n) for n in names]
        exes = [compile_c(s, tmp) for s in srcs]
        work = [(s, x, e) for s, x in zip(srcs, exes) for e in engines]
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            outs = list(pool.map(lambda w: run_engine(tsafe, programs, w[0], w[1], w[2], tmp),
                                 work))
    for (src, _, engine), (found, error) in zip(work, outs):
        r, name = results[engine], os.path.basename(src)
        bugs = bugs_of(src)
        r["bugs"] += len(bugs)
        if error:
            r["errors"].append(f"{name}: {error}")
            r["missed"] += [f"{name}: {rule} at line {n}" for _, rule, _, n in bugs]
            continue
        mine = [f for f in found if f.get("locations") and
                os.path.basename(f["locations"][0].get("file", "")) == name]
        right, wrong, missed = score(bugs, mine)
        r["right"] += right
        r["found"] += right
        r["counted"] += right + len(wrong)
        r["wrong"] += [f"{name}: {f['rule']} at line {f['locations'][0].get('line')} "
                       f"({why}; seen by {', '.join(f.get('engines') or [])}): {f.get('message')}"
                       for f, why in wrong]
        r["missed"] += [f"{name}: {rule} at line {n}" for _, rule, _, n in missed]
    for r in results.values():
        r["precision"] = r["right"] / r["counted"] if r["counted"] else 1.0
        r["recall"] = r["found"] / r["bugs"] if r["bugs"] else 1.0
    return len(names), results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tsafe", default=os.path.join(SRC, "build", "tsafe"))
    ap.add_argument("--programs", default=os.path.join(SRC, "tests", "fixtures", "holdout"))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--json", help="write the figures (and every wrong and missed) here")
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--only", help="these programs only (names without .c, comma separated)")
    a = ap.parse_args()
    engines = [e for e in a.engines.split(",") if e]
    bad = [e for e in engines if e not in ENGINES]
    if bad:
        sys.exit(f"precision.py: unknown engine '{bad[0]}' (use {', '.join(ENGINES)})")
    if not shutil.which("valgrind") and {"helgrind", "drd", "combined"} & set(engines):
        sys.exit("precision.py: valgrind is not installed (apt-get install valgrind)")
    tsafe = os.path.abspath(a.tsafe)
    only = set(a.only.split(",")) if a.only else None
    n, results = measure(tsafe, os.path.abspath(a.programs), engines, a.j, only)
    print(f"{n} programs, {results[engines[0]]['bugs']} bugs\n")
    print("| engine | findings counted | right | wrong | bugs found | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for e in engines:
        r = results[e]
        print(f"| {e} | {r['counted']} | {r['right']} | {r['counted'] - r['right']} | "
              f"{r['found']} of {r['bugs']} | {r['precision']:.2f} | {r['recall']:.2f} |")
    for e in engines:
        r = results[e]
        if r["errors"] or a.details:
            for line in r["errors"]:
                print(f"{e}: ERROR {line}")
        if a.details:
            for line in r["wrong"]:
                print(f"{e}: wrong: {line}")
            for line in r["missed"]:
                print(f"{e}: missed: {line}")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"programs": n, "engines": results}, f, indent=1)
    return 1 if any(results[e]["errors"] for e in engines) else 0


if __name__ == "__main__":
    sys.exit(main())
