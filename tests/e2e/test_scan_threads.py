#!/usr/bin/env python3
"""test_scan_threads.py — `tsafe scan` sees every thread a program starts, however it starts
it: through wrappers that pass their parameter to pthread_create, trampolines that call the
routine their argument carries, structs, tables and thread pools; threads that start each
other end the scan; contexts stay one per creation site and entry; a start routine nothing
explains is said, never a silent clean result.

Each program in tests/fixtures/threads/ is scanned alone; its findings must be exactly its
`// tsafe-expect: RULE` markers (and `tsafe-expect-related` among the other locations).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from e2elib import Tally, compare, env

EXPECT = re.compile(r"//\s*tsafe-expect:\s*([^/]*?)\s*(?://|$)")
RELATED = re.compile(r"//\s*tsafe-expect-related:\s*([^/]*?)\s*(?://|$)")


def markers(path):
    program = {"expected": [], "related": []}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for regex, key in ((EXPECT, "expected"), (RELATED, "related")):
                m = regex.search(line)
                if m:
                    program[key] += [{"rule": r.strip(), "line": n} for r in m.group(1).split(",")]
    return program


def scan(tsafe, path, tmp):
    cmd = [tsafe, "scan", path, "--db", os.path.join(tmp, "t.db"), "--root",
           os.path.dirname(path), "--format", "json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    findings = json.loads(r.stdout)["findings"] if r.stdout.strip() else []
    return r, findings


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    fixtures = os.path.join(src, "tests", "fixtures", "threads")
    t = Tally()
    summaries = {}
    with tempfile.TemporaryDirectory(prefix="tsafe-threads-") as tmp:
        for name in sorted(os.listdir(fixtures)):
            if not name.endswith(".c"):
                continue
            path = os.path.join(fixtures, name)
            try:
                r, found = scan(tsafe, path, tmp)
            except subprocess.TimeoutExpired:
                t.check(f"{name}: the scan ends", False, "still running after 60 s")
                continue
            summaries[name] = r.stderr
            problems = compare(markers(path), found)
            t.check(f"{name}: findings are exactly the marked ones", not problems, *problems,
                    r.stderr)
            owned = [f["symbol"] for f in found if "~" in (f.get("symbol") or "")]
            t.check(f"{name}: no symbol carries a context number", not owned, *owned)

    def summary(name, pattern, what):
        s = summaries.get(name, "")
        t.check(f"{name}: {what}", re.search(pattern, s), s)

    summary("trampoline.c", r", 2 threads,", "the writer and the compress threads behind the trampoline")
    summary("wrapper.c", r", 2 threads,", "each function the wrapper starts is a thread")
    summary("nested.c", r", 11 threads,", "one context per creation site and entry (not 127)")
    summary("unresolved.c", r"1 thread creation not followed", "the summary says a thread was not followed")
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
