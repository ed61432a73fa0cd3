"""The production stack as `make serve` and the systemd units start it: gunicorn with deploy/gunicorn.conf.py
and the task worker, DECIMETRO_ENV=production (DEBUG unset), static files collected by the manifest storage,
on the data of the test.

The subprocesses must read the rows this test wrote: they are committed (a transactional test). On PostgreSQL
they connect to the test database itself; SQLite's test database lives in this process's memory, so it is
copied to a file with the online backup API, the same one `manage.py backup` uses."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from decimetro.territory.models import Comune
from tests.factories import PlaceFactory, ProjectFactory
from tests.processes import ROOT, manage, process_env

HOST = "decimetro.example.org"
SECRET = "production-stack-test-" + "k" * 40
# What `make serve` and deploy/systemd run: gunicorn with its configuration, and the task worker.
STACK_WEB = ["-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
STACK_WORKER = ["manage.py", "worker"]

pytestmark = [pytest.mark.production_stack, pytest.mark.django_db(transaction=True)]


def _production_env(**extra: str) -> dict[str, str]:
    return process_env(
        DECIMETRO_ENV="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=HOST,
        DJANGO_SETTINGS_MODULE="decimetro.settings",
        **extra,
    )


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage(
        "collectstatic", "--noinput", "--verbosity", "0", env=_production_env(STATIC_ROOT=str(root))
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def _database_url(tmp_path: Path) -> str:
    """The URL of the database this test wrote to, for another process."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(params["USER"] or "", safe="")
        password = quote(str(params["PASSWORD"] or ""), safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        port = f":{params['PORT']}" if params["PORT"] else ""
        return f"postgres://{auth}{params['HOST'] or '127.0.0.1'}{port}/{params['NAME']}"
    assert connection.vendor == "sqlite"
    copy = tmp_path / "production.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{copy}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    def __init__(self, tmp_path: Path, static_root: Path) -> None:
        self.tmp_path = tmp_path
        self.static_root = static_root
        self.log = tmp_path / "gunicorn.log"
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> int:
        """Start gunicorn on the rows the test has written so far; returns its port once it answers."""
        tmp_path, static_root, log = self.tmp_path, self.static_root, self.log
        port = _free_port()
        env = _production_env(
            DATABASE_URL=_database_url(tmp_path),
            STATIC_ROOT=str(static_root),
            MEDIA_ROOT=str(tmp_path / "media"),
            DECIMETRO_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="2",
        )
        with log.open("wb") as out:
            for command in (STACK_WEB, STACK_WORKER):
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 - fixed arguments
                        [sys.executable, *command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        # Ready when /salute/ answers and sees the worker's heartbeat.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in self.processes), log.read_text()[-3000:]
            try:
                status, _headers, body = _get(port, "/salute/", accept="application/json")
            except OSError:
                time.sleep(0.3)
                continue
            if status == 200 and json.loads(body)["worker"] == "attivo":
                return port
            time.sleep(0.3)
        pytest.fail("the stack was not ready within 90 s:\n" + log.read_text()[-3000:])

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def gunicorn(tmp_path: Path, static_root: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(tmp_path, static_root)
    yield server
    server.stop()


def _get(port: int, path: str, *, https: bool = True, accept: str = "") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": HOST}
    if accept:
        headers["Accept"] = accept
    if https:  # what nginx adds (deploy/nginx/decimetro.conf)
        headers["X-Forwarded-Proto"] = "https"
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_production_stack_serves_the_main_pages(plan, territory, gunicorn, static_root):
    project = ProjectFactory(title="Scuola nuova di via Esempio")
    PlaceFactory(project=project, comune=Comune.objects.get(codice_istat="015146"))
    port = gunicorn.start()

    pages = [
        "/",
        "/piano/missioni/M1/",
        "/piano/obiettivi/M1.17/",
        "/territorio/comuni/015146/",
        "/territorio/mappa/",
        f"/progetti/{project.pk}/",
        "/salute/",
    ]
    for path in pages:
        status, headers, body = _get(port, path)
        assert status == 200, (path, status, body[:500], gunicorn.log.read_text()[-3000:])
        # Django's security middleware and django-csp on every page (HTTPS as seen through the proxy header).
        assert headers["strict-transport-security"].startswith("max-age=31536000"), path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "script-src 'self'" in headers["content-security-policy"], path
    status, _headers, body = _get(port, "/territorio/comuni/015146/")
    assert "Milano" in body.decode()
    status, _headers, body = _get(port, f"/progetti/{project.pk}/")
    assert "Scuola nuova di via Esempio" in body.decode()

    # A static file under its hashed name (the manifest storage), cached for good by whitenoise.
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    css = manifest["paths"]["vendor/bootstrap-italia/css/bootstrap-italia.min.css"]
    assert css != "vendor/bootstrap-italia/css/bootstrap-italia.min.css"
    status, headers, body = _get(port, f"/static/{css}")
    assert status == 200
    assert body == (static_root / css).read_bytes()
    assert "immutable" in headers["cache-control"]
    assert headers["content-type"].startswith("text/css")

    # Plain HTTP is redirected to HTTPS; DEBUG is off (a 404 says nothing about the code or the settings).
    status, headers, _body = _get(port, "/piano/obiettivi/", https=False)
    assert status == 301 and headers["location"] == f"https://{HOST}/piano/obiettivi/"
    status, _headers, body = _get(port, "/non-esiste/")
    assert status == 404
    assert b"Traceback" not in body and b"DEBUG" not in body and b"urlpatterns" not in body
