"""Writes to the PNRR data: `pnrr_import_file` imports one Italia Domani file, whatever its kind.

- The file is recognised by its header and parsed whole (pure parsers in `pnrr.sources`) before anything is
  written.
- Default: any bad row rejects the file and nothing is written. With `skip_invalid`, the valid rows go in and
  the bad ones are written to a reject CSV with line, column and reason.
- The writes run in ONE transaction per file, with bulk inserts and updates in batches: an interrupted import
  (an exception, Ctrl-C, a killed process) leaves the database as it was.
- Idempotent: a row whose values are already in the database is counted as unchanged and not written.
- Every run leaves an `ImportRun` row and an audit row, also when the file is rejected.
"""

from __future__ import annotations

import csv
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import NOT_PROVIDED

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure_can_edit_plan
from decimetro.pnrr import sources
from decimetro.pnrr.models import (
    ImplementingBody,
    ImportRun,
    Measure,
    Milestone,
    PaymentSnapshot,
    Place,
    PnrrComponent,
    PnrrMission,
    Project,
    Provenance,
    SubMeasure,
)
from decimetro.pnrr.sources import financial_frame, lombardia, milestones, payments, projects
from decimetro.pnrr.sources.common import BadFile, RowError, StructureRef
from decimetro.pnrr.sources.places import PlaceRow
from decimetro.territory.models import Comune

BATCH = 1000
CHUNK = 5000  # rows per executemany
DATA_DIR = Path(__file__).resolve().parent / "data"
# The bundled extract for the territory, in import order (structure first). See data/README.md.
BUNDLED_FILES = [
    DATA_DIR / "quadro_finanziario_programmazione_2025.csv.gz",
    DATA_DIR / "milestone_target_programmazione_2025.csv.gz",
    DATA_DIR / "progetti_validati_cmm_2023-02.csv.gz",
    DATA_DIR / "localizzazioni_validate_cmm_2023-02.csv.gz",
    DATA_DIR / "pagamenti_di_progetto_cmm_2025-03.csv.gz",
]
Progress = Callable[[str, float], None]
ProjectKey = tuple[str, str, int]
_S = TypeVar("_S", PnrrMission, PnrrComponent, Measure, SubMeasure)

PROJECT_FIELDS = [
    *projects.TEXT_COLUMNS,
    *projects.AMOUNT_COLUMNS,
    "implementing_body_id",
    "existing_project",
    "updated_on",
    "provenance",
]
PLACE_FIELDS = [
    "region_name",
    "province_name",
    "comune_name",
    "istat_code",
    "comune_id",
    "address",
    "cap",
    "updated_on",
]
PAYMENT_FIELDS = list(payments.AMOUNT_COLUMNS)
MILESTONE_FIELDS = [
    "kind",
    "name",
    "description",
    "scope",
    "qualitative_indicator",
    "unit",
    "baseline",
    "target_value",
    "quarter",
    "year",
    "verification",
    "notes",
]


class ImportRejected(Exception):
    """The file was not imported. `summary` has the counts, `errors` the bad rows (or none for a bad file)."""

    def __init__(self, summary: ImportSummary, message: str) -> None:
        self.summary = summary
        super().__init__(message)


@dataclass
class ImportSummary:
    file_name: str
    checksum: str = ""
    kind: str = ""
    release_date: date | None = None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duration_s: float = 0.0
    status: str = ImportRun.Status.OK
    message: str = ""
    extra: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    reject_file: Path | None = None

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "kind": self.kind,
            "checksum": self.checksum,
            "release_date": self.release_date,
            "read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            **self.extra,
        }


@dataclass
class Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Outcome) -> Outcome:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


# The entry point --------------------------------------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused: an import makes hundreds of thousands of small objects, none of
    them in a cycle, and would otherwise have them all scanned again and again (a quarter of the reading
    time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_gc_paused()
def pnrr_import_file(
    *,
    path: Path | str,
    skip_invalid: bool = False,
    reject_file: Path | None = None,
    skip_if_imported: bool = False,
    by: User | None = None,
    by_label: str = "pnrr_import",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file. Raises `ImportRejected` (nothing written but the ImportRun) when the file is
    refused."""
    if by is not None:
        ensure_can_edit_plan(by)
    started = time.monotonic()
    path = Path(path)
    summary = ImportSummary(file_name=path.name)
    try:
        source = sources.read_file(path)
        summary.kind = source.kind
        summary.checksum = sources.checksum(path)
        if (
            skip_if_imported
            and ImportRun.objects.filter(
                checksum=summary.checksum, status__in=[ImportRun.Status.OK, ImportRun.Status.PARTIAL]
            ).exists()
        ):
            summary.status = ImportRun.Status.SKIPPED
            summary.message = "già importato (stessa impronta SHA-256)"
            return summary
        rows, errors, identical = _read_all(source, progress)
    except BadFile as exc:
        summary.message = str(exc)
        _refuse(summary, started, by, by_label)
        raise ImportRejected(summary, str(exc)) from exc

    summary.rows_read = len(rows) + len(errors) + identical
    summary.rejected = len(errors)
    summary.errors = errors
    dates = [d for d in (r.release_date for r in rows) if d is not None]
    summary.release_date = max(dates) if dates else None
    if errors and not skip_invalid:
        shown = "; ".join(str(e) for e in errors[:5]) + (
            f" … (+{len(errors) - 5})" if len(errors) > 5 else ""
        )
        summary.message = f"{path.name}: {len(errors)} righe non valide, file rifiutato. {shown}"
        _refuse(summary, started, by, by_label)
        raise ImportRejected(summary, summary.message)
    if errors and reject_file is not None:
        write_rejects(reject_file, errors)
        summary.reject_file = reject_file

    with transaction.atomic():
        _lock_projects()
        writer = WRITERS[source.kind]
        outcome, extra = writer(rows, complete=not errors, progress=progress)
        summary.inserted, summary.updated, summary.unchanged = (
            outcome.inserted,
            outcome.updated,
            outcome.unchanged,
        )
        summary.extra = {**({"righe_duplicate_unite": identical} if identical else {}), **extra}
        summary.status = ImportRun.Status.PARTIAL if errors else ImportRun.Status.OK
        summary.duration_s = time.monotonic() - started
        run = _record_run(summary, by, by_label)
        audit_record(
            by=by, by_label=by_label, action="pnrr.import", target=run, before=None, after=summary.counts()
        )
    return summary


def _read_all(source: sources.SourceFile, progress: Progress | None) -> tuple[list[Any], list[RowError], int]:
    """All rows of the file. A second row with the key of an earlier one is an error (duplicate key), unless
    it is identical to it once parsed: then it is merged and counted."""
    rows: list[Any] = []
    errors: list[RowError] = []
    seen: dict[Any, tuple[int, Any]] = {}
    identical = 0
    unique_key = UNIQUE_KEYS[source.kind]
    report = (lambda f: progress("lettura", f)) if progress else None
    line = 1
    for item in source.rows(report):
        if isinstance(item, RowError):
            errors.append(item)
            line = item.line
            continue
        line += 1
        key = unique_key(item)
        if key in seen:
            first_line, first = seen[key]
            if item == first:  # the same row again (e.g. a code written once with a leading space): merged
                identical += 1
                continue
            errors.append(
                RowError(line, "", f"chiave duplicata {key} con valori diversi (già alla riga {first_line})")
            )
            continue
        seen[key] = (line, item)
        rows.append(item)
    return rows, errors, identical


def _refuse(summary: ImportSummary, started: float, by: User | None, by_label: str) -> None:
    summary.status = ImportRun.Status.REJECTED
    summary.inserted = summary.updated = summary.unchanged = 0
    summary.duration_s = time.monotonic() - started
    with transaction.atomic():
        run = _record_run(summary, by, by_label)
        audit_record(
            by=by,
            by_label=by_label,
            action="pnrr.import.rejected",
            target=run,
            before=None,
            after={**summary.counts(), "message": summary.message[:2000]},
        )


def _record_run(summary: ImportSummary, by: User | None, by_label: str) -> ImportRun:
    return ImportRun.objects.create(
        file_name=summary.file_name,
        checksum=summary.checksum,
        kind=summary.kind,
        release_date=summary.release_date,
        rows_read=summary.rows_read,
        inserted=summary.inserted,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        duration_s=round(summary.duration_s, 3),
        by=by,
        by_label=by.get_username() if by else by_label,
        status=summary.status,
        message=summary.message[:5000],
    )


def write_rejects(path: Path, errors: Iterable[RowError]) -> None:
    """The reject CSV: line, column, reason, then the row's own columns as read."""
    errors = list(errors)
    columns: list[str] = []
    for e in errors:
        for k in e.raw or {}:
            if k not in columns:
                columns.append(k)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["riga", "colonna", "motivo", *columns])
        for e in errors:
            raw = e.raw or {}
            w.writerow([e.line, e.column, e.message, *(raw.get(c, "") for c in columns)])


# Generic bulk upsert ----------------------------------------------------------------------------------------

# Values of these field types (str, bool, int or None, as the parsers make them) go to the driver as they are;
# dates and decimals go through the backend's adapters; anything else through `get_db_prep_save`.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "CharField",
    "TextField",
    "BooleanField",
    "ForeignKey",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
}


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    ops = connection.ops
    if kind in _PLAIN_TYPES:
        return None
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DecimalField":
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None  # the driver takes Decimal as it is
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return lambda value: field.get_db_prep_save(value, connection)


def _prepare(
    model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Rows (values in `fields` order) converted the way the ORM would for a save. Column by column: a column
    repeats few dates or codes, each distinct value is converted once."""
    preps: dict[int, Callable[[Any], Any]] = {}
    for i, f in enumerate(fields):
        if (prep := _preparer(_field(model, f))) is not None:
            preps[i] = prep
    if not preps or not rows:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, column_prep in preps.items():
        memory: dict[Any, Any] = {}

        def convert(
            value: Any, prep: Callable[[Any], Any] = column_prep, memory: dict[Any, Any] = memory
        ) -> Any:
            if value is None:
                return None
            try:
                return memory[value]
            except KeyError:
                memory[value] = converted = prep(value)
                return converted
            except TypeError:  # not hashable
                return prep(value)

        columns[i] = tuple(map(convert, columns[i]))
    return list(zip(*columns, strict=True))


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _column(model: type[models.Model], name: str) -> str:
    return str(_field(model, name).column)


def _db_fills(field: models.Field[Any, Any]) -> bool:
    """The database writes by itself the value `Model(...)` would give this column when it is left out of an
    INSERT: a `db_default` equal to the field's default, or NULL for a nullable field defaulting to None."""
    if field.db_default is not NOT_PROVIDED:
        return bool(field.has_default() and field.db_default == field.get_default())
    return bool(field.null and field.get_default() is None)


def _insert(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple[Any, ...]],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """INSERT the rows (values in `fields` order) with the driver's `executemany` (SQLite) or `COPY`
    (PostgreSQL), in the caller's transaction: the ORM's bulk_create is bound on SQLite by 999 parameters per
    statement (≈ 19 projects). Every other concrete column (but the auto pk) gets its field's default, as
    `Model(...)` would: written by the database itself when it is the column's database default or NULL."""
    if not rows:
        return
    meta = model._meta
    given = set(fields)
    others = [
        f
        for f in meta.concrete_fields
        if f.attname not in given and f.name not in given and f is not meta.pk and not _db_fills(f)
    ]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
    columns = [_column(model, f) for f in fields] + [str(f.column) for f in others]
    qn = connection.ops.quote_name
    # Identifiers from the model's own metadata, values as parameters.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    copy_sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        driver = cursor.cursor  # the driver's cursor: no per-statement debug wrapper
        for i in range(0, len(rows), CHUNK):
            chunk = _prepare(model, fields, rows[i : i + CHUNK])
            if defaults:
                chunk = [r + defaults for r in chunk]
            if connection.vendor == "postgresql":  # COPY: one round trip for the chunk (psycopg 3)
                with driver.copy(copy_sql) as copy:
                    for r in chunk:
                        copy.write_row(r)
            else:
                driver.executemany(sql, chunk)
            if progress:
                progress(i + CHUNK)


def _lock_projects() -> None:
    """PostgreSQL: one import at a time (a transaction-level advisory lock, until the commit): two imports
    would otherwise both create the same new projects, and `_new_pks` takes blocks of keys. Neither readers
    nor autovacuum are blocked (a table lock would wait for autovacuum to give up, a second each time).
    SQLite: the IMMEDIATE transaction already holds the database's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["decimetro.pnrr.import"])


def _new_pks(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for rows inserted with explicit pks, so that they need not be read back.
    Only under `_lock_projects`, for projects and implementing bodies, which only the import creates.
    PostgreSQL: a block taken from the pk's sequence (were a row inserted elsewhere meanwhile, the import
    would fail on the unique pk and write nothing). SQLite: after the largest pk ever given (AUTOINCREMENT
    keeps it in sqlite_sequence)."""
    if count == 0:
        return []
    meta = model._meta
    assert meta.pk is not None
    table, pk = meta.db_table, str(meta.pk.column)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [qn(table), pk])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return list(range(first, first + count))
        cursor.execute(f"SELECT max({qn(pk)}) FROM {qn(table)}")  # noqa: S608 - identifiers from the model
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            top = max(top, seq[0] if seq else 0)
    return list(range(top + 1, top + 1 + count))


def _values(queryset: models.QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """`queryset.values_list(*fields)` read in one go with the driver's cursor: for keys and codes only (text
    and integers), whose values need no conversion."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _update(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple[Any, ...]],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """UPDATE by pk: each row is (values in `fields` order…, pk). SQLite: one `executemany` per chunk.
    PostgreSQL: the rows are COPied into a temporary table, then one UPDATE … FROM per chunk."""
    if not rows:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    assert meta.pk is not None
    pk_column = str(meta.pk.column)
    table = qn(meta.db_table)
    columns = [_column(model, f) for f in fields]
    # Identifiers from the model's own metadata, values as parameters.
    assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {qn(pk_column)} = %s"  # noqa: S608
    postgres = connection.vendor == "postgresql"
    temp = qn(f"pnrr_update_{meta.db_table}")
    listed = ", ".join(qn(c) for c in [*columns, pk_column])
    with connection.cursor() as cursor:
        driver = cursor.cursor
        if postgres:
            driver.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {listed} FROM {table} LIMIT 0")  # noqa: S608
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            values = _prepare(model, fields, [r[:-1] for r in chunk])
            params = [(*v, r[-1]) for v, r in zip(values, chunk, strict=True)]
            if postgres:
                with driver.copy(f"COPY {temp} ({listed}) FROM STDIN") as copy:
                    for r in params:
                        copy.write_row(r)
                sets = ", ".join(f"{qn(c)} = u.{qn(c)}" for c in columns)
                driver.execute(
                    f"UPDATE {table} AS t SET {sets} FROM {temp} AS u "  # noqa: S608
                    f"WHERE t.{qn(pk_column)} = u.{qn(pk_column)}"
                )
                driver.execute(f"TRUNCATE {temp}")
            else:
                driver.executemany(sql, params)
            if progress:
                progress(i + CHUNK)
        if postgres:
            driver.execute(f"DROP TABLE {temp}")


def _bulk_upsert(
    model: type[models.Model],
    *,
    key_fields: list[str],
    fields: list[str],
    wanted: dict[tuple[Any, ...], tuple[Any, ...]],
    existing: models.QuerySet[Any],
    progress: Progress | None = None,
    phase: str = "scrittura",
) -> tuple[Outcome, dict[tuple[Any, ...], int]]:
    """Make the rows `wanted` (key → values in `fields` order) exist with those values. Returns the outcome
    and the existing keys' pks (rows not in `wanted` are left alone). Compares in memory (tuples), then writes
    only the new and the changed rows."""
    nkey = len(key_fields)
    current: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
    for row in existing.values_list("pk", *key_fields, *fields).iterator(chunk_size=5000):
        current[row[1 : 1 + nkey]] = (row[0], row[1 + nkey :])
    creates: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    outcome = Outcome()
    for key, new in wanted.items():
        found = current.get(key)
        if found is None:
            creates.append(key + new)
        elif found[1] != new:
            updates.append((*new, found[0]))
        else:
            outcome.unchanged += 1
    # By the first key column: the unique index is filled almost in order, much faster.
    creates.sort(key=itemgetter(0))
    total = len(creates) + len(updates) or 1

    def report(offset: int) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda done: progress(phase, min(1.0, (offset + done) / total))

    _insert(model, [*key_fields, *fields], creates, progress=report(0))
    _update(model, fields, updates, progress=report(len(creates)))
    outcome.inserted, outcome.updated = len(creates), len(updates)
    return outcome, {k: v[0] for k, v in current.items()}


# The PNRR structure -----------------------------------------------------------------------------------------


def _ensure_structure(refs: Iterable[StructureRef], *, authoritative: bool = False) -> dict[str, int]:
    """Submeasure code → pk, creating missions, components, measures and submeasures met for the first time.

    Project files only fill blanks (their wording is the 2021 plan's); the financial frame (`authoritative`)
    overwrites names. Returns the pks of every submeasure in `refs`. One level at a time, in bulk: a few
    statements per level whatever the number of rows (the financial frame creates some 500 rows)."""
    best: dict[str, StructureRef] = {}
    for ref in refs:
        prev = best.get(ref.submeasure_code)
        if prev is None or (not prev.measure_name and ref.measure_name):
            best[ref.submeasure_code] = ref
    ordered = sorted(best.items())

    def level(model: type[_S], items: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, _S]:
        """`items`: (code, the new row's values, the values to sync into a known row), in order. A row met
        again after its creation is synced like a known one (the first non-blank name fills a blank one)."""
        known: dict[str, _S] = {obj.code: obj for obj in model.objects.all()}  # type: ignore[attr-defined]
        new: dict[str, _S] = {}
        dirty: dict[str, _S] = {}
        dirty_fields: set[str] = set()
        for code, create, values in items:
            obj = known.get(code)
            if obj is None:
                known[code] = new[code] = model(code=code, **create)
                continue
            for name, value in values.items():
                if value in ("", None):
                    continue
                if getattr(obj, name) != value and (authoritative or getattr(obj, name) in ("", None)):
                    setattr(obj, name, value)
                    dirty_fields.add(name)
                    if code not in new:
                        dirty[code] = obj
        model.objects.bulk_create(list(new.values()))
        if dirty:
            model.objects.bulk_update(list(dirty.values()), sorted(dirty_fields))
        return known

    missions = level(
        PnrrMission,
        ((r.mission_code, {"name": r.mission_name}, {"name": r.mission_name}) for _c, r in ordered),
    )
    components = level(
        PnrrComponent,
        (
            (
                r.component_code,
                {"mission": missions[r.mission_code], "name": r.component_name},
                {"name": r.component_name},
            )
            for _c, r in ordered
        ),
    )
    measures = level(
        Measure,
        (
            (
                r.derived_measure_code,
                {
                    "component": components[r.component_code],
                    "name": r.measure_name,
                    "measure_id": r.measure_id,
                },
                {"name": r.measure_name, "measure_id": r.measure_id},
            )
            for _c, r in ordered
        ),
    )

    def sub_values(ref: StructureRef) -> dict[str, Any]:
        return {
            "name": ref.submeasure_name,
            "submeasure_id": ref.submeasure_id,
            "cid_code": ref.cid_code,
            "administration": ref.administration,
        }

    subs = level(
        SubMeasure,
        (
            (code, {"measure": measures[r.derived_measure_code], **sub_values(r)}, sub_values(r))
            for code, r in ordered
        ),
    )
    return {code: subs[code].pk for code in best}


def _frame_state() -> dict[str, tuple[Any, ...]]:
    """Everything the financial frame sets, per submeasure code, to tell inserted / updated / unchanged
    apart."""
    return {
        row[0]: row[1:]
        for row in SubMeasure.objects.values_list(
            "code",
            "name",
            "submeasure_id",
            "cid_code",
            "administration",
            "level",
            "loan_or_grant",
            "amount_total",
            "amount_existing",
            "amount_new",
            "in_frame",
            "measure__name",
            "measure__kind",
            "measure__measure_id",
            "measure__component__name",
            "measure__component__mission__name",
        )
    }


def _write_frame(rows: list[financial_frame.FrameRow], **_: Any) -> tuple[Outcome, dict[str, int]]:
    before = _frame_state()
    _ensure_structure((r.structure for r in rows), authoritative=True)
    measure_kind: dict[str, str] = {r.structure.measure_code: r.kind for r in rows}
    rekind = []
    for measure in Measure.objects.filter(code__in=measure_kind):
        if measure.kind != measure_kind[measure.code]:
            measure.kind = measure_kind[measure.code]
            rekind.append(measure)
    Measure.objects.bulk_update(rekind, ["kind"])
    fields = ["level", "loan_or_grant", "amount_total", "amount_existing", "amount_new", "in_frame"]
    wanted = {
        (r.key,): (r.level, r.loan_or_grant, r.amount_total, r.amount_existing, r.amount_new, True)
        for r in rows
    }
    _bulk_upsert(
        SubMeasure,
        key_fields=["code"],
        fields=fields,
        wanted=wanted,
        existing=SubMeasure.objects.filter(code__in=[r.key for r in rows]),
    )
    after = _frame_state()
    outcome = Outcome()
    for r in rows:
        if r.key not in before:
            outcome.inserted += 1
        elif before[r.key] != after[r.key]:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    return outcome, {}


def _write_milestones(rows: list[milestones.MilestoneRow], **_: Any) -> tuple[Outcome, dict[str, int]]:
    sub_pks = _ensure_structure(r.structure for r in rows)
    by_code: dict[str, list[milestones.MilestoneRow]] = {}
    for r in rows:
        by_code.setdefault(r.code, []).append(r)
    wanted = {(code,): tuple(getattr(rs[0], f) for f in MILESTONE_FIELDS) for code, rs in by_code.items()}
    outcome, _existing = _bulk_upsert(
        Milestone,
        key_fields=["code"],
        fields=MILESTONE_FIELDS,
        wanted=wanted,
        existing=Milestone.objects.filter(code__in=by_code),
    )
    # The links milestone ↔ submeasure, compared and written in bulk on the through table.
    milestone_pks = dict(_values(Milestone.objects.filter(code__in=by_code), "code", "pk"))
    through = Milestone.submeasures.through
    have: dict[int, set[int]] = {pk: set() for pk in milestone_pks.values()}
    for milestone_id, submeasure_id in _values(
        through.objects.filter(milestone_id__in=have), "milestone_id", "submeasure_id"
    ):
        have[milestone_id].add(submeasure_id)
    add: list[tuple[int, int]] = []
    relinked = 0
    for code, rs in by_code.items():
        pk = milestone_pks[code]
        want = {sub_pks[r.structure.submeasure_code] for r in rs}
        if want != have[pk]:
            relinked += 1
            add.extend((pk, sub) for sub in sorted(want - have[pk]))
            if have[pk] - want:
                through.objects.filter(milestone_id=pk, submeasure_id__in=have[pk] - want).delete()
    _insert(through, ["milestone_id", "submeasure_id"], add)
    return outcome, {"milestone_distinti": len(by_code), "collegamenti_aggiornati": relinked}


# Projects, places, payments ---------------------------------------------------------------------------------


def _bodies(rows: Iterable[projects.ProjectRow]) -> dict[str, int]:
    names: dict[str, str] = {}
    for r in rows:
        if r.body_fiscal_code and r.body_fiscal_code not in names:
            names[r.body_fiscal_code] = (r.body_name or r.body_fiscal_code)[:250]
    existing = {
        cf: (pk, name)
        for pk, cf, name in _values(ImplementingBody.objects.all(), "pk", "fiscal_code", "name")
        if cf in names
    }
    new = sorted(cf for cf in names if cf not in existing)
    new_pks = _new_pks(ImplementingBody, len(new))
    _insert(
        ImplementingBody,
        ["id", "fiscal_code", "name"],
        [(pk, cf, names[cf]) for pk, cf in zip(new_pks, new, strict=True)],
    )
    _update(
        ImplementingBody,
        ["name"],
        [(names[cf], pk) for cf, (pk, name) in existing.items() if name != names[cf]],
    )
    return {**{cf: pk for cf, (pk, _name) in existing.items()}, **dict(zip(new, new_pks, strict=True))}


def _project_key(row: Any, sub_pks: dict[str, int]) -> ProjectKey:
    return (row.cup, row.local_code, sub_pks[row.structure.submeasure_code])


def _write_projects(
    rows: list[projects.ProjectRow],
    *,
    fields: list[str] | None = None,
    progress: Progress | None = None,
    **_: Any,
) -> tuple[Outcome, dict[str, int]]:
    """Validated projects. `fields` restricts the columns written (the derived Lombardia file has fewer)."""
    fields = fields or PROJECT_FIELDS
    sub_pks = _ensure_structure(r.structure for r in rows)
    body_pks = _bodies(rows)
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    if fields == PROJECT_FIELDS:  # the common case, without a mapping per row
        texts, amounts = itemgetter(*projects.TEXT_COLUMNS), itemgetter(*projects.AMOUNT_COLUMNS)
        for r in rows:
            wanted[(r.cup, r.local_code, sub_pks[r.structure.submeasure_code])] = (
                *texts(r.texts),
                *amounts(r.amounts),
                body_pks.get(r.body_fiscal_code),
                r.existing_project,
                r.updated_on,
                Provenance.VALIDATED,
            )
    for r in rows if fields != PROJECT_FIELDS else ():
        values = {
            **r.texts,
            **r.amounts,
            "implementing_body_id": body_pks.get(r.body_fiscal_code),
            "existing_project": r.existing_project,
            "updated_on": r.updated_on,
            "provenance": Provenance.VALIDATED,
        }
        wanted[_project_key(r, sub_pks)] = tuple(values[f] for f in fields)
    subs = set(sub_pks.values())
    outcome, _existing = _bulk_upsert(
        Project,
        key_fields=["cup", "local_code", "submeasure_id"],
        fields=fields,
        wanted=wanted,
        existing=Project.objects.filter(submeasure_id__in=subs),
        progress=progress,
        phase="progetti",
    )
    return outcome, {}


def _ensure_projects(
    rows: Iterable[Any], provenance: str
) -> tuple[dict[ProjectKey, int], dict[str, int], dict[str, int]]:
    """Project pks for the rows' keys, creating stubs (no title) for projects not yet known. A stub made from
    validated places is `validated`; a universe project named by validated places is promoted."""
    rows = list(rows)
    sub_pks = _ensure_structure(r.structure for r in rows)
    keys = {(r.cup, r.local_code, sub_pks[r.structure.submeasure_code]) for r in rows}
    current: dict[ProjectKey, tuple[int, str]] = {
        (cup, local, sub): (pk, prov)
        for pk, cup, local, sub, prov in _values(
            Project.objects.filter(submeasure_id__in=set(sub_pks.values())),
            "pk",
            "cup",
            "local_code",
            "submeasure_id",
            "provenance",
        )
    }
    # By CUP (the unique index's first column): the index is filled almost in order, much faster. Sorting
    # by CUP alone costs a fifth of sorting by the whole key.
    missing = sorted((k for k in keys if k not in current), key=itemgetter(0))
    new_pks = _new_pks(Project, len(missing))
    # The stub's other columns are the database defaults (db_default) or NULL: only its key is written.
    _insert(
        Project,
        ["id", "cup", "local_code", "submeasure_id", "provenance"],
        [(pk, *k, provenance) for pk, k in zip(new_pks, missing, strict=True)],
    )
    promoted = 0
    if provenance == Provenance.VALIDATED:
        promote = [current[k][0] for k in keys if k in current and current[k][1] == Provenance.UNIVERSE]
        for i in range(0, len(promote), BATCH):
            promoted += Project.objects.filter(pk__in=promote[i : i + BATCH]).update(provenance=provenance)
    pks = dict(zip(missing, new_pks, strict=True))
    for k in keys:
        if k in current:
            pks[k] = current[k][0]
    extra = {"progetti_creati": len(missing)}
    if promoted:
        extra["progetti_promossi_a_validati"] = promoted
    return pks, sub_pks, extra


def _write_places(
    rows: list[PlaceRow],
    *,
    complete: bool = True,
    replace: bool = True,
    progress: Progress | None = None,
    **_: Any,
) -> tuple[Outcome, dict[str, int]]:
    """Places of one dataset. With `replace` (a complete file), places of the file's projects that the file no
    longer lists are removed."""
    if not rows:
        return Outcome(), {}
    dataset = rows[0].dataset
    project_pks, sub_pks, extra = _ensure_projects(rows, provenance=dataset)
    comuni = dict(Comune.objects.values_list("codice_istat", "pk"))
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for r in rows:
        pk = project_pks[r.cup, r.local_code, sub_pks[r.structure.submeasure_code]]
        wanted[(pk, dataset, r.region_code, r.province_code, r.comune_code)] = (  # PLACE_FIELDS order
            r.region_name,
            r.province_name,
            r.comune_name,
            r.istat_code,
            comuni.get(r.istat_code),  # None for a blank code too
            r.address[:200],
            r.cap,
            r.updated_on,
        )
    key_fields = ["project_id", "dataset", "region_code", "province_code", "comune_code"]
    outcome, current = _bulk_upsert(
        Place,
        key_fields=key_fields,
        fields=PLACE_FIELDS,
        wanted=wanted,
        existing=Place.objects.filter(dataset=dataset),
        progress=progress,
        phase="localizzazioni",
    )
    if replace and complete:
        touched = set(project_pks.values())
        stale = [pk for key, pk in current.items() if key[0] in touched and key not in wanted]
        for i in range(0, len(stale), BATCH):
            Place.objects.filter(pk__in=stale[i : i + BATCH]).delete()
        extra["localizzazioni_rimosse"] = len(stale)
    return outcome, extra


def _write_payments(
    rows: list[payments.PaymentRow], *, progress: Progress | None = None, **_: Any
) -> tuple[Outcome, dict[str, int]]:
    """One snapshot per project per release date: the same release twice changes nothing."""
    project_pks, sub_pks, extra = _ensure_projects(rows, provenance=Provenance.UNIVERSE)
    amounts = itemgetter(*PAYMENT_FIELDS)
    wanted = {
        (project_pks[r.cup, r.local_code, sub_pks[r.structure.submeasure_code]], r.extracted_on): amounts(
            r.amounts
        )
        for r in rows
    }
    dates = {r.extracted_on for r in rows}
    outcome, _existing = _bulk_upsert(
        PaymentSnapshot,
        key_fields=["project_id", "release_date"],
        fields=PAYMENT_FIELDS,
        wanted=wanted,
        existing=PaymentSnapshot.objects.filter(release_date__in=dates),
        progress=progress,
        phase="pagamenti",
    )
    return outcome, extra


def _write_lombardia(
    rows: list[lombardia.LombardiaRow], *, complete: bool = True, progress: Progress | None = None, **_: Any
) -> tuple[Outcome, dict[str, int]]:
    """The derived Lombardia file: its project columns (only those it has) and its places (never removing the
    places it does not list: it covers Lombardia only). Counts are of places."""
    unique = {r.project.key: r.project for r in rows}
    fields = [
        *lombardia.TEXT_FIELDS,
        *lombardia.AMOUNT_FIELDS,
        "implementing_body_id",
        "updated_on",
        "provenance",
    ]
    project_outcome, _ = _write_projects(list(unique.values()), fields=fields, progress=progress)
    outcome, extra = _write_places(
        [r.place for r in rows], complete=complete, replace=False, progress=progress
    )
    extra.update(
        {"progetti_inseriti": project_outcome.inserted, "progetti_aggiornati": project_outcome.updated}
    )
    return outcome, extra


Writer = Callable[..., tuple[Outcome, dict[str, int]]]
WRITERS: dict[str, Writer] = {
    "progetti": _write_projects,
    "localizzazioni_validate": _write_places,
    "localizzazioni_universo": _write_places,
    "pagamenti": _write_payments,
    "quadro_finanziario": _write_frame,
    "milestone_target": _write_milestones,
    "lombardia_localizzati": _write_lombardia,
}
UNIQUE_KEYS: dict[str, Callable[[Any], Any]] = {
    "progetti": lambda r: r.key,
    "localizzazioni_validate": lambda r: (
        r.cup,
        r.local_code,
        r.structure.submeasure_code,
        r.region_code,
        r.province_code,
        r.comune_code,
    ),
    "localizzazioni_universo": lambda r: (
        r.cup,
        r.local_code,
        r.structure.submeasure_code,
        r.region_code,
        r.province_code,
        r.comune_code,
    ),
    "pagamenti": lambda r: (r.cup, r.local_code, r.structure.submeasure_code, r.extracted_on),
    "quadro_finanziario": lambda r: r.key,
    "milestone_target": lambda r: r.key,
    "lombardia_localizzati": lambda r: (*r.key, *r.place.place_key),
}
