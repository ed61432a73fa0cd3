#!/usr/bin/env python3
"""Benchmark: import the national PNRR files with `pnrr_import_file` (validation on) vs honest floors.

Every floor reads each file the way the import does — the same bytes through `gzip`, a UTF-8 `TextIOWrapper`
and `csv.reader` — and streams its rows to the database as they are read (never a list of the file first), in
one transaction per file, on the same machine in the same run:

- SQLite floor: the rows as text into an untyped table, `executemany` over the reader, same pragmas as the
  import (WAL, the page cache of `pnrr.bulk.large_cache`). Goal: import ≤ 3x the floor.
- PostgreSQL real-schema floor (the floor of the goal): COPY of the same rows into empty copies of the REAL
  tables (`CREATE TABLE … (LIKE … INCLUDING ALL)`: columns, types, defaults, indexes, checks) with the same
  foreign keys, in a scratch schema `bench_floor`. A place or a payment always points at a project, so the
  floor also writes the stub project of every key not met before, and the implementing bodies; per row it does
  only what the schema needs (the key → id of its project, the comune's id, '' → NULL for typed columns).
  The two small structure files (frame, milestones: a few hundred rows) use plain COPY (marked *).
  Goal: import ≤ 2x this floor.
- PostgreSQL plain COPY (printed beside it): the rows as text into an untyped table.

Times are wall seconds; "cpu" adds this process's CPU time and, on PostgreSQL, the server backend's (read in
/proc: the server must run on this machine), which is what to compare on a busy machine.
With `--again`, every file is then imported a second time (all rows unchanged: nothing written).

    .venv/bin/python bench/import_pnrr.py --db /tmp/import.sqlite3         # SQLite (the file is recreated)
    .venv/bin/python bench/import_pnrr.py --db /tmp/import.sqlite3 --again
    DATABASE_URL=postgres://u:p@127.0.0.1/scratch .venv/bin/python bench/import_pnrr.py --backend postgres
      (a scratch database: the PNRR tables are emptied first, the schema bench_floor is dropped and recreated)

Never run by the test suite.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FILES = [
    SHARED / "pnrr_struttura" / "quadro_finanziario_programmazione_2025.csv",
    SHARED / "pnrr_struttura" / "milestone_target_programmazione_2025.csv",
    SHARED / "pnrr" / "progetti_validati_2023-02.csv.gz",
    SHARED / "pnrr" / "localizzazioni_validate_2023-02.csv.gz",
    SHARED / "pnrr" / "localizzazioni_universo_regis_2023-03.csv.gz",
    SHARED / "pnrr" / "pagamenti_di_progetto_2025-03.csv.gz",
]
FLOOR_SCHEMA = "bench_floor"
SQLITE_CACHE_KIB = 131_072  # = decimetro.pnrr.bulk.SQLITE_CACHE_KIB (read before Django is set up)


@contextmanager
def reader(path: Path) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """The header and a streaming row iterator, read as `pnrr.sources.SourceFile.rows` reads the file."""
    with open(path, "rb") as raw:
        binary: Any = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        rows = csv.reader(text)
        header = next(rows)
        width = len(header)
        yield header, (r for r in rows if len(r) == width)
        text.detach()


@dataclass
class Clock:
    """Wall and CPU seconds of a block; CPU includes a PostgreSQL backend's when its pid is given."""

    wall: float = 0.0
    cpu: float = 0.0


def backend_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@contextmanager
def clock(pid: Callable[[], int | None] = lambda: None) -> Iterator[Clock]:
    result = Clock()
    server = pid()
    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), backend_cpu(server)
    yield result
    result.wall = time.perf_counter() - wall
    result.cpu = time.process_time() - cpu + backend_cpu(server) - server_cpu


# Floors -----------------------------------------------------------------------------------------------------


def floor_sqlite(path: Path, db: Path) -> Clock:
    with clock() as c:
        con = sqlite3.connect(db)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")  # as `pnrr.bulk.large_cache` for the import
        with reader(path) as (header, rows):
            con.execute("DROP TABLE IF EXISTS raw")
            con.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
            with con:
                con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", rows)
        con.close()
    return c


def floor_plain_copy(path: Path, con: Any) -> Clock:
    pid = con.info.backend_pid
    with clock(lambda: pid) as c, con.cursor() as cur:
        with reader(path) as (header, rows):
            cur.execute("DROP TABLE IF EXISTS bench_raw")
            cur.execute(f"CREATE TABLE bench_raw ({', '.join(f'c{i} text' for i in range(len(header)))})")
            with cur.copy("COPY bench_raw FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("DROP TABLE bench_raw")
        con.commit()
    return c


class RealSchemaFloor:
    """COPY into `bench_floor`'s copies of the real tables, file after file (places and payments point at the
    projects of the earlier files, as in the real tables)."""

    TABLES = [
        "pnrr_implementingbody",
        "pnrr_project",
        "pnrr_place",
        "pnrr_paymentsnapshot",
        "pnrr_measurepayment",
    ]

    def __init__(self, con: Any) -> None:
        self.con = con
        self.sqlite = isinstance(con, sqlite3.Connection)
        self.projects: dict[tuple[str, str, int], int] = {}
        self.bodies: dict[str, int] = {}
        if self.sqlite:  # `sqlite_schema_floor` made the tables; `run` copies what they point at
            return
        with con.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE")
            cur.execute(f"CREATE SCHEMA {FLOOR_SCHEMA}")
            fks: list[tuple[str, str, str]] = []
            for table in self.TABLES:
                cur.execute(f"CREATE TABLE {FLOOR_SCHEMA}.{table} (LIKE public.{table} INCLUDING ALL)")
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [f"public.{table}"],
                )
                fks.extend((table, name, definition) for name, definition in cur.fetchall())
            # Unqualified referenced tables resolve to the floor's copy first, else to the real one.
            cur.execute(f"SET search_path = {FLOOR_SCHEMA}, public")
            for table, name, definition in fks:
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name}_floor {definition}")
            cur.execute("SELECT code, id FROM pnrr_submeasure")
            self.submeasures: dict[str, int] = dict(cur.fetchall())
            cur.execute("SELECT codice_istat, id FROM territory_comune")
            self.comuni: dict[str, int] = dict(cur.fetchall())
        con.commit()

    def run(self, path: Path, kind: str, import_db: Path | None = None) -> Clock | None:
        method = {
            "progetti": self._projects,
            "localizzazioni_validate": self._places,
            "localizzazioni_universo": self._places,
            "pagamenti": self._payments,
        }.get(kind)
        if method is None:
            return None
        if self.sqlite:
            assert import_db is not None
            self._sync_sqlite(import_db)
            with clock() as c:
                cur = self.con.cursor()
                with reader(path) as (header, rows):
                    method(cur, kind, header, rows)
                self.con.commit()  # the deferred foreign-key checks run here
            return c
        pid = self.con.info.backend_pid
        with self.con.cursor() as cur:  # the structure the import just completed (not timed)
            cur.execute("SELECT code, id FROM public.pnrr_submeasure")
            self.submeasures = dict(cur.fetchall())
        with clock(lambda: pid) as c, self.con.cursor() as cur:
            with reader(path) as (header, rows):
                method(cur, kind, header, rows)
            self.con.commit()  # the deferred foreign-key checks run here
        return c

    def _sync_sqlite(self, import_db: Path) -> None:
        """SQLite (not timed): every table but the floor's own gets the import database's rows (the PNRR
        structure the import just completed, the comuni…), so that the floor's foreign keys find them."""
        con = self.con
        con.execute("ATTACH DATABASE ? AS imp", [f"file:{import_db}?mode=ro"])
        try:
            tables = [
                name
                for (name,) in con.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
                if name not in self.TABLES
            ]
            for table in tables:
                con.execute(f"INSERT OR IGNORE INTO main.{table} SELECT * FROM imp.{table}")
            con.commit()
        finally:
            con.execute("DETACH DATABASE imp")
        self.submeasures = dict(con.execute("SELECT code, id FROM pnrr_submeasure"))
        self.comuni = dict(con.execute("SELECT codice_istat, id FROM territory_comune"))

    def _write(self, cur: Any, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """The rows into the table as they come: COPY on PostgreSQL, one `executemany` on SQLite."""
        if self.sqlite:
            marks = ", ".join("?" * (columns.count(",") + 1))
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            return
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _stubs(self, cur: Any, stubs: list[tuple[Any, ...]]) -> None:
        self._write(cur, "pnrr_project", "id, cup, local_code, submeasure_id, provenance", stubs)

    def _project_id(self, key: tuple[str, str, int], provenance: str, stubs: list[tuple[Any, ...]]) -> int:
        pk = self.projects.get(key)
        if pk is None:
            pk = self.projects[key] = len(self.projects) + 1
            stubs.append((pk, *key, provenance))
        return pk

    def _projects(self, cur: Any, kind: str, header: list[str], rows: Iterator[list[str]]) -> None:
        from decimetro.pnrr.sources import projects as p

        at = {name: i for i, name in enumerate(header)}
        texts = [at[col] for col in p.TEXT_COLUMNS.values()]
        amounts = [at[col] for col in p.AMOUNT_COLUMNS.values()]
        i_cup, i_local, i_sub = at["CUP"], at["Codice Locale Progetto"], at["Codice Univoco Submisura"]
        i_cf, i_body, i_flag = (
            at["Codice fiscale soggetto attuatore"],
            at["Soggetto attuatore"],
            at["Flag progetti in essere"],
        )
        i_date = at["Data aggiornamento"]
        flags = {"sì": True, "si": True, "no": False}
        new_bodies: list[tuple[int, str, str]] = []
        subs, bodies = self.submeasures, self.bodies
        columns = [
            "id",
            "cup",
            "local_code",
            "submeasure_id",
            "provenance",
            *p.TEXT_COLUMNS,
            *p.AMOUNT_COLUMNS,
        ]
        columns += ["implementing_body_id", "existing_project", "updated_on"]

        def written() -> Iterator[tuple[Any, ...]]:
            for r in rows:
                key = (r[i_cup], r[i_local], subs[r[i_sub].strip()])
                if key in self.projects:
                    continue
                pk = self.projects[key] = len(self.projects) + 1
                cf = r[i_cf]
                body = bodies.get(cf) if cf else None
                if cf and body is None:
                    body = bodies[cf] = len(bodies) + 1
                    new_bodies.append((body, cf, r[i_body][:250]))
                yield (
                    pk,
                    *key,
                    "validated",
                    *[r[i] for i in texts],
                    *[r[i] or None for i in amounts],
                    body,
                    flags.get(r[i_flag].lower()),
                    r[i_date] or None,
                )

        self._write(cur, "pnrr_project", ", ".join(columns), written())
        self._write(cur, "pnrr_implementingbody", "id, fiscal_code, name", new_bodies)

    def _places(self, cur: Any, kind: str, header: list[str], rows: Iterator[list[str]]) -> None:
        from decimetro.pnrr.sources import places_universe, places_validated

        module = places_validated if kind == "localizzazioni_validate" else places_universe
        names, dataset = module.NAMES, module.build.dataset  # type: ignore[attr-defined]
        at = {name: i for i, name in enumerate(header)}
        i_cup, i_local, i_sub = at["CUP"], at["Codice Locale Progetto"], at[names["submeasure_code"]]
        geo = [at[names[f]] for f in ("region_code", "province_code", "comune_code")]
        rest = [at[names[f]] for f in ("region_name", "province_name", "comune_name", "istat_code")]
        i_istat, i_address, i_cap, i_date = (
            at[names["istat_code"]],
            at["Indirizzo"],
            at[names["cap"]],
            at[names["updated_on"]],
        )
        subs, comuni, seen = self.submeasures, self.comuni, set()
        stubs: list[tuple[Any, ...]] = []
        columns = "project_id, dataset, region_code, province_code, comune_code, region_name, province_name, "
        columns += "comune_name, istat_code, comune_id, address, cap, updated_on"

        def written() -> Iterator[tuple[Any, ...]]:
            for r in rows:
                project = self._project_id((r[i_cup], r[i_local], subs[r[i_sub].strip()]), dataset, stubs)
                key = (project, *[r[i] for i in geo])
                if key in seen:
                    continue
                seen.add(key)
                yield (
                    *key[:1],
                    dataset,
                    *key[1:],
                    *[r[i] for i in rest],
                    comuni.get(r[i_istat]),
                    r[i_address][:200],
                    r[i_cap],
                    r[i_date] or None,
                )

        self._write(cur, "pnrr_place", columns, written())
        self._stubs(cur, stubs)

    def _payments(self, cur: Any, kind: str, header: list[str], rows: Iterator[list[str]]) -> None:
        from decimetro.pnrr.sources import payments as p

        at = {name: i for i, name in enumerate(header)}
        amounts = [at[col] for col in p.AMOUNT_COLUMNS.values()]
        i_cup, i_local, i_sub = at["cup"], at["codice_locale_progetto"], at["codice_univoco_submisura"]
        i_date = at["data_di_estrazione"]
        subs, seen = self.submeasures, set()
        stubs: list[tuple[Any, ...]] = []
        measure_rows: dict[tuple[int, str], tuple[Any, ...]] = {}
        columns = ", ".join(p.AMOUNT_COLUMNS)

        def written() -> Iterator[tuple[Any, ...]]:
            for r in rows:
                sub = subs[r[i_sub].strip()]
                if not r[i_cup] and not r[i_local]:
                    measure_rows[sub, r[i_date]] = (sub, r[i_date], *[r[i] or None for i in amounts])
                    continue
                key = (self._project_id((r[i_cup], r[i_local], sub), "universe", stubs), r[i_date])
                if key in seen:
                    continue
                seen.add(key)
                yield (*key, *[r[i] or None for i in amounts])

        self._write(cur, "pnrr_paymentsnapshot", f"project_id, release_date, {columns}", written())
        self._stubs(cur, stubs)
        self._write(
            cur, "pnrr_measurepayment", f"submeasure_id, release_date, {columns}", measure_rows.values()
        )


def sqlite_schema_floor(import_db: Path, floor_db: Path) -> sqlite3.Connection:
    """SQLite: an empty database with the import database's tables and indexes (foreign keys, checks,
    defaults: the same CREATE statements), the same pragmas as the import (WAL, foreign keys on as Django
    sets them, the page cache of `pnrr.bulk.large_cache`), for the real-schema floor. Full-text tables and
    their triggers are left out (the floor never writes what they index)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{floor_db}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{import_db}?mode=ro", uri=True)
    objects = source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "AND type IN ('table', 'index') ORDER BY type DESC, rowid"  # tables first, then their indexes
    ).fetchall()
    source.close()
    virtual = [name for _type, name, sql in objects if sql.upper().startswith("CREATE VIRTUAL")]
    con = sqlite3.connect(floor_db, uri=True)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    for _type, name, sql in objects:
        if any(name == v or name.startswith(f"{v}_") for v in virtual):
            continue
        con.execute(sql)
    con.commit()
    return con


# The run ----------------------------------------------------------------------------------------------------


def run(backend: str, *, db: Path, again: bool = False) -> None:
    if backend == "sqlite":
        db.parent.mkdir(parents=True, exist_ok=True)
        raw_db = db.with_name(db.stem + "_floor.sqlite3")
        schema_db = db.with_name(db.stem + "_schema.sqlite3")
        for p in (db, raw_db, schema_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    url = os.environ.get("DATABASE_URL", "")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from decimetro.pnrr.models import (
        ImplementingBody,
        ImportRun,
        Measure,
        MeasurePayment,
        Milestone,
        PaymentSnapshot,
        Place,
        Project,
        SubMeasure,
    )
    from decimetro.pnrr.services import pnrr_import_file

    call_command("migrate", verbosity=0)
    call_command("territory_load", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    postgres = backend == "postgres"
    con: Any = None
    if postgres:
        import psycopg

        with connection.cursor() as cursor:  # the floor's tables point at the real ones
            cursor.execute(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE")
        for model in (
            PaymentSnapshot,
            MeasurePayment,
            Place,
            Project,
            ImplementingBody,
            Milestone,
            SubMeasure,
            Measure,
            ImportRun,
        ):
            model.objects.all().delete()
        con = psycopg.connect(url)

    def django_pid() -> int | None:
        if not postgres:
            return None
        connection.ensure_connection()
        return connection.connection.info.backend_pid  # type: ignore[no-any-return]

    real_floor: RealSchemaFloor | None = None
    titles = ["validazione attiva", "seconda importazione, righe invariate"]
    for title in titles[: 2 if again else 1]:
        print(f"\n{backend}: {len(FILES)} file nazionali ({title})\n")
        floor_name = "floor schema reale" if postgres else "floor"
        # The last columns: PostgreSQL, plain COPY (beside the goal's floor); SQLite, the real-schema floor
        # (beside the goal's floor, the untyped table): what the schema alone costs.
        extra_names = "COPY semplice s" if postgres else "schema reale s | schema reale cpu s | rapporto cpu"
        print(
            f"| file | righe | import s | import cpu s | {floor_name} s | {floor_name} cpu s "
            f"| rapporto | rapporto cpu | {extra_names} |"
        )
        print(
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
            + ("" if postgres else " ---: | ---: |")
        )
        total = {"import": Clock(), "floor": Clock(), "plain": Clock(), "schema": Clock()}
        for path in FILES:
            with clock(django_pid) as imported:
                summary = pnrr_import_file(path=path, skip_invalid=True, by_label="bench")
            plain: Clock | None = None
            schema: Clock | None = None
            mark = ""
            if postgres:
                if real_floor is None:
                    real_floor = RealSchemaFloor(con)
                floor = real_floor.run(path, summary.kind) if title == titles[0] else None
                plain = floor_plain_copy(path, con)
                if floor is None:
                    floor, mark = plain, "*"
            else:
                floor = floor_sqlite(path, raw_db)
                if title == titles[0]:
                    if real_floor is None:
                        real_floor = RealSchemaFloor(sqlite_schema_floor(db, schema_db))
                    schema = real_floor.run(path, summary.kind, import_db=db)
            for name, c in (
                ("import", imported),
                ("floor", floor),
                ("plain", plain or Clock()),
                ("schema", schema or floor),  # (the two small files: the untyped floor)
            ):
                total[name].wall += c.wall
                total[name].cpu += c.cpu
            n = summary.rows_read
            cells = [
                f"{n:,}",
                f"{imported.wall:.2f}",
                f"{imported.cpu:.2f}",
                f"{floor.wall:.2f}{mark}",
                f"{floor.cpu:.2f}{mark}",
                f"{imported.wall / floor.wall:.1f}x",
                f"{imported.cpu / floor.cpu:.1f}x" if floor.cpu else "—",
            ]
            if postgres:
                cells.append(f"{plain.wall:.2f}" if plain else "—")
            elif schema is not None:
                cells += [f"{schema.wall:.2f}", f"{schema.cpu:.2f}", f"{imported.cpu / schema.cpu:.1f}x"]
            else:
                cells += ["—", "—", "—"]
            print(f"| {path.name} | {' | '.join(cells)} |", flush=True)
        i, f, pc, r = total["import"], total["floor"], total["plain"], total["schema"]
        cells = [
            f"{i.wall:.2f}",
            f"{i.cpu:.2f}",
            f"{f.wall:.2f}",
            f"{f.cpu:.2f}",
            f"**{i.wall / f.wall:.1f}x**",
            f"**{i.cpu / f.cpu:.1f}x**" if f.cpu else "—",
        ]
        if postgres:
            cells.append(f"{pc.wall:.2f}")
        elif title == titles[0]:
            cells += [f"{r.wall:.2f}", f"{r.cpu:.2f}", f"{i.cpu / r.cpu:.1f}x"]
        else:
            cells += ["—", "—", "—"]
        print(f"| **totale** | | {' | '.join(cells)} |")
        if not postgres and title == titles[0]:
            print(
                "(schema reale: le stesse righe nelle tabelle vere, con indici, vincoli e chiavi esterne, "
                "progetti segnaposto compresi; per i due file piccoli vale il floor)"
            )
        if title != titles[0]:
            print("(seconda importazione: il floor è quello della prima, i file sono gli stessi)")
    if con is not None:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark dell'importazione PNRR nazionale")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--db",
        type=Path,
        default=ROOT / "var" / "bench" / "pnrr_bench.sqlite3",
        help="SQLite: il database del benchmark (ricreato; il floor usa un file accanto)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="poi importa di nuovo ogni file (righe invariate, nulla da scrivere)",
    )
    args = parser.parse_args()
    if args.backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--backend postgres richiede DATABASE_URL=postgres://…")
    run(args.backend, db=args.db, again=args.again)


if __name__ == "__main__":
    main()
