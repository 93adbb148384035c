#!/usr/bin/env python3
"""test_run_corpus.py — every corpus program run under `tsafe run` reports exactly the
manifest's dynamic findings: each `// tsafe-expect-dynamic: RULE` at its line (and
`tsafe-expect-dynamic-related` among the other locations of a finding of that rule),
nothing else, and nothing at all for the correct programs.

Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR (the corpus is built into
$TSAFE_BUILD_DIR/corpus). Each program gets its own database, so no program's lock
orders meet another's.
"""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

from e2elib import env


def build_corpus(src, build):
    out = os.path.join(build, "corpus")
    for cmd in (["cmake", "-S", os.path.join(src, "corpus"), "-B", out],
                ["cmake", "--build", out, "-j", str(os.cpu_count() or 2)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stdout.write(r.stdout[-4000:] + r.stderr[-4000:])
            sys.exit(f"test_run_corpus: '{' '.join(cmd)}' failed; fix the corpus build first")
    return out


def run_one(tsafe, src, exe, tmp):
    """Findings of one program run (None and the reason when tsafe itself failed)."""
    name = os.path.basename(exe)
    out = os.path.join(tmp, name + ".json")
    cmd = [tsafe, "run", "--db", os.path.join(tmp, name + ".db"), "--format", "json",
           "-o", out, "--fail-on", "never", "--", exe]
    try:
        r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "tsafe run did not finish within 60 s"
    if r.returncode != 0:
        return None, f"tsafe run exited {r.returncode}: {r.stderr.strip()[-600:]}"
    with open(out, encoding="utf-8") as f:
        return json.load(f)["findings"], None


def describe(f):
    rel = [str(l.get("line")) for l in f["locations"][1:]]
    more = f" (other lines {', '.join(rel)})" if rel else ""
    return f"{f['rule']} at line {f['locations'][0].get('line')}{more}: {f.get('message', '')}"


def compare(program, found):
    problems = []
    want = collections.Counter((e["rule"], e["line"]) for e in program["dynamic"])
    have = collections.Counter((f["rule"], f["locations"][0].get("line")) for f in found)
    for (rule, line), n in sorted((want - have).items()):
        problems += [f"missing: {rule} at line {line}"] * n
    extra = have - want
    for f in found:
        key = (f["rule"], f["locations"][0].get("line"))
        if extra[key] > 0:
            extra[key] -= 1
            problems.append("extra: " + describe(f))
    for r in program["dynamic_related"]:
        if not any(f["rule"] == r["rule"] and any(l.get("line") == r["line"] for l in f["locations"][1:])
                   for f in found):
            problems.append(f"missing other location: {r['rule']} with a side at line {r['line']}")
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
            problems = [error] if error else compare(p, found)
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
