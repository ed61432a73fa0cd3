"""Bulk writes for the PNRR import: make a few hundred thousand rows exist with the given values, fast.

Why not the ORM: a national file has up to 200k rows (the universe places, the payments). `bulk_create` on
SQLite is bound by 999 parameters per statement (≈ 19 projects per INSERT) and `bulk_update` writes one CASE
per field per row; both build a model instance per row. Here rows are plain tuples in the order of a field
list, converted column by column the way the ORM would for a save, and written with the driver itself:

- SQLite: `executemany` of one INSERT or UPDATE, in chunks of `CHUNK` rows; a large insert into a table
  at most its size builds the table's secondary indexes once after it (`_indexes_deferred`);
- PostgreSQL (psycopg 3): `COPY … FROM STDIN` for inserts; updates are COPied into a temporary table, then one
  `UPDATE … FROM` per chunk.

`upsert` compares what the database holds with what is wanted in memory and writes only the new and the
changed rows: an import run twice writes nothing the second time. Everything runs in the caller's transaction.

Public API: `upsert`, `insert`, `update`, `new_pks`, `values_list`, `lock`, `large_cache`, `Outcome`,
`Progress`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import add, itemgetter
from typing import Any

from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import NOT_PROVIDED

CHUNK = 5000  # rows per executemany / COPY
MEMO_MAX = 500_000  # distinct values converted once per write and converter (`_Converted`)
DEFER_INDEXES_FROM = 20_000  # SQLite: rows of an insert from which secondary indexes are built after it
Row = tuple[Any, ...]
Key = tuple[Any, ...]
Progress = Callable[[str, float], None]
"""`progress(phase, fraction)`: the phase's name (shown to the user) and the share of it done."""
Done = Callable[[int], None]
"""`done(rows)`: how many rows of the call have been written so far."""


@dataclass
class Outcome:
    """What an upsert did: rows inserted, rows updated, rows found already as wanted."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert(
    model: type[models.Model],
    *,
    key_fields: list[str],
    fields: list[str],
    wanted: dict[Key, Row],
    existing: models.QuerySet[Any],
    progress: Progress | None = None,
    phase: str = "scrittura",
) -> tuple[Outcome, dict[Key, int]]:
    """Make the rows `wanted` (key in `key_fields` order → values in `fields` order) exist with those values.

    `existing` is the rows the wanted keys may already be among (e.g. the projects of the file's submeasures):
    read once, compared in memory as tuples, then only the new and the changed rows are written. Rows of
    `existing` that are not wanted are left alone. Returns the outcome and the pk of every key already in
    `existing` (the caller may remove the stale ones)."""
    nkey = len(key_fields)
    current: dict[Key, tuple[int, Row]] = {}
    for row in existing.values_list("pk", *key_fields, *fields).iterator(chunk_size=5000):
        current[row[1 : 1 + nkey]] = (row[0], row[1 + nkey :])
    creates: list[Row] = []
    updates: list[Row] = []
    outcome = Outcome()
    if not current:  # nothing to compare with (a first load): every wanted row is new
        creates = list(map(add, wanted.keys(), wanted.values()))  # key + values, no Python step per row
    else:
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

    def report(offset: int) -> Done | None:
        if progress is None:
            return None
        return lambda done: progress(phase, min(1.0, (offset + done) / total))

    insert(model, [*key_fields, *fields], creates, progress=report(0))
    update(model, fields, updates, progress=report(len(creates)))
    outcome.inserted, outcome.updated = len(creates), len(updates)
    return outcome, {k: v[0] for k, v in current.items()}


def insert(
    model: type[models.Model], fields: list[str], rows: list[Row], *, progress: Done | None = None
) -> None:
    """INSERT the rows (values in `fields` order; a pk given only as a field, e.g. from `new_pks`).

    Every other concrete column but the auto pk gets its field's default, as `Model(...)` would: written by
    the database itself when it is the column's database default or NULL (a project stub is written by its key
    alone)."""
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
    many = _executemany(sql)
    with connection.cursor() as cursor, _indexes_deferred(model, len(rows)):
        driver = cursor.cursor  # the driver's cursor: no per-statement debug wrapper
        prepare = _Prepare(model, fields)
        for i in range(0, len(rows), CHUNK):
            chunk = prepare(rows[i : i + CHUNK])
            if defaults:
                chunk = [r + defaults for r in chunk]
            if connection.vendor == "postgresql":  # COPY: one round trip for the chunk (psycopg 3)
                with driver.copy(copy_sql) as copy:
                    for r in chunk:
                        copy.write_row(r)
            else:
                many(driver, chunk)
            if progress:
                progress(i + CHUNK)


def _executemany(sql: str) -> Callable[[Any, list[Row]], Any]:
    """`executemany(driver_cursor, rows)` of `sql` (written with `%s` placeholders). SQLite: the `sqlite3`
    cursor's own, with `?` placeholders, past Django's wrapper (it rewrites the query and tees the rows
    through an iterator for every chunk). Elsewhere: the driver cursor's `executemany`."""
    if connection.vendor == "sqlite":
        import sqlite3

        qmark = sql.replace("%s", "?")  # identifiers from the models hold no `%s`
        return lambda driver, rows: sqlite3.Cursor.executemany(driver, qmark, rows)
    return lambda driver, rows: driver.executemany(sql, rows)


@contextmanager
def _indexes_deferred(model: type[models.Model], count: int) -> Iterator[None]:
    """SQLite, inside a transaction, an insert of at least `DEFER_INDEXES_FROM` rows that at least doubles the
    table: its secondary (non-unique) indexes are dropped before and built again after, in the same
    transaction: one sort per index instead of a B-tree insert per row and index. Unique indexes stay (they
    check every row). Readers keep seeing the committed database (WAL) and a failed insert rolls the drop
    back with the rest. PostgreSQL: nothing (DROP INDEX would lock the table against every reader)."""
    if connection.vendor != "sqlite" or count < DEFER_INDEXES_FROM or not connection.in_atomic_block:
        yield
        return
    qn = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(rowid) FROM {qn(table)}")  # noqa: S608 - identifier from the model
        if count < (cursor.fetchone()[0] or 0):
            indexes: list[tuple[str, str]] = []
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %%'",
                [table],
            )
            indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def update(
    model: type[models.Model], fields: list[str], rows: list[Row], *, progress: Done | None = None
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
    temp = qn(f"bulk_update_{meta.db_table}")
    listed = ", ".join(qn(c) for c in [*columns, pk_column])
    many = _executemany(sql)
    with connection.cursor() as cursor:
        driver = cursor.cursor
        prepare = _Prepare(model, fields)
        if postgres:
            driver.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {listed} FROM {table} LIMIT 0")  # noqa: S608
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            values = prepare([r[:-1] for r in chunk])
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
                many(driver, params)
            if progress:
                progress(i + CHUNK)
        if postgres:
            driver.execute(f"DROP TABLE {temp}")


def new_pks(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for rows inserted with explicit pks, so that they need not be read back.

    Only under `lock`, for tables that only the caller's kind of writer fills (the import creates projects and
    implementing bodies). PostgreSQL: a block taken from the pk's sequence (were a row inserted elsewhere
    meanwhile, the insert would fail on the unique pk and the transaction write nothing). SQLite: after the
    largest pk ever given (AUTOINCREMENT keeps it in sqlite_sequence), so a deleted row's pk is not reused."""
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


def lock(key: str) -> None:
    """One writer under `key` at a time, until the end of the transaction.

    PostgreSQL: a transaction-level advisory lock (two imports would otherwise both create the same new
    projects, and `new_pks` takes blocks of keys). Neither readers nor autovacuum are blocked (a table lock
    would wait for autovacuum to give up, a second each time). SQLite: nothing to do, the IMMEDIATE
    transaction already holds the database's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


SQLITE_CACHE_KIB = 131_072  # page cache of an import on SQLite (the default is 2 MiB)


@contextmanager
def large_cache() -> Iterator[None]:
    """SQLite: a page cache of `SQLITE_CACHE_KIB` for the block, then the connection's own again. A national
    file inserts into tables and indexes of hundreds of MiB: with the default 2 MiB cache, every index insert
    reads its pages back from the file system (a sixth of the import's CPU time). PostgreSQL: nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def analyze(models_: list[type[models.Model]]) -> bool:
    """PostgreSQL, once an import has committed: fresh planner statistics for the tables it wrote. A national
    release multiplies a table's rows between two autovacuum runs, and queries planned on the old statistics
    (nested loops sized for a few rows) can run for hours. Skipped inside a transaction (a rolled-back write
    would leave statistics of rows that never were) and on SQLite (its planner keeps none). True if run."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return True


def values_list(queryset: models.QuerySet[Any], *fields: str) -> list[Row]:
    """`queryset.values_list(*fields)` read in one go with the driver's cursor, without the ORM's conversions:
    for keys and codes (text and integers), or for values only compared with values read the same way from a
    column of the same type and written back as read (`update`)."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Converting values the way the ORM would ------------------------------------------------------------------

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
            # SQLite: the driver's adapter (Django registers `str` for Decimal) runs once per value and
            # row, a lookup and a call each (two thirds of inserting the payments); `_Prepare` calls it
            # once per distinct value. PostgreSQL (psycopg dumps Decimal itself): as it is.
            return str if connection.vendor == "sqlite" else None
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return lambda value: field.get_db_prep_save(value, connection)


class _Prepare:
    """Converts rows (values in `fields` order) the way the ORM would for a save, chunk after chunk of one
    write. Column by column: a column repeats few dates, codes or amounts, each distinct value is converted
    once per write (`_Converted`, kept from chunk to chunk, shared by the columns of one converter: the amount
    columns of a row repeat each other's values).

    Equal values are converted once, by the first met: for decimals on SQLite `Decimal("1.1")` and
    `Decimal("1.10")` give different texts, which the column's NUMERIC affinity stores as the same number
    (tested in `tests/pnrr/test_bulk.py`)."""

    def __init__(self, model: type[models.Model], fields: list[str]) -> None:
        self.columns: dict[int, _Converted] = {}
        shared: dict[Callable[[Any], Any], _Converted] = {}  # one memory per converter
        for i, f in enumerate(fields):
            if (prep := _preparer(_field(model, f))) is not None:
                self.columns[i] = shared.setdefault(prep, _Converted(prep))

    def __call__(self, rows: list[Row]) -> list[Row]:
        if not self.columns or not rows:
            return rows
        columns = list(zip(*rows, strict=True))
        for i, converted in self.columns.items():
            try:
                columns[i] = tuple(map(converted.__getitem__, columns[i]))
            except TypeError:  # an unhashable value: the column converted value by value
                prep = converted.prep
                columns[i] = tuple(None if v is None else prep(v) for v in columns[i])
        return list(zip(*columns, strict=True))


class _Converted(dict[Any, Any]):
    """Value → `prep(value)`, computed the first time a value is asked for (None stays None). Looked up by
    `map(converted.__getitem__, column)`: a known value costs a dict lookup, no Python call. At most
    `MEMO_MAX` values are kept."""

    def __init__(self, prep: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.prep = prep

    def __missing__(self, value: Any) -> Any:
        converted = self.prep(value)
        if len(self) < MEMO_MAX:
            self[value] = converted
        return converted


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
