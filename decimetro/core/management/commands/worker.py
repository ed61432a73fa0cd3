"""`manage.py worker`: the task worker (django-tasks-db's `db_worker`) with a heartbeat and the recovery of
the tasks a dead worker left RUNNING (`decimetro.core.workers`). Run this, not `db_worker`: `/salute/` reads
the heartbeat, and only this command brings back the tasks of a killed worker."""

from __future__ import annotations

import threading
from argparse import ArgumentParser
from typing import Any

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from decimetro.core import workers


class Command(DbWorkerCommand):
    help = (
        "Esegue le attività in background (coda nel database) con un battito periodico e rimette in coda "
        "le attività lasciate a metà da un worker terminato."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=workers.HEARTBEAT_SECONDS,
            help="secondi tra due battiti (predefinito: %(default)s)",
        )
        # The heartbeat thread lives in this process: the autoreloader's child process would have none.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id: str = options["worker_id"]
        every: float = options.pop("heartbeat")
        started_at = timezone.now()
        workers.heartbeat(worker_id, started_at=started_at)
        requeued, failed = workers.recover_interrupted(me=worker_id)
        if requeued or failed:
            self.stdout.write(f"Attività interrotte rimesse in coda: {requeued}; non riuscite: {failed}.")
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(worker_id, started_at, every, stop), name="heartbeat", daemon=True
        )
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            beat.join(timeout=every + 5)
            close_old_connections()
            workers.heartbeat_remove(worker_id)

    @staticmethod
    def _beat(worker_id: str, started_at: Any, every: float, stop: threading.Event) -> None:
        """Own thread, own database connection (closed on the way out)."""
        try:
            while not stop.wait(every):
                try:
                    workers.heartbeat(worker_id, started_at=started_at)
                    workers.recover_interrupted(me=worker_id)
                except OperationalError:  # SQLite busy with a long import: next beat
                    continue
        finally:
            connection.close()
