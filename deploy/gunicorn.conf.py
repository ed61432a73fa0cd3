"""Gunicorn settings of Decimetro: `make serve` and deploy/systemd/decimetro-web.service use this file.

Environment overrides:
    DECIMETRO_BIND     address to listen on (default 127.0.0.1:8000; nginx proxies to it)
    WEB_CONCURRENCY    worker processes (default 2 x CPUs available to this process + 1)
    GUNICORN_THREADS   threads per worker (default 4)
    GUNICORN_TIMEOUT   seconds a silent worker is given before it is restarted (default 60)
    FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)

Threaded workers (gthread): a long download (a national CSV export streamed for minutes) occupies one thread,
not a whole process, and is not killed by the timeout, which only watches that the worker is alive.
"""

from __future__ import annotations

import os
from pathlib import Path


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "decimetro.wsgi:application"
bind = os.environ.get("DECIMETRO_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after about a thousand requests: memory a request leaves behind cannot grow forever.
max_requests = 1000
max_requests_jitter = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# No runtime control socket (gunicornc): its default path in $HOME is shared by all gunicorns of the user,
# and systemd (ProtectHome=) hides $HOME; restarts and reloads go through systemctl.
control_socket_disable = True
