"""Heavy exports: streamed with flat memory, and at most DECIMETRO_EXPORT_SLOTS of them at once on the whole
instance (rows of reports.ExportSlot, so every web process sees the same slots); beyond them a polite 429 in
Italian with Retry-After, and the slot comes back when the download ends or the client leaves."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

import pytest
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections, transaction
from django.http import StreamingHttpResponse
from django.urls import resolve
from django.utils import timezone

from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import Project
from decimetro.reports import exports
from decimetro.reports.limits import RETRY_AFTER_SECONDS, acquire_slot
from decimetro.reports.models import ExportSlot
from tests.factories import IndicatorFactory, PlaceFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EXPORTS = ["/progetti/export.csv", "/progetti/?format=csv", "/progetti/export.csv?formato=xlsx"]


@pytest.fixture
def one_slot(settings):
    settings.DECIMETRO_EXPORT_SLOTS = 1


def held() -> int:
    return ExportSlot.objects.exclude(holder="").count()


# The limit --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", EXPORTS)
def test_beyond_the_slots_the_answer_is_a_polite_429(client, one_slot, url):
    ProjectFactory()
    other = acquire_slot()  # another download, e.g. in another gunicorn worker, holds the only slot
    assert other is not None
    response = client.get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert '<html lang="it">' in page and "Troppe esportazioni in corso" in page
    assert f"Riprova tra {RETRY_AFTER_SECONDS} secondi" in page
    other.release()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", EXPORTS)
def test_a_post_takes_no_slot(client, one_slot, url):
    response = client.post(url)
    assert response.status_code == 405 and not ExportSlot.objects.exists()


def test_the_staff_export_is_limited_too(staff_client, one_slot):
    acquire_slot()
    assert staff_client.get("/gestione/qualita-dati/problemi.csv").status_code == 429


def test_n_slots_allow_n_downloads_at_once(client, settings):
    settings.DECIMETRO_EXPORT_SLOTS = 3
    ProjectFactory()
    streams = [client.get("/progetti/export.csv") for _ in range(3)]  # started, not yet read
    assert [r.status_code for r in streams] == [200, 200, 200] and held() == 3
    assert client.get("/progetti/export.csv").status_code == 429  # the fourth
    b"".join(streams[0].streaming_content)  # one download ends…
    assert held() == 2
    assert client.get("/progetti/export.csv").status_code == 200  # …and its slot serves the next


def test_a_streamed_csv_holds_its_slot_until_it_is_read(client, one_slot):
    ProjectFactory()
    first = client.get("/progetti/export.csv")
    assert isinstance(first, StreamingHttpResponse) and held() == 1
    assert client.get("/progetti/export.csv").status_code == 429
    body = b"".join(first.streaming_content)
    assert body.startswith("\ufeffcup;".encode())
    assert held() == 0
    assert client.get("/progetti/export.csv").status_code == 200


def _server_closes(response) -> None:
    """The WSGI server calls `close()`, which fires `request_finished`; as Django's own test client does, keep
    `close_old_connections` out of it, or the test's transaction would lose its connection (PostgreSQL)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _export(rf):
    """The export view's own response, as the WSGI server gets it (the test client wraps a streamed response
    in its own closer, which would reconnect `close_old_connections` half-way through `close()`)."""
    return resolve("/progetti/export.csv").func(rf.get("/progetti/export.csv"))


def test_a_client_that_leaves_gives_the_slot_back(rf, db, one_slot):
    ProjectFactory.create_batch(3)
    response = _export(rf)
    lines = iter(response.streaming_content)  # the server holds the iterator while it sends
    next(lines)  # the header arrived, then the connection dropped
    assert held() == 1
    _server_closes(response)  # what the server does when the client goes away
    assert held() == 0


def test_a_response_closed_before_any_byte_gives_the_slot_back(rf, db, one_slot):
    response = _export(rf)
    assert held() == 1
    _server_closes(response)
    assert held() == 0


def test_an_xlsx_is_written_inside_the_slot_then_served_from_its_file(client, one_slot):
    ProjectFactory()
    response = client.get("/progetti/export.csv", {"formato": "xlsx"})
    assert response.status_code == 200 and held() == 0
    assert b"".join(response.streaming_content).startswith(b"PK")  # a zip: the workbook


def test_the_slot_of_a_killed_worker_expires(one_slot):
    dead = acquire_slot()
    assert dead is not None and acquire_slot() is None
    ExportSlot.objects.filter(number=dead.number).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert acquire_slot() is not None
    dead.release()  # the dead holder cannot free a slot that is no longer its own
    assert held() == 1


def test_other_pages_answer_while_every_slot_is_held(client, one_slot):
    acquire_slot()
    assert client.get("/progetti/").status_code == 200
    indicator = IndicatorFactory()
    light = client.get(f"/monitoraggio/indicatori/{indicator.pk}/valori.csv")
    assert light.status_code == 200  # light exports are not limited


# Flat memory ------------------------------------------------------------------------------------------------


def _projects(n: int) -> None:
    """n projects, each in a comune: copies of one factory project (bulk, so the test stays quick)."""
    Project.objects.all().delete()
    model = PlaceFactory().project
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Project._meta.concrete_fields
        if f.attname not in ("id", "cup", "local_code")
    }
    Project.objects.bulk_create(
        [Project(**fields, cup=f"M{i:014d}", local_code=f"L{i}") for i in range(n)], batch_size=2000
    )


def _peak_while_streaming(n: int) -> tuple[int, int]:
    _projects(n)
    tracemalloc.start()
    try:
        response = exports.projects_table(pnrr_sel.projects_filtered(sort="cup"))
        # (the lines come in blocks of about 64 KB: `writers.csv_blocks`; no field here holds a line break)
        lines = sum(block.count(b"\r\n") for block in response.streaming_content)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines, peak


def test_the_project_csv_streams_with_flat_memory(monkeypatch):
    """Ten times the projects, about the same peak: the rows are written while the cursor is read, a chunk
    at a time (smaller here, so that both sizes span many chunks and the test stays quick), and nothing
    keeps them. Building the whole file in memory would make the peak grow with the rows."""
    monkeypatch.setattr(exports, "PROJECTS_CHUNK", 100)
    small_lines, small_peak = _peak_while_streaming(1_000)
    big_lines, big_peak = _peak_while_streaming(10_000)
    assert (small_lines, big_lines) == (2 + 1_000, 2 + 10_000)  # the header, the model project, the copies
    assert big_peak < 1.5 * small_peak, (small_peak, big_peak)


def test_on_sqlite_a_streaming_read_does_not_block_the_slot_writes(tmp_path, settings):
    """On a SQLite file (development, small installs) the settings turn WAL on: while one download reads its
    cursor, another request can still take or give back a slot at once (the rollback journal made it wait
    for the read to end, so a busy instance answered after 20 s instead of a 429)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    params = {**settings.DATABASES["default"], "NAME": str(tmp_path / "wal.sqlite3"), "OPTIONS": options}

    def connect():
        wrapper = DatabaseWrapper(params, alias="wal-test")
        wrapper.settings_dict["OPTIONS"] = {**options, "timeout": 0.2}
        wrapper.ensure_connection()
        return wrapper

    reader, writer = connect(), connect()
    try:
        with writer.cursor() as c:
            c.execute("CREATE TABLE slot (n INTEGER PRIMARY KEY, holder TEXT)")
            c.executemany("INSERT INTO slot VALUES (%s, '')", [(i,) for i in range(500)])
        cursor = reader.connection.cursor()
        cursor.execute("SELECT n FROM slot")
        cursor.fetchmany(10)  # a stream in progress: its read is open
        with writer.cursor() as c:
            c.execute("UPDATE slot SET holder = 'x' WHERE n = 0")  # does not wait, does not fail
        cursor.close()
    finally:
        reader.close()
        writer.close()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_slot_refreshed_inside_the_export_transaction_holds_no_lock(settings):
    """The national export reads its streams in one transaction on PostgreSQL (`project_export_rows`). Its
    slot's refresh goes through a connection of its own: the new expiry is seen by every other request at
    once, and the slot's row is not left locked until the download ends (a request asking for a slot then
    waited for it, instead of a 429)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DECIMETRO_EXPORT_SLOTS = 1
    slot = acquire_slot()
    assert slot is not None
    ExportSlot.objects.filter(number=slot.number).update(expires_at=timezone.now() + timedelta(seconds=5))
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with transaction.atomic():
            assert list(Project.objects.values_list("pk")[:1]) == []  # the export's transaction, reading
            slot.refresh()
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT expires_at FROM reports_exportslot WHERE number = %s FOR UPDATE NOWAIT",
                    [slot.number],
                )
                (expires_at,) = cursor.fetchone()
            assert expires_at > timezone.now() + timedelta(seconds=200)
            assert acquire_slot() is None  # held: still a refusal, not a wait
    finally:
        other.close()
        slot.release()
