"""test_scan_locks.py — lock rules on small programs in tests/fixtures/scan/locks/: each is
scanned on its own and must give exactly the findings its `// tsafe-expect: rule` comments
mark (lock ownership across functions, correlated branches, lock identity, annotations)."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from e2elib import Tally, compare, env  # noqa: E402

EXPECT = re.compile(r"//\s*tsafe-expect:\s*([^/]*?)\s*(?://|$)")


def expected(path):
    want = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            m = EXPECT.search(line)
            if m:
                want += [{"rule": r.strip(), "line": lineno} for r in m.group(1).split(",")]
    return {"expected": want, "related": []}


def main():
    tsafe = env("TSAFE")
    src = env("TSAFE_SOURCE_DIR")
    fixtures = sorted(glob.glob(os.path.join(src, "tests/fixtures/scan/locks/*.c")))
    t = Tally()
    t.check("lock fixtures exist", len(fixtures) > 0, "none under tests/fixtures/scan/locks")
    with tempfile.TemporaryDirectory() as work:
        for path in fixtures:
            name = os.path.basename(path)
            db = os.path.join(work, name + ".db")
            r = subprocess.run([tsafe, "scan", path, "--db", db, "--root", os.path.dirname(path),
                                "--format", "json", "--fail-on", "never"],
                               capture_output=True, text=True)
            if not t.check(f"{name}: scanned", r.returncode == 0, r.stderr):
                continue
            found = json.loads(r.stdout)["findings"]
            problems = compare(expected(path), found)
            t.check(f"{name}: exactly the marked findings", not problems, *problems)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
