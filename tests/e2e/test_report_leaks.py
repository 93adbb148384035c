#!/usr/bin/env python3
"""test_report_leaks.py — nothing outside the project leaks into a report, and every
report is valid UTF-8:

  - a `#line` directive naming "../secret/file" or an absolute path outside --root (as
    debug information carries it into a `tsafe run` finding) shows no line of that file in
    the HTML or SARIF report; a symbolic link inside the root pointing out is not followed;
    sources inside the root still get their snippets;
  - a source line holding Latin-1 bytes gives SARIF and JSON that decode as UTF-8 (the
    bytes replaced by U+FFFD).

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from e2elib import env, Tally

TSAFE = env("TSAFE")
T = Tally()

INVERSION = r"""#include <pthread.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static void *other(void *arg)
{
	pthread_mutex_lock(&b);
#line 3 "%s"
	pthread_mutex_lock(&a);
#line 8 "inv.c"
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return arg;
}
int main(void)
{
	pthread_t t;
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&b);
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	pthread_create(&t, 0, other, 0);
	pthread_join(t, 0);
	return 0;
}
"""

LATIN1_RACE = (b"#include <pthread.h>\n"
               b"static int hits;\n"
               b"static void *worker(void *arg)\n"
               b"{\n"
               b"\thits++; /* compteur partag\xe9, caf\xe9 */\n"
               b"\treturn arg;\n"
               b"}\n"
               b"int main(void)\n"
               b"{\n"
               b"\tpthread_t t;\n"
               b"\tpthread_create(&t, 0, worker, 0);\n"
               b"\thits++; /* \xe0 c\xf4t\xe9 */\n"
               b"\tpthread_join(t, 0);\n"
               b"\treturn hits;\n"
               b"}\n")


def tsafe(*args, cwd):
    return subprocess.run([TSAFE, *args], cwd=cwd, capture_output=True, timeout=120)


def reports(proj, db):
    html = os.path.join(proj, "r.html")
    sarif = os.path.join(proj, "r.sarif")
    tsafe("report", "--db", db, "--format", "html", "-o", html, cwd=proj)
    tsafe("report", "--db", db, "--format", "sarif", "-o", sarif, cwd=proj)
    with open(html, "rb") as f, open(sarif, "rb") as g:
        return f.read(), g.read()


def test_line_directives(work):
    secret_dir = os.path.join(work, "secret")
    os.makedirs(secret_dir)
    secret = os.path.join(secret_dir, "secret.txt")
    with open(secret, "w") as f:
        f.write("".join(f"TOPSECRET line {i}\n" for i in range(1, 30)))
    for name, target in (("relative", "../secret/secret.txt"), ("absolute", secret),
                         ("symlink", "inside_link.txt")):
        proj = os.path.join(work, "proj-" + name)
        os.makedirs(proj)
        os.symlink(secret, os.path.join(proj, "inside_link.txt"))
        src = os.path.join(proj, "inv.c")
        with open(src, "w") as f:
            f.write(INVERSION % target)
        exe = os.path.join(proj, "inv")
        subprocess.run(["cc", "-g", "-O0", "-pthread", "-o", exe, src], check=True, cwd=proj)
        db = os.path.join(proj, "t.db")
        r = tsafe("run", "--db", db, "--fail-on", "never", "--", exe, cwd=proj)
        T.check(f"{name}: the run reports the inversion", b"lock-order" in r.stderr, r.stderr)
        html, sarif = reports(proj, db)
        T.check(f"{name} #line: no line of the file outside the root in the HTML",
                b"TOPSECRET" not in html and b"not a file inside the project root" in html)
        T.check(f"{name} #line: nor in the SARIF", b"TOPSECRET" not in sarif)
        T.check(f"{name}: the snippets of the sources inside the root are still shown",
                b"pthread_mutex_lock(&amp;b);" in html)


def test_latin1_sources(work):
    proj = os.path.join(work, "latin1")
    os.makedirs(proj)
    with open(os.path.join(proj, "race.c"), "wb") as f:
        f.write(LATIN1_RACE)
    db = os.path.join(proj, "t.db")
    r = tsafe("scan", "race.c", "--db", db, "--fail-on", "never", "--", "-pthread", cwd=proj)
    T.check("a Latin-1 source is scanned", r.returncode == 0, r.stderr)
    _, sarif = reports(proj, db)
    try:
        doc = json.loads(sarif.decode("utf-8"))
        snippets = [loc["physicalLocation"]["region"].get("snippet", {}).get("text", "")
                    for res in doc["runs"][0]["results"] for loc in res["locations"]]
        ok = any("partag\ufffd" in s for s in snippets)
    except (UnicodeDecodeError, ValueError, KeyError) as e:
        ok, snippets = False, [str(e)]
    T.check("SARIF is valid UTF-8, Latin-1 bytes of the snippet replaced by U+FFFD", ok, snippets)
    r = tsafe("report", "--db", db, "--format", "json", cwd=proj)
    try:
        json.loads(r.stdout.decode("utf-8"))
        ok = True
    except (UnicodeDecodeError, ValueError) as e:
        ok = False
    T.check("JSON is valid UTF-8 too", ok)


def main():
    work = tempfile.mkdtemp(prefix="tsafe-leaks-")
    try:
        test_line_directives(work)
        test_latin1_sources(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{T.passed} passed, {T.failed} failed")
    sys.exit(1 if T.failed else 0)


if __name__ == "__main__":
    main()
