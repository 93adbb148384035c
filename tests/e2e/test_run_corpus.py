#!/usr/bin/env python3
"""test_run_corpus.py — every corpus program run under `tsafe run` reports exactly the
manifest's dynamic findings: each `// tsafe-expect-dynamic: RULE` at its line (and
`tsafe-expect-dynamic-related` among the other locations of a finding of that rule),
nothing else, and nothing at all for the correct programs.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR (the corpus is built into
$TSAFE_BUILD_DIR/corpus). Each program gets its own database, so no program's lock
orders meet another's. The watch engine's races are test_watch_corpus.py's (--no-watch).
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

from e2elib import build_corpus, compare, env


def run_one(tsafe, src, exe, tmp):
    """Findings of one program run (None and the reason when tsafe itself failed)."""
    name = os.path.basename(exe)
    out = os.path.join(tmp, name + ".json")
    cmd = [tsafe, "run", "--no-watch", "--db", os.path.join(tmp, name + ".db"), "--format", "json",
           "-o", out, "--fail-on", "never", "--", exe]
    try:
        r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "tsafe run did not finish within 60 s"
    if r.returncode != 0:
        return None, f"tsafe run exited {r.returncode}: {r.stderr.strip()[-600:]}"
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"], None


def compare_run(program, found):
    """The manifest's dynamic columns, and every finding in the program's own source."""
    problems = compare(program, found, "dynamic", "dynamic_related", "dynamic_maybe")
    for f in found:
        if not f["locations"][0].get("file", "").endswith(program["file"]):
            problems.append(f"finding outside the program's source: {f['locations'][0].get('file')}")
    return problems


def main():
    tsafe, src, build = env("TSAFE"), env("TSAFE_SOURCE_DIR"), env("TSAFE_BUILD_DIR")
    with open(os.path.join(src, "corpus", "manifest.json"), encoding="utf-8") as f:
        programs = json.load(f)["programs"]
    if not all("dynamic" in p for p in programs):
        sys.exit("test_run_corpus: corpus/manifest.json has no dynamic lists; run scripts/corpus-manifest")
    corpus = build_corpus(src, build)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="tsafe-run-corpus-") as tmp:
        exes = {p["file"]: os.path.join(corpus, f"{p['scenario']}_{p['variant']}") for p in programs}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(zip(exes, pool.map(lambda e: run_one(tsafe, src, e, tmp), exes.values())))
        for p in programs:
            found, error = results[p["file"]]
            problems = [error] if error else compare_run(p, found)
            kind = f"{len(p['dynamic'])} expected" if p["dynamic"] else "nothing expected"
            if problems:
                failed += 1
                print(f"FAIL {p['file']} ({kind})")
                for line in problems:
                    print("    " + line)
            else:
                passed += 1
                print(f"ok   {p['file']} ({kind})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
