"""test_lockorder_scale.py — many lock classes in one order are no inversion, and one
inversion among them is one finding, in both engines: programs of 1000 mutexes from
bench/lockorder/gen.py (two threads take all of them nested, in one order; with
--inversion a third thread takes the last and then the first), under `tsafe scan` and
`tsafe run`. The finding is the shortest cycle, first lock -> last lock -> first lock,
with the evidence of both orders: each acquisition's line and the lock held there. The
lock-order graph (`tsafe graph --all`) is the chain along the order, N-1 orders rather than
N(N-1)/2 (the others are implied), and with the inversion also the cycle's two orders.
(How long it takes is measured in bench/lockorder, not here.)"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

N = 1000
TSAFE = e2elib.env("TSAFE")
SRC = e2elib.env("TSAFE_SOURCE_DIR")
t = e2elib.Tally()


def program(work, inversion):
    name = "inversion" if inversion else "consistent"
    c = os.path.join(work, name + ".c")
    gen = [sys.executable, os.path.join(SRC, "bench", "lockorder", "gen.py"), str(N)]
    with open(c, "w") as out:
        subprocess.run(gen + (["--inversion"] if inversion else []), stdout=out, check=True)
    exe = os.path.join(work, name)
    subprocess.run(["cc", "-g", "-O0", "-pthread", c, "-o", exe], check=True)
    return c, exe


def findings(db):
    r = subprocess.run([TSAFE, "report", "--db", db, "--format", "json"], capture_output=True,
                       text=True)
    return json.loads(r.stdout)["findings"] if r.returncode in (0, 1) else None


def lines_of(c, text):
    with open(c) as f:
        return [i + 1 for i, line in enumerate(f) if text in line]


def check_engine(engine, work, c, exe, inversion):
    db = os.path.join(work, f"{engine}-{os.path.basename(exe)}.db")
    cmd = [TSAFE, "scan", c, "--db", db] if engine == "scan" else \
          [TSAFE, "run", "--db", db, "--", exe]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    what = f"{engine}, {N} classes, {'one inversion' if inversion else 'one order'}"
    got = findings(db) or []
    g = subprocess.run([TSAFE, "graph", "--all", "--db", db], capture_output=True, text=True)
    orders = [line.split('" -> "') for line in g.stdout.splitlines() if '" -> "' in line]
    pairs = {(a.rsplit(":m", 1)[1], b.split('"')[0].rsplit(":m", 1)[1]) for a, b in orders}
    # The runtime follows 64 nested locks (RT_MAX_HELD); what it takes deeper is an order
    # from each of those 64, so its chain ends at m64 and the rest hang from m63.
    depth = N if engine == "scan" else 65
    links = sum((str(i), str(i + 1)) in pairs for i in range(depth - 1))
    want = N - 1 + (2 if inversion else 0)
    t.check(f"{engine}, {N} classes, {'one inversion' if inversion else 'one order'}: the graph holds "
            f"the chain m0 -> m1 -> ... -> m{depth - 1}, {want} orders in all, not N(N-1)/2",
            g.returncode == 0 and len(orders) == want and links == depth - 1,
            f"{len(orders)} orders, {links} links of the chain", g.stderr[-500:])
    inv = [f for f in got if f["rule"] == "lock-order-inversion"]
    if not inversion:
        t.check(f"{what}: exit 0, no finding", r.returncode == 0 and not inv,
                r.stderr, [f["message"] for f in inv[:5]])
        return
    if not t.check(f"{what}: exit 1, exactly one lock-order-inversion", r.returncode == 1 and
                   len(inv) == 1, r.stderr[-2000:], f"{len(inv)} findings",
                   [f["message"] for f in inv[:5]]):
        return
    f = inv[0]
    last = f"m{N - 1}"
    t.check(f"{what}: the shortest cycle, 'm0' -> '{last}' -> 'm0'",
            f"'m0' -> '{last}'" in f["message"] and f"'{last}' -> 'm0'" in f["message"] and
            f["message"].count("->") == 2, f["message"])
    # Evidence of both orders: the worker's acquisition of the last lock holding m0, and
    # the inverter's acquisition of m0 holding the last lock.
    worker_line = lines_of(c, f"pthread_mutex_lock(&{last});")[0]
    inverter_line = lines_of(c, "pthread_mutex_lock(&m0);")[1]
    locs = {(l.get("line"), l.get("message", "").split(" (acquired")[0]) for l in f["locations"]}
    want = {(worker_line, f"acquires '{last}' while holding 'm0'"),
            (inverter_line, f"acquires 'm0' while holding '{last}'")}
    t.check(f"{what}: both orders' acquisitions, with the lock held", want <= locs,
            sorted(locs), f"expected {sorted(want)}")


with tempfile.TemporaryDirectory() as work:
    for inversion in (False, True):
        c, exe = program(work, inversion)
        for engine in ("scan", "run"):
            check_engine(engine, work, c, exe, inversion)

print(f"{t.passed} passed, {t.failed} failed")
sys.exit(1 if t.failed else 0)
