"""e2elib.py — what the Python end-to-end tests share: the tools' paths from ctest's
environment, and a pass/fail tally that prints what went wrong."""
import os
import sys


def env(name):
    """The value of an environment variable ctest sets (TSAFE, TSAFE_SOURCE_DIR, ...)."""
    v = os.environ.get(name)
    if not v:
        test = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        sys.exit(f"{test}: ${name} is not set; run through ctest (or export it)")
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
