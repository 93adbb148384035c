#!/usr/bin/env python3
"""test_html.py — `tsafe report --format html` and `tsafe graph` end to end.

Scans a lock-order program and a racy one of the corpus, then:
  - opens report.html in headless Chromium (Debian's chromium + chromium-driver, driven by
    python3-selenium): no console errors, both findings with their marked source lines,
    clicking a rule, severity or file filter hides and shows the right findings and
    updates the counts, and the lock-order graph is drawn with the cycle's edges red;
  - `tsafe graph` as DOT and SVG, and the error paths of both commands (unknown format,
    unwritable -o, empty database, Graphviz's plugins missing).

Skips (exit 0, saying so) only when Chromium or its driver is not installed.
Env: TSAFE, TSAFE_SOURCE_DIR, TSAFE_BUILD_DIR.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from e2elib import env, Tally

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    # Debian's python3-selenium lives in the system interpreter, which a pyenv or venv
    # python3 earlier in PATH does not see.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    webdriver = None


TSAFE, SRC = env("TSAFE"), env("TSAFE_SOURCE_DIR")
T = Tally()
WORK = tempfile.mkdtemp(prefix="tsafe-html-")
DB = os.path.join(WORK, "tsafe.db")
LOCK_ORDER = "corpus/12_deadlocks/lock_order.c"
RACE = "corpus/13_race_conditions/read_unlocked.c"


def tsafe(*args, extra_env=None):
    e = dict(os.environ, **(extra_env or {}))
    return subprocess.run([TSAFE, *args], cwd=SRC, env=e, capture_output=True, text=True, timeout=300)


def scan():
    r = tsafe("scan", LOCK_ORDER, RACE, "--root", SRC, "--db", DB, "--fail-on", "never",
              "--", "-pthread")
    T.check("scan of a lock-order and a racy program", r.returncode == 0, r.stdout, r.stderr)


def check_cli():
    out = os.path.join(WORK, "report.html")
    r = tsafe("report", "--db", DB, "--format", "html", "-o", out)
    T.check("report --format html -o FILE", r.returncode == 0 and os.path.getsize(out) > 0, r.stderr)
    r = tsafe("report", "--db", DB, "--format", "html")
    T.check("report --format html writes to stdout without -o",
            r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>") and "</html>" in r.stdout, r.stderr)
    r = tsafe("report", "--db", DB, "--format", "pdf")
    T.check("unknown --format: exit 2 naming the formats",
            r.returncode == 2 and "text, json, sarif, junit or html" in r.stderr, r.stderr)
    r = tsafe("report", "--db", DB, "--format", "html", "-o", os.path.join(WORK, "no", "such", "r.html"))
    T.check("unwritable -o: exit 2", r.returncode == 2 and "cannot write" in r.stderr, r.stderr)
    r = tsafe("report", "--db", DB, "--format", "html", "--rule", "data-race")
    T.check("--rule with html: only that rule; the graph's view has no cycle of that rule, the "
            "whole graph (open) still marks the inversion",
            r.returncode == 0 and r.stdout.count('<article class="finding"') == 1
            and 'data-rule="data-race"' in r.stdout and "No reported lock-order cycle among the chosen"
            in r.stdout and '<details id="whole-graph" open>' in r.stdout
            and 'class="edge cycle"' in r.stdout.split('id="whole-graph"')[1], r.stderr)
    r = tsafe("report", "--db", DB, "--format", "html", "--severity", "error", "--since", "2")
    T.check("--since a later run with html: no findings, still a page",
            r.returncode == 0 and '<article class="finding"' not in r.stdout
            and "0 findings" in r.stdout, r.stderr)
    r = tsafe("report", "--db", DB, "--format", "html", extra_env={"GVBINDIR": "/nonexistent"})
    T.check("without Graphviz's plugins the page says the picture is unavailable",
            r.returncode == 0 and "The picture is unavailable: Graphviz cannot" in r.stdout
            and "<svg" not in r.stdout, r.stderr)
    return out


def check_graph():
    r = tsafe("graph", "--db", DB)
    T.check("graph: DOT with the two classes and the cycle red",
            r.returncode == 0 and r.stdout.startswith("digraph") and r.stdout.count('class="cycle"') == 4
            and "orders_lock" in r.stdout and "inventory_lock" in r.stdout, r.stdout, r.stderr)
    svg = os.path.join(WORK, "graph.svg")
    r = tsafe("graph", "--db", DB, "--format", "svg", "-o", svg)
    ok = r.returncode == 0
    if ok:
        root = ET.parse(svg).getroot()
        edges = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "edge" in g.get("class", "").split()]
        ok = len(edges) == 2 and all("cycle" in g.get("class") for g in edges)
    T.check("graph --format svg -o FILE: well-formed SVG, both edges on the cycle", ok, r.stderr)
    r = tsafe("graph", "--db", DB, "--format", "png")
    T.check("graph: unknown format, exit 2", r.returncode == 2 and "use dot or svg" in r.stderr, r.stderr)
    r = tsafe("graph", "--db", DB, "-o", os.path.join(WORK, "no", "g.dot"))
    T.check("graph: unwritable -o, exit 2", r.returncode == 2 and "cannot write" in r.stderr, r.stderr)
    r = tsafe("graph", "--db", DB, "--format", "svg", extra_env={"GVBINDIR": "/nonexistent"})
    T.check("graph --format svg without Graphviz's plugins: one-line error, exit 2",
            r.returncode == 2 and r.stderr.count("\n") == 1 and "install the graphviz package" in r.stderr,
            r.stderr)
    empty = os.path.join(WORK, "empty.db")
    open(empty, "wb").close()
    r = tsafe("graph", "--db", empty)
    T.check("graph on an empty database: a clear message, exit 2",
            r.returncode == 2 and "holds no runs yet" in r.stderr, r.stderr)
    r = tsafe("graph", "--db", os.path.join(WORK, "missing.db"))
    T.check("graph without a database: exit 2", r.returncode == 2 and "no database" in r.stderr, r.stderr)
    race_only = os.path.join(WORK, "race.db")
    tsafe("scan", RACE, "--root", SRC, "--db", race_only, "--fail-on", "never", "--", "-pthread")
    r = tsafe("graph", "--db", race_only)
    T.check("graph of runs that nest no locks: an empty graph and a note",
            r.returncode == 0 and r.stdout.startswith("digraph") and " -> " not in r.stdout
            and "no lock-order edges" in r.stderr, r.stdout, r.stderr)
    r = tsafe("report", "--db", race_only, "--format", "html")
    T.check("... and the page says there are none",
            r.returncode == 0 and "No lock-order edges were recorded" in r.stdout, r.stderr)


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = shutil.which("chromium")
    # Without these Chromium stalls on a machine with no network (and refuses root).
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1280,1600", "--user-data-dir=" + os.path.join(WORK, "chromium")):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)


def visible(d):
    return sorted(a.get_attribute("data-rule") for a in d.find_elements(By.CSS_SELECTOR, "article.finding")
                  if a.is_displayed())


def count_of(d, group, value):
    return d.find_element(By.CSS_SELECTOR, f'fieldset[data-filter="{group}"] label[data-value="{value}"] .count').text


def box(d, group, value):
    return d.find_element(By.CSS_SELECTOR, f'fieldset[data-filter="{group}"] input[value="{value}"]')


def check_page(d, path):
    d.get("file://" + path)
    both = ["data-race", "lock-order-inversion"]
    T.check("page shows both findings", visible(d) == both, visible(d))
    hits = [h.text for h in d.find_elements(By.CSS_SELECTOR, "pre.snippet .line.hit")]
    T.check("the marked source lines are the findings' lines",
            any("prof.version = i" in h for h in hits) and any("pthread_mutex_lock(&orders_lock)" in h for h in hits),
            hits)
    stacks = d.find_elements(By.CSS_SELECTOR, 'article[data-rule="lock-order-inversion"] ol.stack')
    T.check("both sides of the inversion have their stack", len(stacks) == 2 and all(s.is_displayed() for s in stacks))

    box(d, "rule", "data-race").click()
    T.check("unticking a rule hides its findings", visible(d) == ["lock-order-inversion"], visible(d))
    T.check("the counts follow", d.find_element(By.ID, "shown-count").text == "1"
            and count_of(d, "severity", "error") == "1" and count_of(d, "rule", "data-race") == "1")
    box(d, "rule", "data-race").click()
    T.check("ticking it again shows them", visible(d) == both, visible(d))

    box(d, "file", LOCK_ORDER).click()
    T.check("unticking a file hides its findings", visible(d) == ["data-race"], visible(d))
    box(d, "file", LOCK_ORDER).click()

    d.find_element(By.CSS_SELECTOR, 'fieldset[data-filter="severity"] button[data-tick="none"]').click()
    T.check("severity 'none' hides everything and says so",
            visible(d) == [] and d.find_element(By.ID, "none-shown").is_displayed())
    d.find_element(By.CSS_SELECTOR, 'fieldset[data-filter="severity"] button[data-tick="all"]').click()
    T.check("severity 'all' shows everything again", visible(d) == both, visible(d))

    svg = d.find_elements(By.CSS_SELECTOR, "#graph svg")
    drawn = bool(svg) and svg[0].is_displayed() and svg[0].size["width"] > 50 and svg[0].size["height"] > 50
    T.check("the lock-order graph is drawn", drawn, svg[0].size if svg else "no <svg>")
    cycle = d.find_elements(By.CSS_SELECTOR, "#graph .picture:not(.whole) g.edge.cycle path")
    strokes = [p.get_attribute("stroke") for p in cycle]
    T.check("its cycle edges are highlighted", len(cycle) == 2 and all(s == "#cc0000" for s in strokes), strokes)
    errors = [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    T.check("no console errors", not errors, errors)


def main():
    scan()
    path = check_cli()
    check_graph()
    if webdriver is None or not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("skip - headless browser checks: chromium, chromium-driver or python3-selenium is not "
              "installed (scripts/install-deps installs them)")
    else:
        d = browser()
        try:
            check_page(d, path)
        finally:
            d.quit()
    shutil.rmtree(WORK, ignore_errors=True)
    print(f"{T.passed} passed, {T.failed} failed")
    sys.exit(1 if T.failed else 0)


if __name__ == "__main__":
    main()
