"""A limit on the heavy exports running at once, across every web process of the instance.

A national project list is 221,684 rows: a few parallel downloads used to hold every gunicorn worker, so the
site stopped answering. Each heavy download now takes one of `DECIMETRO_EXPORT_SLOTS` slots (2 by default)
for as long as its file is being written; beyond them the answer is a polite 429 with `Retry-After`, and the
other workers stay free for the pages.

The slots are rows of `reports.ExportSlot`, taken with one conditional UPDATE (atomic on SQLite and
PostgreSQL), so they hold across processes and machines sharing the database, which a thread lock or the
per-process memory cache would not. A slot is given back when the stream ends, when the client goes away
(the server closes the response, which closes the stream) or, if the process was killed, when it expires
(`SLOT_SECONDS`, pushed forward while the stream runs).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from decimetro.reports.models import ExportSlot

logger = logging.getLogger(__name__)

SLOT_SECONDS = 300  # a dead holder's slot is free again after this; a live stream pushes it forward
REFRESH_SECONDS = 60
RETRY_AFTER_SECONDS = 30


def slot_count() -> int:
    return max(1, int(getattr(settings, "DECIMETRO_EXPORT_SLOTS", 2)))


@dataclass(frozen=True)
class Slot:
    number: int
    holder: str

    def refresh(self) -> None:
        """Push the expiry forward. Inside a transaction (the national export reads its streams in one on
        PostgreSQL, `insights.lists.project_export_rows`) the update goes through a connection of its own,
        committed at once: in the export's transaction it would be invisible to the others and would hold
        the slot's row lock until the download ends, so a 7th request would wait on it instead of being
        answered 429."""
        expires_at = timezone.now() + timedelta(seconds=SLOT_SECONDS)
        if connection.vendor != "postgresql" or not connection.in_atomic_block:
            ExportSlot.objects.filter(number=self.number, holder=self.holder).update(expires_at=expires_at)
            return
        own = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            table = own.ops.quote_name(ExportSlot._meta.db_table)
            with own.cursor() as cursor:  # autocommit: committed by this statement
                cursor.execute(
                    f"UPDATE {table} SET expires_at = %s WHERE number = %s AND holder = %s",  # noqa: S608
                    [expires_at, self.number, self.holder],
                )
        finally:
            own.close()

    def release(self) -> None:
        ExportSlot.objects.filter(number=self.number, holder=self.holder).update(holder="", expires_at=None)


def acquire_slot() -> Slot | None:
    """A free slot, taken for this download; None when all are held."""
    count = slot_count()
    ExportSlot.objects.bulk_create([ExportSlot(number=n) for n in range(count)], ignore_conflicts=True)
    now = timezone.now()
    holder = uuid.uuid4().hex
    for number in range(count):
        taken = ExportSlot.objects.filter(
            Q(holder="") | Q(expires_at__lt=now) | Q(expires_at__isnull=True), number=number
        ).update(holder=holder, expires_at=now + timedelta(seconds=SLOT_SECONDS))
        if taken:
            return Slot(number, holder)
    return None


class HeldStream:
    """The lines of a streamed export, holding `slot` until they are all read or the response is closed
    (Django closes the response, and with it this object, when the download ends or the client leaves)."""

    def __init__(self, lines: Iterable[Any], slot: Slot) -> None:
        self._lines = iter(lines)
        self._slot: Slot | None = slot
        self._refresh_at = time.monotonic() + REFRESH_SECONDS

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            line = next(self._lines)
        except BaseException:
            self.close()
            raise
        if self._slot is not None and time.monotonic() >= self._refresh_at:
            self._refresh_at = time.monotonic() + REFRESH_SECONDS
            try:
                self._slot.refresh()
            except DatabaseError:
                # Bookkeeping must never cut a download: on SQLite another stream's write can hold the lock
                # past the busy timeout. The slot then simply expires SLOT_SECONDS after its last refresh.
                logger.warning("slot %s: proroga non riuscita, l'esportazione continua", self._slot.number)
        return line

    def close(self) -> None:
        slot, self._slot = self._slot, None
        try:
            close = getattr(self._lines, "close", None)
            if close is not None:
                close()  # the generator's cursor
        finally:
            if slot is not None:
                slot.release()


def busy_response(request: HttpRequest) -> HttpResponse:
    """The polite refusal: an Italian page (or a line of text for tools), status 429, `Retry-After`."""
    response = HttpResponse(
        render_to_string("reports/busy.html", {"retry_after": RETRY_AFTER_SECONDS}, request=request),
        status=429,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
