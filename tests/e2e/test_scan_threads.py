#!/usr/bin/env python3
"""test_scan_threads.py — `tsafe scan` sees every thread a program starts, however it starts
it: through wrappers that pass their parameter to pthread_create, trampolines that call the
routine their argument carries, structs, tables, thread pools and wrappers declared in
.tsafe.json; a library's API runs in any number of its callers' threads; threads that start each
other end the scan; contexts stay one per creation site and entry; a start routine nothing
explains, or a callback outside code calls back from threads of its own, is said, never a
silent clean result.

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
    threads = {}
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
            threads[name] = {l.get("thread") for f in found for l in f["locations"]}
            problems = compare(markers(path), found)
            t.check(f"{name}: findings are exactly the marked ones", not problems, *problems,
                    r.stderr)
            owned = [f["symbol"] for f in found if "~" in (f.get("symbol") or "")]
            t.check(f"{name}: no symbol carries a context number", not owned, *owned)

        # A thread_wrappers entry without its routine's argument is refused, saying what it needs.
        proj = os.path.join(tmp, "proj")
        os.makedirs(proj)
        with open(os.path.join(proj, ".tsafe.json"), "w") as f:
            f.write('{"thread_wrappers": [{"function": "spawn"}]}')
        with open(os.path.join(proj, "p.c"), "w") as f:
            f.write("int main(void) { return 0; }\n")
        r = subprocess.run([tsafe, "scan", os.path.join(proj, "p.c"), "--db", os.path.join(tmp, "c.db"),
                            "--root", proj], capture_output=True, text=True, timeout=60)
        t.check("a thread_wrappers entry without entry_arg is a usage error naming it",
                r.returncode == 2 and "entry_arg" in r.stderr, r.returncode, r.stderr)

    def summary(name, pattern, what):
        s = summaries.get(name, "")
        t.check(f"{name}: {what}", re.search(pattern, s), s)

    summary("trampoline.c", r", 2 threads,", "the writer and the compress threads behind the trampoline")
    summary("wrapper.c", r", 2 threads,", "each function the wrapper starts is a thread")
    summary("nested.c", r", 11 threads,", "one context per creation site and entry (not 127)")
    summary("unresolved.c", r"1 thread creation not followed", "the summary says a thread was not followed")
    summary("callbacks.c", r"2 callbacks of outside code not followed",
            "the summary says which callbacks of outside code were not followed")

    def thread(name, text, what):
        t.check(f"{name}: {what}", text in threads.get(name, set()), *sorted(map(str, threads.get(name, []))))

    thread("trampoline.c", "thread 'compress_thread' created at trampoline.c:59 through launch() "
           "(several instances)", "a trampoline's thread is named by its routine and the wrapper's call")
    thread("wrapper.c", "thread 'worker_libevent' created at wrapper.c:39 through create_worker() "
           "(several instances)", "a wrapper's thread is shown where the wrapper was called")
    thread("library_api.c", "any thread calling 'stats_hits' (library code: callers' threads may run "
           "it at once)", "library code runs in its callers' threads")
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
