"""pnrr.bulk, the bulk-write engine of the import: inserts, updates of changed rows only, pk blocks, and
values (NULL, decimals, dates, booleans) written the way the ORM would. SQLite by default; the same tests run
on PostgreSQL (COPY paths) when DATABASE_URL points to it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, models, transaction

from decimetro.pnrr import bulk
from decimetro.pnrr.models import (
    ImplementingBody,
    Measure,
    Milestone,
    PaymentSnapshot,
    PnrrComponent,
    PnrrMission,
    Project,
    Provenance,
    SubMeasure,
)

pytestmark = pytest.mark.django_db

PAYMENT_FIELDS = ["fin_totale", "paid_total", "paid_pnrr"]


@pytest.fixture
def measure() -> Measure:
    mission = PnrrMission.objects.create(code="M1", name="Digitalizzazione")
    component = PnrrComponent.objects.create(code="M1C1", mission=mission, name="PA")
    return Measure.objects.create(code="M1C1I1.01", component=component, name="Cloud")


@pytest.fixture
def submeasure(measure: Measure) -> SubMeasure:
    return SubMeasure.objects.create(code="M1C1I1.01.00", measure=measure)


@pytest.fixture
def projects(submeasure: SubMeasure) -> list[Project]:
    return [
        Project.objects.create(cup=f"A0{i}B22000000000", submeasure=submeasure, provenance="validated")
        for i in range(3)
    ]


def rows_written(model: type[models.Model]) -> int:
    """Rows inserted, updated or deleted so far by this connection: in `model`'s table on PostgreSQL (this
    transaction's statistics), in any table on SQLite (`total_changes`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = %s",
                [model._meta.db_table],
            )
            return int(cursor.fetchone()[0])
    connection.ensure_connection()
    return int(connection.connection.total_changes)


def payments(project_pks: list[int]) -> dict[tuple, tuple]:
    """Wanted payment snapshots: (project, release) → (fin_totale, paid_total, paid_pnrr)."""
    return {
        (project_pks[0], date(2025, 3, 31)): (Decimal("1234567.89"), Decimal("0.00"), None),
        (project_pks[1], date(2025, 3, 31)): (Decimal("10.50"), None, Decimal("-3.25")),
        (project_pks[2], date(2025, 3, 31)): (None, None, None),
    }


def stored_payments() -> dict[tuple, tuple]:
    return {
        (p, d): rest
        for p, d, *rest in PaymentSnapshot.objects.values_list("project_id", "release_date", *PAYMENT_FIELDS)
    }


def upsert_payments(wanted: dict[tuple, tuple]) -> tuple[bulk.Outcome, dict]:
    return bulk.upsert(
        PaymentSnapshot,
        key_fields=["project_id", "release_date"],
        fields=PAYMENT_FIELDS,
        wanted=wanted,
        existing=PaymentSnapshot.objects.all(),
    )


def test_upsert_inserts_the_new_rows_with_nulls_decimals_and_dates_as_given(projects):
    wanted = payments([p.pk for p in projects])
    before = rows_written(PaymentSnapshot)
    outcome, existing = upsert_payments(wanted)
    assert (outcome.inserted, outcome.updated, outcome.unchanged) == (3, 0, 0)
    assert existing == {}  # no row was there before
    assert rows_written(PaymentSnapshot) - before == 3
    assert {k: tuple(v) for k, v in stored_payments().items()} == wanted


def test_upsert_updates_only_the_changed_rows_and_leaves_the_others_untouched(projects):
    pks = [p.pk for p in projects]
    wanted = payments(pks)
    upsert_payments(wanted)
    other = PaymentSnapshot.objects.create(project=projects[0], release_date=date(2024, 12, 31), paid_total=7)
    changed = dict(wanted)
    changed[(pks[1], date(2025, 3, 31))] = (
        None,
        Decimal("2.00"),
        Decimal("-3.25"),
    )  # a value and a NULL swapped
    del changed[(pks[2], date(2025, 3, 31))]
    changed[(pks[2], date(2025, 6, 30))] = (Decimal("1.00"), None, None)  # a new release
    before = rows_written(PaymentSnapshot)

    outcome, existing = upsert_payments(changed)

    assert (outcome.inserted, outcome.updated, outcome.unchanged) == (1, 1, 1)
    assert rows_written(PaymentSnapshot) - before == 2  # the unchanged row was not written
    stored = stored_payments()
    for key, values in changed.items():
        assert tuple(stored[key]) == values
    assert tuple(stored[(pks[2], date(2025, 3, 31))]) == (None, None, None)  # not wanted: left alone
    assert tuple(stored[(pks[0], date(2024, 12, 31))]) == (None, Decimal("7.00"), None)
    assert existing[(pks[0], date(2024, 12, 31))] == other.pk  # every existing key's pk is returned
    assert len(existing) == 4


def test_upsert_of_what_is_already_there_writes_nothing(projects):
    wanted = payments([p.pk for p in projects])
    upsert_payments(wanted)
    before = rows_written(PaymentSnapshot)
    outcome, _existing = upsert_payments(wanted)
    assert (outcome.inserted, outcome.updated, outcome.unchanged) == (0, 0, 3)
    assert rows_written(PaymentSnapshot) == before


def test_upsert_reports_progress_of_its_phase(projects):
    seen: list[tuple[str, float]] = []
    bulk.upsert(
        PaymentSnapshot,
        key_fields=["project_id", "release_date"],
        fields=PAYMENT_FIELDS,
        wanted=payments([p.pk for p in projects]),
        existing=PaymentSnapshot.objects.all(),
        progress=lambda phase, fraction: seen.append((phase, fraction)),
        phase="pagamenti",
    )
    assert seen == [("pagamenti", 1.0)]


def test_upsert_compares_decimals_of_other_scales_and_small_integers_as_equal(submeasure):
    """Milestones keep 4 decimals: 1.5 is read back as 1.5000 and is the same value, not a change."""
    milestone = ("Target", "Nuovi servizi", "", "UE", "", "numero", Decimal("0"), Decimal("1.5"), "Q4", 2026)
    fields = ["kind", "name", "description", "scope", "qualitative_indicator", "unit"]
    fields += ["baseline", "target_value", "quarter", "year"]

    def run() -> bulk.Outcome:
        outcome, _ = bulk.upsert(
            Milestone,
            key_fields=["code"],
            fields=fields,
            wanted={("M1C1-1",): milestone},
            existing=Milestone.objects.all(),
        )
        return outcome

    assert run().inserted == 1
    stored = Milestone.objects.get(code="M1C1-1")
    assert (stored.target_value, stored.year, stored.verification) == (Decimal("1.5"), 2026, "")
    assert run().unchanged == 1


def test_insert_gives_the_left_out_columns_their_defaults(submeasure, measure):
    bulk.insert(
        Project,
        ["cup", "local_code", "submeasure_id", "provenance", "fin_pnrr", "existing_project", "updated_on"],
        [
            ("B11B22000000001", "L1", submeasure.pk, Provenance.UNIVERSE, None, None, None),
            (
                "B11B22000000002",
                "",
                submeasure.pk,
                Provenance.VALIDATED,
                Decimal("99.99"),
                True,
                date(2023, 2, 28),
            ),
        ],
    )
    stub, full = Project.objects.order_by("cup")
    assert (stub.title, stub.synthesis, stub.fin_pnrr, stub.existing_project, stub.updated_on) == (
        "",
        "",
        None,
        None,
        None,
    )  # db_default "" for the texts, NULL for the nullable columns
    assert (full.fin_pnrr, full.existing_project, full.updated_on, full.fin_totale) == (
        Decimal("99.99"),
        True,
        date(2023, 2, 28),
        None,
    )
    # A default the database does not know (in_frame=False, the blank texts) is written by the insert.
    bulk.insert(SubMeasure, ["code", "measure_id"], [("M1C1I1.01.01", measure.pk)])
    added = SubMeasure.objects.get(code="M1C1I1.01.01")
    assert (added.in_frame, added.name, added.amount_total) == (False, "", None)


def test_insert_and_update_work_across_chunks():
    count = 2 * bulk.CHUNK + 1
    done: list[int] = []
    bulk.insert(
        ImplementingBody,
        ["fiscal_code", "name"],
        [(f"{i:011d}", f"Ente {i}") for i in range(count)],
        progress=done.append,
    )
    assert ImplementingBody.objects.count() == count
    assert done == [bulk.CHUNK, 2 * bulk.CHUNK, 3 * bulk.CHUNK]
    pks = dict(ImplementingBody.objects.values_list("fiscal_code", "pk"))
    before = rows_written(ImplementingBody)
    bulk.update(ImplementingBody, ["name"], [(f"Comune {i}", pks[f"{i:011d}"]) for i in range(0, count, 2)])
    assert rows_written(ImplementingBody) - before == bulk.CHUNK + 1
    names = dict(ImplementingBody.objects.values_list("fiscal_code", "name"))
    assert names[f"{0:011d}"] == "Comune 0"
    assert names[f"{1:011d}"] == "Ente 1"
    assert names[f"{count - 1:011d}"] == f"Comune {count - 1}"


def test_update_writes_the_given_fields_by_pk_and_nothing_else(projects):
    first, second, _third = projects
    Project.objects.filter(pk=second.pk).update(title="Resta", fin_pnrr=Decimal("5.00"))
    bulk.update(
        Project,
        ["title", "fin_pnrr", "updated_on", "implementing_body_id"],
        [("Nuovo titolo", Decimal("98765432101.23"), date(2024, 1, 31), None, first.pk)],
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.fin_pnrr, first.updated_on, first.cup) == (
        "Nuovo titolo",
        Decimal("98765432101.23"),
        date(2024, 1, 31),
        projects[0].cup,
    )
    assert (second.title, second.fin_pnrr, second.updated_on) == ("Resta", Decimal("5.00"), None)


def test_new_pks_are_a_fresh_block_that_the_orm_continues_after():
    assert bulk.new_pks(ImplementingBody, 0) == []
    gone = ImplementingBody.objects.create(fiscal_code="1", name="Cancellato")
    gone_pk = gone.pk
    gone.delete()
    block = bulk.new_pks(ImplementingBody, 3)
    assert block == list(range(block[0], block[0] + 3))
    assert block[0] > gone_pk  # a deleted row's pk is never given again
    bulk.insert(ImplementingBody, ["id", "fiscal_code", "name"], [(pk, f"F{pk}", "Ente") for pk in block])
    assert sorted(ImplementingBody.objects.values_list("pk", flat=True)) == block
    later = ImplementingBody.objects.create(fiscal_code="2", name="Dopo")
    assert later.pk > block[-1]
    assert bulk.new_pks(ImplementingBody, 1)[0] > later.pk


def test_values_list_reads_keys_like_the_orm(projects):
    queryset = Project.objects.filter(pk__in=[p.pk for p in projects[:2]]).order_by("pk")
    assert [tuple(r) for r in bulk.values_list(queryset, "pk", "cup", "submeasure_id")] == list(
        queryset.values_list("pk", "cup", "submeasure_id")
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: the write transaction is the lock")
def test_lock_holds_an_advisory_lock_until_the_end_of_the_transaction():
    bulk.lock("decimetro.test")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_import_refreshes_the_planner_statistics_of_the_tables_it_wrote_on_postgresql(plan):
    """After a release multiplies a table's rows, queries must not be planned on the statistics of the small
    table it was (CI stop 19: a nested-loop plan ran for over an hour)."""
    from django.db import connection

    from decimetro.pnrr.services import BUNDLED_FILES, pnrr_import_file

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no planner statistics")
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (started,) = cursor.fetchone()
    pnrr_import_file(path=BUNDLED_FILES[2])  # the projects: they write projects, not places or payments
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname LIKE 'pnrr_%%'")
        analyzed = {name for name, last in cursor.fetchall() if last is not None and last >= started}
    assert {"pnrr_project", "pnrr_implementingbody", "pnrr_submeasure", "pnrr_importrun"} <= analyzed
    # A table the import did not write keeps its statistics (an ANALYZE of the places costs a second).
    assert not analyzed & {"pnrr_place", "pnrr_paymentsnapshot"}


def sqlite_indexes(table: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        return set(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL keeps its indexes")
def test_a_large_insert_on_sqlite_builds_the_secondary_indexes_after_it(submeasure, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 3)
    table = Project._meta.db_table
    indexes = sqlite_indexes(table)
    assert any(not sql.startswith("CREATE UNIQUE") for _name, sql in indexes)
    statements: list[str] = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(statements.append)
    try:
        bulk.insert(
            Project,
            ["cup", "local_code", "submeasure_id", "provenance"],
            [(f"A0{i}B22000000000", "", submeasure.pk, Provenance.UNIVERSE) for i in range(3)],
        )
    finally:
        connection.connection.set_trace_callback(None)
    dropped = [s for s in statements if s.startswith("DROP INDEX")]
    assert len(dropped) == len([1 for _n, sql in indexes if not sql.startswith("CREATE UNIQUE")])
    assert sqlite_indexes(table) == indexes  # all back, the same
    # The rows are there and the indexes answer for them.
    assert Project.objects.filter(provenance=Provenance.UNIVERSE).count() == 3
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchone()[0] == "ok"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL keeps its indexes")
def test_a_large_insert_that_fails_on_sqlite_leaves_the_indexes_as_they_were(submeasure, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 2)
    table = Project._meta.db_table
    indexes = sqlite_indexes(table)
    row = ("A01B22000000000", "", submeasure.pk, Provenance.UNIVERSE)
    # The unique key, checked row by row (the driver's own error: bulk writes with the driver's cursor).
    with pytest.raises(connection.Database.IntegrityError), transaction.atomic():
        bulk.insert(Project, ["cup", "local_code", "submeasure_id", "provenance"], [row, row])
    assert sqlite_indexes(table) == indexes
    assert not Project.objects.exists()


def test_a_small_insert_into_a_large_table_keeps_the_indexes(projects, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    table = Project._meta.db_table
    before = sqlite_indexes(table) if connection.vendor == "sqlite" else set()
    statements: list[str] = []
    if connection.vendor == "sqlite":
        connection.connection.set_trace_callback(statements.append)
    try:
        bulk.insert(
            Project,
            ["cup", "local_code", "submeasure_id", "provenance"],
            [("A09B22000000000", "", projects[0].submeasure_id, Provenance.UNIVERSE)],
        )
    finally:
        if connection.vendor == "sqlite":
            connection.connection.set_trace_callback(None)
    assert not [s for s in statements if s.startswith("DROP INDEX")]  # 1 row into 3: indexes kept
    assert Project.objects.count() == 4
    if connection.vendor == "sqlite":
        assert sqlite_indexes(table) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL: nothing to tune")
def test_large_cache_gives_sqlite_a_large_page_cache_for_the_block_only():
    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    assert before != -bulk.SQLITE_CACHE_KIB
    with bulk.large_cache():
        assert cache_size() == -bulk.SQLITE_CACHE_KIB
    assert cache_size() == before
    with pytest.raises(ZeroDivisionError), bulk.large_cache():
        1 / 0  # noqa: B018
    assert cache_size() == before


def test_decimals_are_stored_as_the_orm_stores_them_across_chunks(projects):
    """Each distinct value of a column is converted once per write, from chunk to chunk; equal decimals of
    other scales (1.1 and 1.10, 0 and -0.00) are the same key of that memory, and the database stores them
    as the ORM stores each of them."""
    amounts = [
        Decimal("1.1"),
        Decimal("1.10"),
        Decimal("-0.00"),
        Decimal("0"),
        None,
        Decimal("98765432101.23"),
        Decimal("0.05"),
        Decimal("-3.25"),
    ]
    count = bulk.CHUNK + 9  # two chunks, every value met in both
    rows = [
        (
            projects[i % 3].pk,
            date(2001, 1, 1) + timedelta(days=i // 3),
            amounts[i % 8],
            amounts[(i + 3) % 8],
            amounts[(i // 8) % 8],
        )
        for i in range(count)
    ]
    bulk.insert(PaymentSnapshot, ["project_id", "release_date", *PAYMENT_FIELDS], rows)
    # Each value saved by the ORM (one row per value, an earlier release), then read back raw.
    for k, amount in enumerate(amounts):
        PaymentSnapshot.objects.create(
            project=projects[0],
            release_date=date(1990, 1, 1) + timedelta(days=k),
            fin_totale=amount,
            paid_total=amount,
            paid_pnrr=amount,
        )
    table = PaymentSnapshot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT project_id, release_date, fin_totale, paid_total, paid_pnrr FROM {table} "  # noqa: S608
            "WHERE release_date >= %s ORDER BY release_date, project_id",
            [date(2001, 1, 1)],
        )
        stored = cursor.fetchall()
        cursor.execute(
            f"SELECT fin_totale, paid_total, paid_pnrr FROM {table} WHERE release_date < %s "  # noqa: S608
            "ORDER BY release_date",
            [date(2001, 1, 1)],
        )
        by_orm = [row[0] for row in cursor.fetchall()]
    assert len(stored) == count
    as_orm = dict(enumerate(by_orm))
    for (_pk, _day, *values), (_p, _d, *given) in zip(
        stored, sorted(rows, key=lambda r: (r[1], r[0])), strict=True
    ):
        expected = [as_orm[next(k for k, a in enumerate(amounts) if a is v)] for v in given]
        assert values == expected
        assert [type(v) for v in values] == [type(v) for v in expected]  # SQLite: int vs float, as stored
