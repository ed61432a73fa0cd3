#!/usr/bin/env python3
"""Benchmark: pages served by the production stack (gunicorn, DECIMETRO_ENV=production) under load.

For home, a mission, an objective, a comune, the map page and the map data (API), prints requests/s and the
p50/p95/p99 latency, next to the same figures for `/salute/` (a plain HttpResponse on the same stack: the
ceiling). Ratio = page req/s ÷ ceiling req/s (the figure to improve).

The load comes from a second process over loopback: `wrk` (Debian package `wrk`: `apt-get install -y wrk`)
with a bounded time per URL, or, when wrk is absent (the script says so), a Python load generator
(`--client`, threads with keep-alive connections) bounded in time and in number of requests.

Needs the full national data in PostgreSQL, e.g.:

    createdb decimetro_bench   # or any scratch database
    export DATABASE_URL=postgres://decimetro:decimetro@127.0.0.1:5432/decimetro_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py setup_data
    .venv/bin/python manage.py pnrr_import --skip-invalid ../shared/data/pnrr/*
    .venv/bin/python bench/pages.py --duration 10

Settings: the real production settings (`DECIMETRO_ENV=production`, WhiteNoise's compressed manifest
storage); `collectstatic` runs first into a temporary STATIC_ROOT, removed at the end. Never run by the test
suite. On a shared machine the figures are noisy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DEFAULT_DB = "postgres://decimetro:decimetro@127.0.0.1:5432/decimetro_h4bbench"

WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d,\\"non2xx\\":%d,"
    .. "\\"p50\\":%d,\\"p95\\":%d,\\"p99\\":%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def production_env(database_url: str, static_root: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DECIMETRO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        LOG_LEVEL="ERROR",
        STATIC_ROOT=static_root,
        DJANGO_SETTINGS_MODULE="decimetro.settings",
    )
    env.pop("DEBUG", None)
    return env


def pages(env: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path) of the pages to measure, the codes read from the database."""
    code = (
        "from decimetro.plan.models import Objective;"
        "o = Objective.objects.filter(edition__is_current=True)"
        ".order_by('mission__number', 'number').first();"
        "print(o.code if o else 'M1.1')"
    )
    objective = (
        subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return [
        ("salute (ceiling)", "/salute/"),
        ("home", "/"),
        ("mission M1", "/piano/missioni/M1/"),
        (f"objective {objective}", f"/piano/obiettivi/{objective}/"),
        ("comune Milano", "/territorio/comuni/015146/"),
        ("map page", "/territorio/mappa/"),
        ("map data (API)", "/api/v1/territory/map?metric=funding_per_resident"),
        ("map data, filtered", "/api/v1/territory/map?metric=payment_progress&mission=M2&actor=comuni"),
        ("project list", "/progetti/"),
        ("list, mission M2", "/progetti/?missione=M2"),
        ("list, comune Milano", "/progetti/?comune=015146"),
        ("list, body + amount", "/progetti/?attuatore=comune&importo_min=100000&ordina=-total"),
        ("list, text", "/progetti/?q=biblioteca"),
        ("list, measure", "/progetti/?misura=M1C1I1.04"),
        ("list, amount ascending", "/progetti/?ordina=amount"),
    ]


def wait_up(base: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/salute/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer on /salute/")


def run_wrk(url: str, duration: int, connections: int, threads: int, lua: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", lua, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    d = json.loads(line[5:])
    seconds = d["duration_us"] / 1e6
    return {
        "rps": d["requests"] / seconds,
        "p50": d["p50"] / 1000,
        "p95": d["p95"] / 1000,
        "p99": d["p99"] / 1000,
        "requests": d["requests"],
        "errors": d["errors"] + d["non2xx"],
    }


def client(url: str, duration: float, connections: int, max_requests: int) -> dict[str, float]:
    """The Python load generator (run in its own process): `connections` threads, keep-alive, until
    `duration` seconds or `max_requests` requests."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker() -> None:
        conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            with lock:
                if len(latencies) + errors[0] >= max_requests:
                    return
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

    return {
        "rps": len(latencies) / seconds,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "requests": len(latencies),
        "errors": errors[0],
    }


def run_python_client(url: str, duration: int, connections: int, max_requests: int) -> dict[str, float]:
    out = subprocess.run(
        [
            PYTHON,
            __file__,
            "--client",
            url,
            "--duration",
            str(duration),
            "--connections",
            str(connections),
            "--max-requests",
            str(max_requests),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (2 * 2 cores + 1)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--max-requests", type=int, default=100_000, help="bound for the Python client")
    parser.add_argument("--warmup", type=int, default=5, help="requests per URL before measuring")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument(
        "--skip-exports",
        action="store_true",
        help="skip the export part (national CSV alone; /salute/ while 5 exports run; a 6th refused)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="first request of each page after a data change: computed live, then precomputed (no load)",
    )
    args = parser.parse_args()

    if args.client:
        print(json.dumps(client(args.client, args.duration, args.connections, args.max_requests)))
        return

    tool = args.tool
    if tool in {"auto", "wrk"} and not shutil.which("wrk"):
        print("wrk not found (Debian: `apt-get install -y wrk`): using the Python load generator instead.")
        if tool == "wrk":
            raise SystemExit(1)
        tool = "python"
    elif tool == "auto":
        tool = "wrk"

    static_root = tempfile.mkdtemp(prefix="decimetro-bench-static-")
    env = production_env(args.database_url, static_root)
    try:
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        targets = pages(env)
        if args.cold:
            cold(args, env, targets)
            return
        results = measure(args, tool, env, targets)
        export_results = None if args.skip_exports else measure_exports(args, env)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    report(args, tool, results)
    if export_results is not None:
        report_exports(args, export_results)


def measure(
    args: argparse.Namespace, tool: str, env: dict[str, str], targets: list[tuple[str, str]]
) -> list[tuple[str, str, dict[str, float]]]:
    """Start gunicorn, warm and load every target in turn, stop gunicorn."""
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "decimetro.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_LUA)
    results: list[tuple[str, str, dict[str, float]]] = []
    try:
        wait_up(base)
        for label, path in targets:
            for _ in range(args.warmup):  # warm the workers (connections, caches)
                with urllib.request.urlopen(base + path, timeout=60) as r:
                    if r.status != 200:
                        raise SystemExit(f"{path}: HTTP {r.status}")
            if tool == "wrk":
                r = run_wrk(base + path, args.duration, args.connections, args.threads, lua.name)
            else:
                r = run_python_client(base + path, args.duration, args.connections, args.max_requests)
            results.append((label, path, r))
            print(f"  {label}: {r['rps']:.1f} req/s", file=sys.stderr)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        os.unlink(lua.name)
    return results


# --cold -----------------------------------------------------------------------------------------------------

# An audited write, as every service leaves one: the data version changes, so every cached and precomputed
# figure is stale (the refresh task it enqueues is not run here, no worker: the bench runs the refresh).
BUMP = (
    "from decimetro.core.audit import audit_record;"
    "from decimetro.plan.models import Edition;"
    "audit_record(by=None, action='bench.cold', target=Edition.objects.first(), before=None, after=None)"
)
# A write that changes no PNRR or territory data, as a link decision or a plan edit (its action is one of
# `insights.cache.PNRR_NEUTRAL_ACTION_PREFIXES`): the data version changes, the PNRR data version does not.
BUMP_LINK = BUMP.replace("'bench.cold'", "'linking.bench_cold'")


def _manage(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _first_request(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        r.read()
        if r.status != 200:
            raise SystemExit(f"{url}: HTTP {r.status}")
    return (time.perf_counter() - start) * 1000


def cold(args: argparse.Namespace, env: dict[str, str], targets: list[tuple[str, str]]) -> None:
    """For each page, the first request after a data change (an audited write from `manage.py shell`), with a
    process cache that cannot hold the new version: first with the figures computed live (what a page does
    while the refresh task has not finished), then once `manage.py insights_precompute` (the refresh task's
    work, timed) has stored them. One gunicorn worker, so that no other worker's cache answers."""
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "decimetro.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "1",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    rows = []
    try:
        wait_up(base)
        live: dict[str, float] = {}
        link: dict[str, float] = {}
        for label, path in targets[1:]:
            _first_request(base + path)  # warm the worker (imports, connections, templates)
            _manage(env, "shell", "-c", BUMP)
            live[label] = _first_request(base + path)
            print(f"  {label}: live {live[label]:.0f} ms", file=sys.stderr)
            _manage(env, "shell", "-c", BUMP_LINK)
            link[label] = _first_request(base + path)
            print(f"  {label}: after a link decision {link[label]:.0f} ms", file=sys.stderr)
        # Once for every page (a whole refresh takes a while): the pages after the first may find a figure
        # they share with an earlier one (the dates, the map) in the worker's cache instead of its row.
        _manage(env, "shell", "-c", BUMP)
        refresh = _manage(env, "insights_precompute")
        for label, path in targets[1:]:
            precomputed = _first_request(base + path)
            rows.append((label, live[label], link[label], precomputed))
            print(f"  {label}: precomputed {precomputed:.0f} ms", file=sys.stderr)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("\nFirst request after a data change (1 gunicorn worker, production settings; goal ≤ 300 ms)\n")
    print(f"| {'page':<24} | {'live ms':>9} | {'link decision ms':>16} | {'precomputed ms':>14} |")
    print(f"|{'-' * 26}|{'-' * 11}|{'-' * 18}|{'-' * 16}|")
    for label, live_ms, link_ms, precomputed in rows:
        print(f"| {label:<24} | {live_ms:>9.0f} | {link_ms:>16.0f} | {precomputed:>14.0f} |")
    print(
        "\nlive: after a write that may change the PNRR data (as an import), before the refresh ends; link "
        "decision: after a write that changes no PNRR data (a link decision, a plan edit), no refresh run"
    )
    print(
        f"\nrefresh: `manage.py insights_precompute` {refresh:.1f} s (every page's figures, every language)"
    )


def report(args: argparse.Namespace, tool: str, results: list[tuple[str, str, dict[str, float]]]) -> None:
    ceiling = results[0][2]["rps"]
    print(
        f"\ngunicorn {args.workers} sync workers, {args.connections} connections, {args.duration} s per URL, "
        f"load by {tool}; {os.cpu_count()} CPUs (shared machine: figures are noisy)\n"
    )
    head = ("page", "req/s", "p50 ms", "p95 ms", "p99 ms", "ratio")
    print(f"| {head[0]:<24} | " + " | ".join(f"{h:>8}" for h in head[1:5]) + f" | {head[5]:>6} | errors |")
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 8}|--------|")
    for label, _path, r in results:
        if not r["requests"]:
            print(f"| {label:<24} | no request completed within {args.duration} s (each took longer) |")
            continue
        print(
            f"| {label:<24} | {r['rps']:>8.1f} | {r['p50']:>8.1f} | {r['p95']:>8.1f} | {r['p99']:>8.1f} "
            f"| {r['rps'] / ceiling:>6.3f} | {int(r['errors']):>6} |"
        )
    print("\nratio = page req/s ÷ /salute/ req/s (same stack, same load)")


# Exports ----------------------------------------------------------------------------------------------------

EXPORT_PATH = "/progetti/export.csv"
EXPORTS_AT_ONCE = 5


def download(url: str, answered: threading.Event | None = None) -> dict[str, float]:
    """Time to the last byte of `url` (read and thrown away), its status and size. `answered` is set once the
    server has answered (its headers: the export has its slot, or its 429)."""
    start = time.perf_counter()
    size, status = 0, 0
    try:
        with urllib.request.urlopen(url, timeout=600) as r:
            status = r.status
            if answered is not None:
                answered.set()
            while chunk := r.read(1 << 16):
                size += len(chunk)
    except urllib.error.HTTPError as exc:
        status = exc.code
    finally:
        if answered is not None:
            answered.set()
    return {"seconds": time.perf_counter() - start, "status": status, "bytes": size}


def salute_latencies(base: str, stop: threading.Event, out: list[float]) -> None:
    """/salute/ asked one request after another (keep-alive) until `stop`; each latency in ms."""
    conn = HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=60)
    while not stop.is_set():
        start = time.perf_counter()
        conn.request("GET", "/salute/", headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        out.append((time.perf_counter() - start) * 1000)
    conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def measure_exports(args: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    """The production stack as deployed (deploy/gunicorn.conf.py: gthread workers) with 5 export slots:
    the national CSV alone (time to last byte), then /salute/ alone, then /salute/ while 5 national CSVs
    stream at once, and a 6th export asked meanwhile (a 429 is expected: the slots are full)."""
    base = f"http://127.0.0.1:{args.port + 1}"
    server_env = {
        **env,
        "DECIMETRO_BIND": f"127.0.0.1:{args.port + 1}",
        "WEB_CONCURRENCY": str(args.workers),
        "DECIMETRO_EXPORT_SLOTS": str(EXPORTS_AT_ONCE),
    }
    server = subprocess.Popen(
        [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=server_env,
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(base)
        alone = download(base + EXPORT_PATH)
        print(f"  national CSV alone: {alone['seconds']:.1f} s, HTTP {alone['status']}", file=sys.stderr)
        quiet: list[float] = []
        stop = threading.Event()
        probe = threading.Thread(target=salute_latencies, args=(base, stop, quiet))
        probe.start()
        time.sleep(3)
        stop.set()
        probe.join()
        results: list[dict[str, float]] = []
        answered = [threading.Event() for _ in range(EXPORTS_AT_ONCE)]
        downloads = [
            threading.Thread(target=lambda e=e: results.append(download(base + EXPORT_PATH, e)))
            for e in answered
        ]
        busy: list[float] = []
        stop = threading.Event()
        probe = threading.Thread(target=salute_latencies, args=(base, stop, busy))
        for t in downloads:
            t.start()
        for e in answered:  # the five have their slots (a fixed sleep was not enough on a loaded machine)
            e.wait(timeout=120)
        probe.start()
        sixth = download(base + EXPORT_PATH)
        for t in downloads:
            t.join()
        stop.set()
        probe.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {"alone": alone, "quiet": quiet, "busy": busy, "five": results, "sixth": sixth}


def report_exports(args: argparse.Namespace, r: dict[str, object]) -> None:
    alone = r["alone"]
    quiet, busy = r["quiet"], r["busy"]
    five, sixth = r["five"], r["sixth"]
    assert isinstance(alone, dict) and isinstance(sixth, dict) and isinstance(five, list)
    assert isinstance(quiet, list) and isinstance(busy, list)
    print(
        f"\nexports: deploy/gunicorn.conf.py ({args.workers} gthread workers), {EXPORTS_AT_ONCE} export "
        f"slots, national CSV = {alone['bytes'] / 1e6:.1f} MB\n"
    )
    print("| measure                                   |    value | /salute/ p50 ratio |")
    print("|-------------------------------------------|---------:|-------------------:|")
    print(f"| national CSV alone, time to last byte (s) | {alone['seconds']:>8.1f} |                    |")
    slowest = max(x["seconds"] for x in five)
    statuses = ",".join(str(x["status"]) for x in five)
    print(f"| 5 exports at once, slowest (s) [{statuses}] | {slowest:>8.1f} |                    |")
    print(f"| 6th export asked meanwhile: HTTP status   | {sixth['status']:>8} |                    |")
    base = pct(quiet, 50)
    for label, values in (("alone", quiet), ("during 5 exports", busy)):
        for p in (50, 95):
            v = pct(values, p)
            print(f"| /salute/ {label} p{p} (ms){' ' * (24 - len(label))} | {v:>8.1f} | {v / base:>18.2f} |")
    print(f"\n/salute/ requests: {len(quiet)} alone (3 s), {len(busy)} during the exports")


if __name__ == "__main__":
    main()
