#!/usr/bin/env python3
"""test_corpus.py — tsafe scan on the whole corpus reports exactly the findings its sources
mark: every `// tsafe-expect: RULE` at its line (and `tsafe-expect-related` among the related
locations of a finding of that rule), nothing else, and nothing at all on correct programs.

Env: TSAFE (the tsafe binary), TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR (the corpus is built into
$TSAFE_BUILD_DIR/corpus). Also checks that corpus/manifest.json matches the markers.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

from e2elib import build_corpus, compare, describe, env


def check_manifest(src, tmp):
    """The committed manifest must be what scripts/corpus-manifest generates now."""
    fresh = os.path.join(tmp, "manifest.json")
    r = subprocess.run([sys.executable, os.path.join(src, "scripts", "corpus-manifest"),
                        "--corpus", os.path.join(src, "corpus"), "-o", fresh],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"test_corpus: scripts/corpus-manifest failed: {r.stderr.strip()}")
    with open(fresh, encoding="utf-8") as f:
        want = f.read()
    with open(os.path.join(src, "corpus", "manifest.json"), encoding="utf-8") as f:
        have = f.read()
    if want != have:
        sys.exit("test_corpus: corpus/manifest.json is out of date with the tsafe-expect "
                 "markers; run scripts/corpus-manifest and commit the result")
    return json.loads(want)["programs"]


def scan(tsafe, src, corpus_build, tmp):
    """Runs the scan; returns its findings, or None when this tsafe has no scan command yet."""
    out = os.path.join(tmp, "out.json")
    cmd = [tsafe, "scan", "-p", corpus_build, "--db", os.path.join(tmp, "t.db"),
           "--format", "json", "-o", out]
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    if r.returncode not in (0, 1) and ("unknown command" in r.stderr or "not implemented" in r.stderr):
        return None
    if r.returncode != 1:
        sys.stderr.write(r.stderr[-4000:])
        sys.exit(f"test_corpus: '{' '.join(cmd)}' exited {r.returncode}; expected 1 "
                 f"(findings reported)")
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"]


def owner(path, files):
    """The corpus program a finding's file path (relative to the project root) is in."""
    p = path.replace("\\", "/")
    for f in files:
        if p == f or p.endswith("/" + f):
            return f
    return None


def main():
    tsafe, src, build = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    if not os.access(tsafe, os.X_OK):
        sys.exit(f"test_corpus: $TSAFE ({tsafe}) is not an executable; build tsafe first")
    with tempfile.TemporaryDirectory(prefix="tsafe-corpus-") as tmp:
        programs = check_manifest(src, tmp)
        print(f"manifest: {len(programs)} programs, up to date")
        corpus_build = build_corpus(src, build)
        findings = scan(tsafe, src, corpus_build, tmp)
    if findings is None:
        print("SKIP findings comparison: this tsafe has no 'scan' command yet "
              "(manifest and corpus build checked)")
        return 0

    files = [p["file"] for p in programs]
    by_file = collections.defaultdict(list)
    stray = []
    for f in findings:
        if f.get("suppressed"):
            continue
        o = owner(f["locations"][0].get("file", ""), files)
        (by_file[o] if o else stray).append(f)

    passed = failed = 0
    for p in programs:
        problems = compare(p, by_file.get(p["file"], []))
        kind = "correct" if not p["expected"] else f"{len(p['expected'])} expected"
        if problems:
            failed += 1
            print(f"FAIL {p['file']} ({kind})")
            for line in problems:
                print("    " + line)
        else:
            passed += 1
            print(f"ok   {p['file']} ({kind})")
    for f in stray:
        print(f"extra finding outside the corpus programs: {f['locations'][0].get('file')}: {describe(f)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or stray else 0


if __name__ == "__main__":
    sys.exit(main())
