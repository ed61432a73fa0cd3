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
    ]


def wait_up(base: str, timeout: float = 60) -> None:
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
        results = measure(args, tool, env, targets)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    report(args, tool, results)


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


if __name__ == "__main__":
    main()
