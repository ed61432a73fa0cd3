"""Writes to the PNRR data: `pnrr_import_file` imports one Italia Domani file, whatever its kind.

- The file is recognised by its header and parsed whole (pure parsers in `pnrr.sources`) before anything is
  written. What each kind of file needs (parser, row key, writer) is in `pnrr.importing.KINDS`; the writers
  go through the bulk engine of `pnrr.bulk`.
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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

from django.db import transaction

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure
from decimetro.core.spreadsheet import neutralise
from decimetro.pnrr import bulk, importing, sources
from decimetro.pnrr.bulk import Progress
from decimetro.pnrr.models import ImportRun
from decimetro.pnrr.sources.common import BadFile, RowError

DATA_DIR = Path(__file__).resolve().parent / "data"
# The bundled extract for the territory, in import order (structure first). See data/README.md.
BUNDLED_FILES = [
    DATA_DIR / "quadro_finanziario_programmazione_2025.csv.gz",
    DATA_DIR / "milestone_target_programmazione_2025.csv.gz",
    DATA_DIR / "progetti_validati_cmm_2023-02.csv.gz",
    DATA_DIR / "localizzazioni_validate_cmm_2023-02.csv.gz",
    DATA_DIR / "localizzazioni_universo_cmm_2023-03.csv.gz",
    DATA_DIR / "pagamenti_di_progetto_cmm_2025-03.csv.gz",
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
        ensure(by, "pnrr.import")
    started = time.monotonic()
    path = Path(path)
    summary = ImportSummary(file_name=path.name)
    try:
        source = importing.read_file(path)
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
        kind = importing.KINDS[source.kind]
        rows, errors, identical = _read_all(source, kind, progress)
    except BadFile as exc:
        summary.message = str(exc)
        _refuse(summary, started, by, by_label)
        raise ImportRejected(summary, str(exc)) from exc

    summary.rows_read = len(rows) + len(errors) + identical
    summary.rejected = len(errors)
    summary.errors = errors
    dates = set(map(attrgetter("release_date"), rows))
    dates.discard(None)
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

    with bulk.large_cache(), transaction.atomic():
        bulk.lock(importing.IMPORT_LOCK)
        outcome, extra = kind.writer(rows, complete=not errors, progress=progress)
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
    if summary.inserted or summary.updated:
        bulk.analyze(kind.written)  # the tables this kind writes, not the others (a second each)
    return summary


def _read_all(
    source: sources.SourceFile, kind: importing.FileKind, progress: Progress | None
) -> tuple[list[Any], list[RowError], int]:
    """All rows of the file. A second row with the key of an earlier one is an error (duplicate key), unless
    it is identical to it once parsed: then it is merged and counted."""
    rows: list[Any] = []
    errors: list[RowError] = []
    seen: dict[Any, tuple[int, Any]] = {}
    identical = 0
    unique_key = kind.unique_key
    report = (lambda f: progress("lettura", f)) if progress else None
    line = 1
    keep, append = seen.setdefault, rows.append  # one hash of the key per row
    for item in source.rows(report):
        if isinstance(item, RowError):
            errors.append(item)
            line = item.line
            continue
        line += 1
        key = unique_key(item)
        found = keep(key, (line, item))
        if found[1] is item:
            append(item)
            continue
        first_line, first = found
        if item == first:  # the same row again (e.g. a code written once with a leading space): merged
            identical += 1
            continue
        errors.append(
            RowError(line, "", f"chiave duplicata {key} con valori diversi (già alla riga {first_line})")
        )
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
        w.writerow(["riga", "colonna", "motivo", *(neutralise(c) for c in columns)])
        for e in errors:
            raw = e.raw or {}
            # The file's own cells (titles…) could start a formula: written as text (core.spreadsheet).
            w.writerow(
                [e.line, neutralise(e.column), e.message, *(neutralise(raw.get(c, "")) for c in columns)]
            )
