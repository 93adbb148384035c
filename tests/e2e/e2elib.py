"""e2elib.py — what the Python end-to-end tests share: the tools' paths from ctest's
environment, a pass/fail tally that prints what went wrong, the corpus build, and the
comparison of a program's findings with its manifest entry, and a watched run without
a scan."""
import collections
import json
import os
import subprocess
import sys


def test_name():
    return os.path.splitext(os.path.basename(sys.argv[0]))[0]


WATCH_REFUSED = "perf_event_open refused"


def run_watched(tsafe, src, exe, mode, tmp):
    """`tsafe run` of `exe mode` into a fresh database with the watch engine's first group
    of variables armed for the whole run (TSAFE_WATCH_SLICE_MS), so that each thread's first
    access is watched however late it starts: (the completed process, the watch engine's
    findings), or (process, None) after printing SKIP when the machine refuses
    perf_event_open."""
    db, out = os.path.join(tmp, mode + ".db"), os.path.join(tmp, mode + ".json")
    r = subprocess.run([tsafe, "run", "--db", db, "--format", "json", "-o", out,
                        "--fail-on", "never", "--", exe, mode], cwd=src,
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, TSAFE_WATCH_SLICE_MS="600000"))
    if WATCH_REFUSED in r.stderr:
        print("SKIP: " + next(l for l in r.stderr.splitlines() if WATCH_REFUSED in l))
        return r, None
    with open(out, encoding="utf-8") as f:
        return r, [x for x in json.load(f)["findings"] if "watch" in x["engines"]]


def env(name):
    """The value of an environment variable ctest sets (TSAFE, TSAFE_SOURCE_DIR, ...)."""
    v = os.environ.get(name)
    if not v:
        sys.exit(f"{test_name()}: ${name} is not set; run through ctest (or export it)")
    return v


class Tally:
    """ok/FAIL lines as the shell tests print them, and the counts for the last line."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, *details):
        if ok:
            self.passed += 1
            print(f"ok   - {name}")
        else:
            self.failed += 1
            print(f"FAIL - {name}")
            for d in details:
                for line in str(d).splitlines()[:40]:
                    print(f"       {line}")
        return ok


def build_corpus(src, build):
    """Builds corpus/ into BUILD/corpus (its own CMake project); returns that directory."""
    out = os.path.join(build, "corpus")
    for cmd in (["cmake", "-S", os.path.join(src, "corpus"), "-B", out],
                ["cmake", "--build", out, "-j", str(os.cpu_count() or 2)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stdout.write(r.stdout[-4000:] + r.stderr[-4000:])
            sys.exit(f"{test_name()}: '{' '.join(cmd)}' failed; fix the corpus build first")
    return out


def describe(f):
    """A finding in one line: rule, its line and its other lines, message."""
    rel = [str(l.get("line")) for l in f["locations"][1:]]
    more = f" (other lines {', '.join(rel)})" if rel else ""
    return f"{f['rule']} at line {f['locations'][0].get('line')}{more}: {f.get('message', '')}"


def compare(program, found, expected="expected", related="related", maybe=None):
    """Problems with one program's findings against its manifest entry (the static columns,
    or expected="dynamic", related="dynamic_related", maybe="dynamic_maybe"): missing,
    extra, unmet other sides. A finding of the `maybe` list may be there or not."""
    problems = []
    want = collections.Counter((e["rule"], e["line"]) for e in program[expected])
    allowed = {(e["rule"], e["line"]) for e in program.get(maybe, [])} if maybe else set()
    have = collections.Counter((f["rule"], f["locations"][0].get("line")) for f in found
                               if (f["rule"], f["locations"][0].get("line")) not in allowed)
    for (rule, line), n in sorted((want - have).items()):
        problems += [f"missing: {rule} at line {line}"] * n
    extra = have - want
    for f in found:
        key = (f["rule"], f["locations"][0].get("line"))
        if extra[key] > 0:
            extra[key] -= 1
            problems.append("extra: " + describe(f))
    for r in program[related]:
        if not any(f["rule"] == r["rule"] and any(l.get("line") == r["line"] for l in f["locations"][1:])
                   for f in found):
            problems.append(f"missing other location: {r['rule']} with a side at line {r['line']}")
    return problems
