#!/usr/bin/env python3
"""test_watch_corpus.py — the watch engine on the corpus: `tsafe scan` of the whole corpus
into one database, then `tsafe run` of every program with that database. For every data
race of the manifest, the run must either confirm it with the watch engine (the finding
is marked confirmed, seen by 'watch', with run-time stacks of two different threads), or
say why not, judged by what the run itself reports having executed: an object without a
static address is "not watched" with the reason, and a watched object that fewer than two
threads were seen to access is "not seen racing" (the run did not execute the race). A
watched object two threads accessed must be confirmed: the runtime records the first
accesses of every thread and orders them by the program's synchronisation, not by timing.
No correct program, and no program beyond its own race, gets anything from the watch
engine.

Then every program again with an empty database (no scan): the engine watches the
program's own variables, sampled. No correct program gets a finding, and every race it
reports in a buggy one is at a line of the manifest's race.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

from e2elib import Tally, build_corpus, env

REFUSED = "perf_event_open refused"


def run_one(tsafe, src, db, exe, tmp):
    name = os.path.basename(exe) + ("" if db else ".noscan")
    db = db or os.path.join(tmp, name + ".db")
    out = os.path.join(tmp, name + ".json")
    cmd = [tsafe, "run", "--db", db, "--format", "json", "-o", out, "--fail-on", "never",
           "--", exe]
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return None, r.stderr, f"tsafe run exited {r.returncode}: {r.stderr.strip()[-600:]}"
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"], r.stderr, None


def watch_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("tsafe: watch: ")]


def line_of(lines, race):
    """The watch engine's line about the race at `race` (file:line), or None."""
    for l in lines:
        if f"({race})" in l:
            return l
    return None


def judge_race(t, p, found, lines):
    line = p["expected"][0]["line"]
    where = f"{p['file'].split('/', 1)[0]}/{p['file'].split('/', 1)[1]}"
    race = f"corpus/{where}:{line}"
    said = line_of(lines, race)
    name = f"{p['file']}:{line}"
    if not t.check(f"{name}: the watch engine says what it did", said is not None, *lines):
        return
    ours = [f for f in found if f["rule"] == "data-race" and "watch" in f.get("engines", [])]
    if "confirmed (" in said:
        sides = ours[0]["locations"] if ours else []
        m = re.search(r"by (\d+) threads", said)
        t.check(f"{name}: confirmed by the watch engine, with run-time stacks, two threads seen",
                len(ours) == 1 and ours[0]["confirmed"] and sides[0]["line"] == line
                and len(sides) >= 2 and all(l.get("stack") for l in sides)
                and m is not None and int(m.group(1)) >= 2,
                said, json.dumps(ours, indent=1)[:3000])
        return
    if "not watched: its address is known only at run time" in said:
        t.check(f"{name}: not watchable (no static address), said so", not ours, said)
        return
    m = re.search(r"(\d+) access(?:es)? by (\d+) threads? seen: not seen racing", said)
    t.check(f"{name}: not confirmed only because the run did not execute it in two threads",
            m is not None and int(m.group(2)) < 2 and not ours, said)


def main():
    tsafe, src, build = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    with open(os.path.join(src, "corpus", "manifest.json"), encoding="utf-8") as f:
        programs = json.load(f)["programs"]
    corpus = build_corpus(src, build)
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-corpus-") as tmp:
        db = os.path.join(tmp, "corpus.db")
        r = subprocess.run([tsafe, "scan", "-p", corpus, "--db", db, "--fail-on", "never"],
                           cwd=src, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"tsafe scan failed ({r.returncode}): {r.stderr[-2000:]}")
        exes = {p["file"]: os.path.join(corpus, f"{p['scenario']}_{p['variant']}") for p in programs}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(zip(exes, pool.map(lambda e: run_one(tsafe, src, db, e, tmp), exes.values())))
        refused = [s for _, s, _ in results.values() if s and REFUSED in s]
        if refused:
            print("SKIP: " + next(l for l in refused[0].splitlines() if REFUSED in l))
            return 0
        for p in programs:
            found, stderr, error = results[p["file"]]
            if not t.check(f"{p['file']}: tsafe run works", error is None, error):
                continue
            races = [e for e in p["expected"] if e["rule"] == "data-race"]
            lines = watch_lines(stderr)
            if races:
                judge_race(t, p, found, lines)
            else:
                ours = [f for f in found if "watch" in f.get("engines", [])]
                t.check(f"{p['file']}: no race, nothing from the watch engine",
                        not ours and not any("confirmed (" in l for l in lines),
                        *lines, json.dumps(ours)[:2000])
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            bare = dict(zip(exes, pool.map(lambda e: run_one(tsafe, src, None, e, tmp), exes.values())))
        for p in programs:
            found, stderr, error = bare[p["file"]]
            if not t.check(f"{p['file']}, no scan: tsafe run works", error is None, error):
                continue
            ours = [f for f in found if "watch" in f.get("engines", [])]
            lines = {e["line"] for e in p["expected"] + p["related"] if e["rule"] == "data-race"}
            wrong = [f for f in ours if f["rule"] != "data-race"
                     or not {l.get("line") for l in f["locations"]} & lines]
            t.check(f"{p['file']}, no scan: the program's variables watched, "
                    f"{len(ours)} race(s) seen, none false", not wrong,
                    *watch_lines(stderr), json.dumps(wrong, indent=1)[:3000])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
