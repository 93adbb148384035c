"""test_fixtures_expect.py — each program of tests/fixtures/expect/ is scanned on its own and
must report exactly what its `// tsafe-expect: RULE` markers say (and the other sides its
`// tsafe-expect-related: RULE` markers name), as the corpus does: small programs, one per
cause the analysis must get right on real code (per-thread elements, joins through
expressions, setup before the threads, exclusive creations, …). A directory there is one
compile database of several units, its subdirectories' included, scanned together
(programs with their own main beside the library they share), each file's findings
checked against its own markers. `// tsafe-expect-message: TEXT` on a marked line: the
finding there must say TEXT (a lock's name, for one)."""
import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2elib import Tally, compare, env  # noqa: E402


def marker_patterns(src):
    """The corpus's marker syntax, from scripts/corpus-manifest (one definition)."""
    path = os.path.join(src, "scripts", "corpus-manifest")
    loader = importlib.machinery.SourceFileLoader("corpus_manifest", path)
    spec = importlib.util.spec_from_loader("corpus_manifest", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod.EXPECT, mod.RELATED


MESSAGE = re.compile(r"//\s*tsafe-expect-message:\s*(.*?)\s*(?://|$)")


def message_problems(path, found):
    """Each `tsafe-expect-message: TEXT` line must have a finding whose message says TEXT."""
    problems = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            for m in MESSAGE.finditer(line):
                said = [x["message"] for x in found if x["locations"][0].get("line") == lineno]
                if not any(m.group(1) in s for s in said):
                    problems.append(f"line {lineno}: no finding says {m.group(1)!r} ({said})")
    return problems


def marks(path, expect, related):
    out = {"expected": [], "related": []}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            for key, pattern in (("expected", expect), ("related", related)):
                for m in pattern.finditer(line):
                    out[key] += [{"rule": r.strip(), "line": lineno}
                                 for r in m.group(1).split(",") if r.strip()]
    return out


def main():
    tsafe, src = env("TSAFE"), env("TSAFE_SOURCE_DIR")
    fixtures = os.path.join(src, "tests", "fixtures", "expect")
    expect, related = marker_patterns(src)
    t = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(fixtures)):
            path = os.path.join(fixtures, name)
            # A directory is one compile database of several units (programs with their own
            # main and the library they share), scanned together; markers by file.
            if os.path.isdir(path):
                root, files = path, sorted(os.path.relpath(os.path.join(d, n), path)
                                           for d, _, names in os.walk(path)
                                           for n in names if n.endswith(".c"))
            elif name.endswith(".c"):
                root, files = fixtures, [name]
            else:
                continue
            db = os.path.join(tmp, name + ".db")
            scan = subprocess.run([tsafe, "scan", *(os.path.join(root, f) for f in files),
                                   "--db", db, "--root", root, "--fail-on", "never"],
                                  capture_output=True, text=True)
            if scan.returncode != 0:
                t.check(name, False, f"tsafe scan exited {scan.returncode}", scan.stderr)
                continue
            rep = subprocess.run([tsafe, "report", "--db", db, "--format", "json"],
                                 capture_output=True, text=True, cwd=root)
            found = json.loads(rep.stdout)["findings"] if rep.returncode in (0, 1) else []
            problems = []
            for f in files:
                mine = [x for x in found if x["locations"][0].get("file") == f]
                problems += [f"{f}: {p}" if len(files) > 1 else p
                             for p in compare(marks(os.path.join(root, f), expect, related), mine)
                             + message_problems(os.path.join(root, f), mine)]
            t.check(name, not problems, *problems)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
