#!/usr/bin/env python3
"""test_watch_heap.py — the watch engine on heap blocks, and what it stores when it sees no
race. tests/fixtures/watch/heap_race.c races on a member of a calloc'd struct (the static
finding names the block by its allocation line); heap_correct.c is its twin with the lock.
One scan of both, then `tsafe run`:

- heap_race: the watch engine reports on every finding of the block, and each is confirmed
  (engine 'watch', run-time stacks of two threads at the finding's lines) or, when the run
  did not execute it in two threads while it was watched, "not seen racing";
- heap_race solo (the auditor thread not started: the race is not executed): nothing is
  confirmed, and every report shows each finding with the watch engine's "watched, not
  seen racing" (stored in the database: text, JSON, SARIF, HTML), the finding kept;
- heap_correct: nothing from the watch engine; the program's output is its own.

Skips (exit 0, with the reason) only when the machine refuses perf_event_open.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from e2elib import Tally, env

REFUSED = "perf_event_open refused"


def run(tsafe, src, db, exe, *args):
    """The run's result and its findings (JSON report written to a file)."""
    out = db + ".json"
    cmd = [tsafe, "run", "--db", db, "--format", "json", "-o", out, "--fail-on", "never", "--",
           exe, *args]
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=120)
    if REFUSED in r.stderr:
        print("SKIP: " + next(l for l in r.stderr.splitlines() if REFUSED in l))
        sys.exit(0)
    with open(out, encoding="utf-8") as f:
        return r, json.load(f)["findings"]


def report(tsafe, src, db, fmt):
    r = subprocess.run([tsafe, "report", "--db", db, "--format", fmt, "--fail-on", "never"],
                       cwd=src, capture_output=True, text=True, timeout=60)
    return r.stdout


def watch_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("tsafe: watch: data race")]


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    t = Tally()
    fixtures = os.path.join(src, "tests", "fixtures", "watch")
    with tempfile.TemporaryDirectory(prefix="tsafe-watch-heap-") as tmp:
        entries = []
        for name in ("heap_race", "heap_correct"):
            c = os.path.join(fixtures, name + ".c")
            cmd = ["cc", "-std=gnu17", "-O0", "-g", "-pthread", "-o", os.path.join(tmp, name), c]
            subprocess.run(cmd, check=True)
            entries.append({"directory": tmp, "file": c, "arguments": cmd[:-3] + ["-c", c]})
        with open(os.path.join(tmp, "compile_commands.json"), "w", encoding="utf-8") as f:
            json.dump(entries, f)
        scanned = os.path.join(tmp, "scan.db")
        r = subprocess.run([tsafe, "scan", "-p", tmp, "--db", scanned, "--fail-on", "never"],
                           cwd=src, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"tsafe scan failed ({r.returncode}): {r.stderr[-2000:]}")
        races = [f for f in json.loads(report(tsafe, src, scanned, "json"))["findings"]
                 if f["rule"] == "data-race"]
        t.check("the scan names the heap race by its allocation site",
                races and all(f["symbol"].startswith("h:") and "heap_race.c" in f["symbol"]
                              for f in races), json.dumps(races)[:2000])

        db = os.path.join(tmp, "race.db")
        shutil.copy(scanned, db)
        r, found = run(tsafe, src, db, os.path.join(tmp, "heap_race"))
        lines = watch_lines(r.stderr)
        ours = [f for f in found if "watch" in f["engines"]]
        with open(os.path.join(fixtures, "heap_race.c"), encoding="utf-8") as f:
            sites = {i + 1 for i, l in enumerate(f) if "a->deposits" in l}
        t.check("heap_race: the watch engine says what it did of every finding of the block; "
                "the program's output is its own",
                len(lines) == len(races) and r.stdout == "balance 40000\n" and r.returncode == 0,
                *lines, r.stdout, r.stderr[-2000:])
        for line in lines:
            m = re.search(r"(\d+) access(?:es)? by (\d+) threads? seen: not seen racing", line)
            t.check("heap_race: each finding confirmed, or not executed in two threads while "
                    "watched", "confirmed (" in line or (m and int(m.group(2)) < 2), line)
        t.check("heap_race: confirmed by the watch engine (the block was watched from its "
                "allocation), stacks of two threads at the finding's lines",
                ours and all(f["confirmed"] and len(f["locations"]) >= 2
                             and all(l.get("stack") for l in f["locations"][:2])
                             and {l["line"] for l in f["locations"][:2]} <= sites
                             for f in ours), *lines, json.dumps(ours, indent=1)[:3000])

        db = os.path.join(tmp, "solo.db")
        shutil.copy(scanned, db)
        r, _ = run(tsafe, src, db, os.path.join(tmp, "heap_race"), "solo")
        lines = watch_lines(r.stderr)
        t.check("solo: the race is not executed, so not confirmed: 'not seen racing'",
                len(lines) == len(races) and all("not seen racing" in l for l in lines)
                and r.returncode == 0, *lines, r.stderr[-2000:])
        stored = json.loads(report(tsafe, src, db, "json"))["findings"]
        notes = [f.get("watch") for f in stored if f["rule"] == "data-race"]
        t.check("solo: every finding kept, with the stored 'watched, not seen racing' note "
                "(accesses, threads, seconds)",
                len(notes) == len(races) and all(
                    n and n["status"] == "not seen racing" and n["threads"] <= 1
                    and n["watched_seconds"] >= 0 and n["accesses"] >= 0 for n in notes)
                and not any(f["confirmed"] for f in stored),
                json.dumps(stored, indent=1)[:3000])
        text = report(tsafe, src, db, "text")
        t.check("solo: the text report shows the note under the finding",
                text.count("not seen racing") == len(races) and "watched at run time" in text, text)
        sarif = json.loads(report(tsafe, src, db, "sarif"))
        props = [res["properties"].get("watch") for res in sarif["runs"][0]["results"]]
        t.check("solo: SARIF results carry the note in their properties",
                len(props) == len(races) and all(p and p["status"] == "not seen racing"
                                                 for p in props), json.dumps(props))
        t.check("solo: the HTML report shows it", "not seen racing" in report(tsafe, src, db, "html"))

        db = os.path.join(tmp, "correct.db")
        shutil.copy(scanned, db)
        r, found = run(tsafe, src, db, os.path.join(tmp, "heap_correct"))
        t.check("heap_correct: nothing from the watch engine, the program's output its own",
                not [f for f in found if "watch" in f["engines"]] and not watch_lines(r.stderr)
                and r.returncode == 0, r.stderr[-2000:])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
