"""The real worker (`manage.py worker`) in its own process on a file SQLite database: it runs an enqueued
task, records its heartbeat, and a task whose worker is killed with SIGKILL in the middle completes once a
worker starts again (`core.workers.recover_interrupted`: django-tasks-db alone leaves it RUNNING forever)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import ROOT, manage, process_env

TABLE = "django_tasks_database_dbtaskresult"


@pytest.fixture(scope="module")
def worker_db(tmp_path_factory) -> Iterator[tuple[dict[str, str], Path]]:
    """A migrated file database and the environment of the processes that use it."""
    directory = tmp_path_factory.mktemp("worker")
    db = directory / "decimetro.sqlite3"
    env = process_env(
        DATABASE_URL=f"sqlite:///{db}",
        DECIMETRO_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        PYTHONPATH=str(ROOT),
    )
    _manage(env, "migrate", "--noinput", timeout=240)
    yield env, db


def _manage(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    done = manage(*args, env=env, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _enqueue(env: dict[str, str], marker: Path, seconds: float) -> str:
    code = f"from tests.core.worker_tasks import slow; print(slow.enqueue({str(marker)!r}, {seconds}).id)"
    return _manage(env, "shell", "-c", code).strip().splitlines()[-1]


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--interval",
            "0.2",
            "--heartbeat",
            "0.5",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def _row(db: Path, sql: str, *params: object) -> tuple:
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql, params).fetchone()


def _wait(what: Callable[[], bool], timeout: float, message: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if what():
            return
        time.sleep(0.2)
    pytest.fail(message)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_task_whose_worker_is_killed_completes_after_a_restart(worker_db, tmp_path):
    env, db = worker_db
    marker, log = tmp_path / "marker.txt", tmp_path / "worker.log"
    task_id = _enqueue(env, marker, seconds=4).replace("-", "")

    def status() -> str:
        return _row(db, f"SELECT status FROM {TABLE} WHERE id = ?", task_id)[0]  # noqa: S608

    assert status() == "READY"

    first = _start_worker(env, log)
    try:
        _wait(lambda: marker.exists() and "start" in marker.read_text(), 60, "the task never started")
        _wait(lambda: _row(db, "SELECT count(*) FROM core_workerheartbeat")[0] == 1, 10, "no heartbeat")
        os.kill(first.pid, signal.SIGKILL)  # mid-task: it sleeps 4 s
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert status() == "RUNNING"  # what django-tasks-db leaves behind
    assert "end" not in marker.read_text()

    second = _start_worker(env, log)
    try:
        _wait(lambda: status() == "SUCCESSFUL", 90, f"not completed: {log.read_text()}")
        lines = marker.read_text().split()
        assert lines[0::2] == ["start", "start", "end"]
        assert lines[3] == lines[5] == str(second.pid)  # started again and finished by the new worker
        worker_ids, return_value = _row(
            db,
            "SELECT worker_ids, return_value FROM django_tasks_database_dbtaskresult WHERE id = ?",
            task_id,
        )
        assert len(json.loads(worker_ids)) == 2 and json.loads(return_value) == "fatto"
        assert "rimesse in coda: 1" in log.read_text()
        # /salute/ in another process on the same database sees the live worker.
        health = _manage(
            env,
            "shell",
            "-c",
            "from django.test import Client; print(Client().get('/salute/').content.decode())",
        )
        assert "worker: attivo" in health
    finally:
        _stop(second)
    # A worker stopped cleanly removes its heartbeat; the killed one's was removed by the second worker.
    assert _row(db, "SELECT count(*) FROM core_workerheartbeat")[0] == 0
