#!/usr/bin/env python3
"""stream.py — memory of reading a large Valgrind XML file (bench/README.md).

Runs Helgrind once on tests/fixtures/run/misuse.c, repeats that file's <error> elements
until the XML reaches --mb megabytes (a long test that reports the same errors again and
again), and has `tsafe run --engine helgrind` read it through a stub `valgrind` that only
copies the file into place. Prints wall time, peak RSS of the whole process tree and the
findings, for this build and, with --compare BUILD, another one.

  bench/valgrind/stream.py --mb 280 --compare /tmp/old/build
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
STUB = """#!/bin/sh
for a; do case "$a" in --xml-file=*) f=${a#--xml-file=};; esac; done
cp "$TSAFE_BENCH_XML" "$(echo "$f" | sed "s/%p/$$/")"
"""


def big_xml(tmp, mb):
    exe = os.path.join(tmp, "misuse")
    subprocess.run(["cc", "-g", "-O0", "-pthread", os.path.join(SRC, "tests/fixtures/run/misuse.c"),
                    "-o", exe], check=True)
    one = os.path.join(tmp, "one.xml")
    subprocess.run(["valgrind", "--tool=helgrind", "--xml=yes", f"--xml-file={one}", exe],
                   capture_output=True)
    text = open(one).read()
    errors = "".join(re.findall(r"<error>.*?</error>\s*", text, re.S))
    head, tail = text[:text.index("<error>")], text[text.rindex("</error>") + len("</error>"):]
    path = os.path.join(tmp, "big.xml")
    with open(path, "w") as out:
        out.write(head)
        written = 0
        while written < mb << 20:
            out.write(errors)
            written += len(errors)
        out.write(tail)
    return path, exe


def measure(build, xml, exe, tmp):
    stub_dir = os.path.join(tmp, "stub")
    os.makedirs(stub_dir, exist_ok=True)
    with open(os.path.join(stub_dir, "valgrind"), "w") as f:
        f.write(STUB)
    os.chmod(os.path.join(stub_dir, "valgrind"), 0o755)
    db = os.path.join(tmp, f"db{time.monotonic_ns()}.db")
    env = dict(os.environ, TSAFE_BENCH_XML=xml, PATH=stub_dir + os.pathsep + os.environ["PATH"])
    cmd = ["/usr/bin/time", "-f", "%e %M", os.path.join(build, "tsafe"), "run", "--engine",
           "helgrind", "--db", db, "--fail-on", "never", "--", exe]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, rss_kb = r.stderr.strip().splitlines()[-1].split()
    found = subprocess.run([os.path.join(build, "tsafe"), "report", "--db", db], capture_output=True,
                           text=True).stdout.strip().splitlines()[-1:]
    return float(wall), int(rss_kb) / 1024, found[0] if found else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--compare")
    ap.add_argument("--mb", type=int, default=280)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xml, exe = big_xml(tmp, a.mb)
        size = os.path.getsize(xml) / (1 << 20)
        print(f"| build | XML (MB) | wall (s) | peak RSS (MB) | findings |\n|---|---:|---:|---:|---|")
        for build in [a.build] + ([a.compare] if a.compare else []):
            wall, rss, found = measure(build, xml, exe, tmp)
            print(f"| {build} | {size:.0f} | {wall:.1f} | {rss:.0f} | {found} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
