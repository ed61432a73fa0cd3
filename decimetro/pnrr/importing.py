"""The Italia Domani file kinds, listed once: how each is recognised and parsed, keyed and written.

`KINDS` is the one registry: a `FileKind` per kind, with its parser (from `pnrr.sources`: the header it is
recognised by, its label, `parse`), the key that makes two of its rows the same row, and its writer. Adding a
kind means a parser module in `pnrr.sources` and one `FileKind` here.

A writer takes the file's valid rows (already de-duplicated by the kind's key) and makes the database agree
with them through `pnrr.bulk`, inside the transaction `pnrr.services.pnrr_import_file` opens; it returns the
outcome and the extra counts shown in the import summary.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, and_, attrgetter, eq, is_, itemgetter, not_
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.db.models import Model

from decimetro.pnrr import bulk, sources
from decimetro.pnrr.bulk import Outcome, Progress
from decimetro.pnrr.models import (
    ImplementingBody,
    ImportRun,
    Measure,
    MeasurePayment,
    Milestone,
    PaymentSnapshot,
    Place,
    PnrrComponent,
    PnrrMission,
    Project,
    Provenance,
    SubMeasure,
)
from decimetro.pnrr.sources import (
    financial_frame,
    lombardia,
    milestones,
    payments,
    places_universe,
    places_validated,
    projects,
)
from decimetro.pnrr.sources.common import StructureRef
from decimetro.pnrr.sources.places import PlaceRow
from decimetro.territory.models import Comune

BATCH = 1000  # pks per `pk__in` filter of the ORM
IMPORT_LOCK = "decimetro.pnrr.import"  # `bulk.lock` key: one import at a time
ProjectKey = tuple[str, str, int]
_S = TypeVar("_S", PnrrMission, PnrrComponent, Measure, SubMeasure)


class Writer(Protocol):
    def __call__(
        self, rows: list[Any], *, complete: bool, progress: Progress | None
    ) -> tuple[Outcome, dict[str, int]]:
        """Write the rows. `complete` is False when invalid rows were skipped: nothing may then be
        removed."""
        ...


@dataclass(frozen=True)
class FileKind:
    """One kind of Italia Domani file."""

    parser: sources.Parser
    unique_key: Callable[[Any], Hashable]
    """Two rows of one file with the same key are the same row: merged when identical, else an error."""
    writer: Writer
    tables: tuple[type[Model], ...] = ()
    """The tables its writer writes besides the PNRR structure (given fresh planner statistics after an
    import, `bulk.analyze`)."""

    @property
    def name(self) -> str:
        """The kind's code, as in `ImportRun.kind` (e.g. "progetti")."""
        return self.parser.KIND

    @property
    def label(self) -> str:
        return self.parser.LABEL

    @property
    def written(self) -> list[type[Model]]:
        """Every table an import of this kind may write: its own, the PNRR structure and `ImportRun`."""
        return [*self.tables, *STRUCTURE_TABLES, ImportRun]


def read_file(path: Path | str) -> sources.SourceFile:
    """Open `path` and recognise its kind by the header among every kind of `KINDS`. Raises `BadFile`."""
    return sources.read_file(path, parsers=_PARSERS)


# Unique keys ------------------------------------------------------------------------------------------------


def _own_key(row: Any) -> Hashable:
    return row.key


# A place's key, read by `attrgetter` (no Python call per row).
_place_key: Callable[[PlaceRow], Hashable] = attrgetter(
    "cup", "local_code", "structure.submeasure_code", "region_code", "province_code", "comune_code"
)


def _payment_key(row: payments.PaymentRow | payments.MeasurePaymentRow) -> Hashable:
    if isinstance(row, payments.MeasurePaymentRow):  # no CUP: never the key of a project's row
        return ("", "", row.structure.submeasure_code, row.extracted_on)
    return (row.cup, row.local_code, row.structure.submeasure_code, row.extracted_on)


def _lombardia_key(row: lombardia.LombardiaRow) -> Hashable:
    return (*row.key, *row.place.place_key)


# The PNRR structure -----------------------------------------------------------------------------------------


def _ensure_structure(refs: Iterable[StructureRef], *, authoritative: bool = False) -> dict[str, int]:
    """Submeasure code → pk, creating missions, components, measures and submeasures met for the first time.

    Project files only fill blanks (their wording is the 2021 plan's); the financial frame (`authoritative`)
    overwrites names. Returns the pks of every submeasure in `refs`. One level at a time, in bulk: a few
    statements per level whatever the number of rows (the financial frame creates some 500 rows)."""
    best: dict[str, StructureRef] = {}
    # Each distinct object once (the parsers share one object per structure), without hashing every row's.
    refs = list(refs)
    for ref in dict(zip(map(id, refs), refs, strict=True)).values():
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
    bulk.upsert(
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


def _write_milestones(rows: list[milestones.MilestoneRow], **_: Any) -> tuple[Outcome, dict[str, int]]:
    sub_pks = _ensure_structure(r.structure for r in rows)
    by_code: dict[str, list[milestones.MilestoneRow]] = {}
    for r in rows:
        by_code.setdefault(r.code, []).append(r)
    wanted = {(code,): tuple(getattr(rs[0], f) for f in MILESTONE_FIELDS) for code, rs in by_code.items()}
    outcome, _existing = bulk.upsert(
        Milestone,
        key_fields=["code"],
        fields=MILESTONE_FIELDS,
        wanted=wanted,
        existing=Milestone.objects.filter(code__in=by_code),
    )
    # The links milestone ↔ submeasure, compared and written in bulk on the through table.
    milestone_pks: dict[str, int] = dict(
        bulk.values_list(Milestone.objects.filter(code__in=by_code), "code", "pk")
    )
    through = Milestone.submeasures.through
    have: dict[int, set[int]] = {pk: set() for pk in milestone_pks.values()}
    for milestone_id, submeasure_id in bulk.values_list(
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
    bulk.insert(through, ["milestone_id", "submeasure_id"], add)
    return outcome, {"milestone_distinti": len(by_code), "collegamenti_aggiornati": relinked}


# Projects, places, payments ---------------------------------------------------------------------------------

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
PAYMENT_FIELDS = list(payments.AMOUNT_FIELDS)  # the order of `PaymentRow.values`


def _bodies(rows: Iterable[projects.ProjectRow]) -> dict[str, int]:
    names: dict[str, str] = {}
    for r in rows:
        if r.body_fiscal_code and r.body_fiscal_code not in names:
            names[r.body_fiscal_code] = (r.body_name or r.body_fiscal_code)[:250]
    existing = {
        cf: (pk, name)
        for pk, cf, name in bulk.values_list(ImplementingBody.objects.all(), "pk", "fiscal_code", "name")
        if cf in names
    }
    new = sorted(cf for cf in names if cf not in existing)
    new_pks = bulk.new_pks(ImplementingBody, len(new))
    bulk.insert(
        ImplementingBody,
        ["id", "fiscal_code", "name"],
        [(pk, cf, names[cf]) for pk, cf in zip(new_pks, new, strict=True)],
    )
    bulk.update(
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
    outcome, _existing = bulk.upsert(
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
    rows: Iterable[Any], provenance: str, *, funded: bool = False
) -> tuple[list[int], dict[str, int], set[int]]:
    """The project pk of every row (in the rows' order), creating stubs (no title) for projects not yet
    known. A stub made from validated places is `validated`; a universe project named by validated places
    is promoted. Also returns the counts for the summary and the pks of the stubs created.

    `funded` (payments rows): a stub is created with the funding (totale, PNRR) of its latest row in the file,
    which is its latest snapshot (a new project has no other), as `_fund_universe_projects` would set it
    after: one INSERT instead of an INSERT and an UPDATE per stub
    (`extra["progetti_universo_finanziati_dai_pagamenti"]` starts with those given some funding)."""
    rows = list(rows)
    sub_pks = _ensure_structure(map(attrgetter("structure"), rows))
    keys: list[ProjectKey] = list(  # once per row
        zip(
            map(attrgetter("cup"), rows),
            map(attrgetter("local_code"), rows),
            map(sub_pks.__getitem__, map(attrgetter("structure.submeasure_code"), rows)),
            strict=True,
        )
    )
    funding = _latest_funding(rows, keys) if funded else {}
    promoting = provenance == Provenance.VALIDATED
    known = Project.objects.filter(submeasure_id__in=set(sub_pks.values()))
    # Key → pk of the known projects, built without a Python step per row (as every pass below); their
    # provenance only when validated places may promote one.
    wanted_columns = ["cup", "local_code", "submeasure_id", "pk", *(["provenance"] if promoting else [])]
    read = bulk.values_list(known, *wanted_columns)
    current: dict[ProjectKey, int] = dict(zip(map(_KEY_OF_READ, read), map(_PK_OF_READ, read), strict=True))
    unique = list(dict.fromkeys(keys))  # each project once, in the file's order
    found = list(map(current.get, unique))
    missing = list(compress(unique, map(not_, found)))  # (a pk is never 0)
    # By CUP (the unique index's first column): the index is filled almost in order, much faster. Sorting
    # by CUP alone costs a fifth of sorting by the whole key.
    missing.sort(key=itemgetter(0))
    new_pks = bulk.new_pks(Project, len(missing))
    # The stub's other columns are the database defaults (db_default) or NULL: only its key is written (and
    # its funding, when `funded`).
    stub_fields = ["id", "cup", "local_code", "submeasure_id", "provenance"]
    columns: list[Iterable[Any]] = [
        new_pks,
        map(itemgetter(0), missing),
        map(itemgetter(1), missing),
        map(itemgetter(2), missing),
        repeat(provenance, len(missing)),
    ]
    funded_stubs = 0
    if funded and missing:
        stub_fields += ["fin_totale", "fin_pnrr"]
        totals, pnrr = zip(*map(funding.__getitem__, missing), strict=True)
        columns += [totals, pnrr]
        # Those given some funding: the others have both amounts None (compared by identity, in C).
        unfunded = sum(map(and_, map(is_, totals, repeat(None)), map(is_, pnrr, repeat(None))))
        funded_stubs = len(missing) - unfunded
    bulk.insert(Project, stub_fields, list(zip(*columns, strict=True)))
    promoted = 0
    if promoting:
        universe = set(
            compress(map(_PK_OF_READ, read), map(eq, map(itemgetter(4), read), repeat(Provenance.UNIVERSE)))
        )
        promote = [pk for pk in found if pk in universe]
        for i in range(0, len(promote), BATCH):
            promoted += Project.objects.filter(pk__in=promote[i : i + BATCH]).update(provenance=provenance)
    current.update(zip(missing, new_pks, strict=True))
    extra = {"progetti_creati": len(missing)}
    if promoted:
        extra["progetti_promossi_a_validati"] = promoted
    if funded_stubs:
        extra["progetti_universo_finanziati_dai_pagamenti"] = funded_stubs
    return list(map(current.__getitem__, keys)), extra, set(new_pks)


_KEY_OF_READ: Callable[[tuple[Any, ...]], ProjectKey] = itemgetter(0, 1, 2)
_PK_OF_READ: Callable[[tuple[Any, ...]], int] = itemgetter(3)


def _latest_funding(
    rows: list[payments.PaymentRow], keys: list[ProjectKey]
) -> dict[ProjectKey, tuple[Any, Any]]:
    """Project key → (fin_totale, fin_pnrr) of its row with the latest extraction date in the file (`keys`:
    the key of every row's project, in the rows' order)."""
    funding = itemgetter(PAYMENT_FIELDS.index("fin_totale"), PAYMENT_FIELDS.index("fin_pnrr"))
    dates = list(map(attrgetter("extracted_on"), rows))
    order: Iterable[int] = range(len(rows))
    if len(set(dates)) > 1:  # by date (stable), so that the latest row of a key is its last
        order = sorted(order, key=dates.__getitem__)
    # A key has one row per date (the file's rows are unique by key and date): the last one wins.
    return dict(
        zip(
            map(keys.__getitem__, order),
            map(funding, map(attrgetter("values"), map(rows.__getitem__, order))),
            strict=True,
        )
    )


_PLACE_CODES: Callable[[PlaceRow], tuple[str, str, str]] = attrgetter(
    "region_code", "province_code", "comune_code"
)


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
    project_pks, extra, _created = _ensure_projects(rows, provenance=dataset)
    comuni = dict(Comune.objects.values_list("codice_istat", "pk"))
    # Key (pk, dataset, region, province, comune) → values in PLACE_FIELDS order, built column by column
    # (no Python step per row): the rows are unique by their place key, so are these keys.
    istat_codes = list(map(attrgetter("istat_code"), rows))
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = dict(
        zip(
            map(add, zip(project_pks, repeat(dataset)), map(_PLACE_CODES, rows)),
            zip(
                map(attrgetter("region_name"), rows),
                map(attrgetter("province_name"), rows),
                map(attrgetter("comune_name"), rows),
                istat_codes,
                map(comuni.get, istat_codes),  # None for a blank code too
                map(itemgetter(slice(200)), map(attrgetter("address"), rows)),
                map(attrgetter("cap"), rows),
                map(attrgetter("updated_on"), rows),
                strict=True,
            ),
            strict=True,
        )
    )
    key_fields = ["project_id", "dataset", "region_code", "province_code", "comune_code"]
    outcome, current = bulk.upsert(
        Place,
        key_fields=key_fields,
        fields=PLACE_FIELDS,
        wanted=wanted,
        existing=Place.objects.filter(dataset=dataset),
        progress=progress,
        phase="localizzazioni",
    )
    if replace and complete:
        touched = set(project_pks)
        stale = [pk for key, pk in current.items() if key[0] in touched and key not in wanted]
        for i in range(0, len(stale), BATCH):
            Place.objects.filter(pk__in=stale[i : i + BATCH]).delete()
        extra["localizzazioni_rimosse"] = len(stale)
    return outcome, extra


def _write_payments(
    rows: list[payments.PaymentRow | payments.MeasurePaymentRow],
    *,
    progress: Progress | None = None,
    **_: Any,
) -> tuple[Outcome, dict[str, int]]:
    """One snapshot per project per release date: the same release twice changes nothing. Rows with no
    project (measure-level payments) go to `MeasurePayment`, one per sub-measure per release date; they are
    counted with the others and, apart, as `pagamenti_a_livello_di_misura`."""
    project_rows: list[payments.PaymentRow] = []
    measure_rows: list[payments.MeasurePaymentRow] = []
    for r in rows:
        if isinstance(r, payments.PaymentRow):
            project_rows.append(r)
        else:
            measure_rows.append(r)
    outcome = Outcome()
    extra: dict[str, int] = {}
    if project_rows:
        project_pks, extra, created = _ensure_projects(
            project_rows, provenance=Provenance.UNIVERSE, funded=True
        )
        wanted = {(pk, r.extracted_on): r.values for r, pk in zip(project_rows, project_pks, strict=True)}
        dates = {r.extracted_on for r in project_rows}
        outcome, _existing = bulk.upsert(
            PaymentSnapshot,
            key_fields=["project_id", "release_date"],
            fields=PAYMENT_FIELDS,
            wanted=wanted,
            existing=PaymentSnapshot.objects.filter(release_date__in=dates),
            progress=progress,
            phase="pagamenti",
        )
        # The stubs just created have their funding already; the other universe projects are compared.
        funded = extra.pop("progetti_universo_finanziati_dai_pagamenti", 0)
        funded += _fund_universe_projects(set(project_pks) - created)
        if funded:
            extra["progetti_universo_finanziati_dai_pagamenti"] = funded
    if measure_rows:
        measure_outcome = _write_measure_payments(measure_rows)
        outcome.inserted += measure_outcome.inserted
        outcome.updated += measure_outcome.updated
        outcome.unchanged += measure_outcome.unchanged
        extra["pagamenti_a_livello_di_misura"] = len(measure_rows)
    return outcome, extra


def _fund_universe_projects(pks: set[int]) -> int:
    """A project known only from the universe (no validated row) has no funding of its own: it takes the
    funding (totale, PNRR) of its latest payments snapshot, so that what it was paid is measured against what
    it was granted. Validated projects keep the funding of the projects file. Returns how many changed.

    Both sides are read as the driver gives them, without the ORM's conversion to Decimal (a third of the
    payments import on SQLite): snapshot and project hold their amounts in columns of the same type, so the
    same amount reads back as the same value (SQLite: the same int or float; PostgreSQL: a Decimal), and a
    changed one is written back as read."""
    if not pks:
        return 0
    latest: dict[int, tuple[Any, Any]] = {}
    # Every snapshot in the order of the unique index (no join: a validated project among `pks` is left out
    # below, with the projects read).
    snapshots = PaymentSnapshot.objects.order_by("project_id", "release_date")
    for pid, fin, pnrr in bulk.values_list(snapshots, "project_id", "fin_totale", "fin_pnrr"):
        if pid in pks:
            latest[pid] = (fin, pnrr)
    universe = Project.objects.filter(provenance=Provenance.UNIVERSE)
    changed = [
        (*latest[pid], pid)
        for pid, fin, pnrr in bulk.values_list(universe, "pk", "fin_totale", "fin_pnrr")
        if pid in latest and latest[pid] != (fin, pnrr)
    ]
    bulk.update(Project, ["fin_totale", "fin_pnrr"], changed)
    return len(changed)


def _write_measure_payments(rows: list[payments.MeasurePaymentRow]) -> Outcome:
    sub_pks = _ensure_structure(r.structure for r in rows)
    wanted = {(sub_pks[r.structure.submeasure_code], r.extracted_on): r.values for r in rows}
    outcome, _existing = bulk.upsert(
        MeasurePayment,
        key_fields=["submeasure_id", "release_date"],
        fields=PAYMENT_FIELDS,
        wanted=wanted,
        existing=MeasurePayment.objects.filter(release_date__in={r.extracted_on for r in rows}),
    )
    return outcome


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


# The registry -----------------------------------------------------------------------------------------------

STRUCTURE_TABLES: tuple[type[Model], ...] = (PnrrMission, PnrrComponent, Measure, SubMeasure)
_PLACES = (Place, Project)  # a place's project may be a new stub or promoted
KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind(projects, _own_key, _write_projects, (Project, ImplementingBody)),
        FileKind(places_validated, _place_key, _write_places, _PLACES),
        FileKind(places_universe, _place_key, _write_places, _PLACES),
        FileKind(payments, _payment_key, _write_payments, (PaymentSnapshot, MeasurePayment, Project)),
        FileKind(financial_frame, _own_key, _write_frame),
        FileKind(milestones, _own_key, _write_milestones, (Milestone, Milestone.submeasures.through)),
        FileKind(lombardia, _lombardia_key, _write_lombardia, (Project, ImplementingBody, Place)),
    )
}
"""Every kind of file the import knows, by name; in this order a header is matched against them."""
_PARSERS = [kind.parser for kind in KINDS.values()]
