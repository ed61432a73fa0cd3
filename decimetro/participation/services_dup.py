"""Writes of the DUP alignment: a Comune (or the Ente) records its DUP strategic objectives, by hand or from a
CSV file, and links each to the plan objectives it serves. Only an editor/admin of that organisation (or the
Ente's staff) writes them; a Comune never touches another Comune's DUP."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from decimetro.core.audit import audit_record
from decimetro.core.models import Organisation
from decimetro.core.permissions import ensure
from decimetro.core.tabular import Problem, TableError, read_table
from decimetro.participation.models import DupObjective
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective

# The CSV columns, in the order of the template offered on the page (the vocabulary shared with the indicator
# import: `codice_<what>` for the row's key), and the former names still read, so older files load.
CSV_COLUMNS = ("codice_obiettivo", "titolo", "missione_dup", "anno_da", "anno_a", "obiettivi_piano")
CSV_REQUIRED = ("codice_obiettivo", "titolo", "anno_da", "anno_a")
CSV_ALIASES = {"codice": "codice_obiettivo"}
CSV_EXAMPLE = ("SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2")
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 2000
YEAR_MIN, YEAR_MAX = 2000, 2100
_CODE_SPLIT = re.compile(r"[\s,;|]+")


def _snapshot(d: DupObjective) -> dict[str, Any]:
    return {
        "code": d.code,
        "title": d.title,
        "description": d.description,
        "dup_mission": d.dup_mission,
        "year_from": d.year_from,
        "year_to": d.year_to,
        "plan_objectives": sorted(o.code for o in d.plan_objectives.all()) if d.pk else [],
    }


def _validate(
    *, organisation: Organisation, code: str, title: str, year_from: int, year_to: int, exclude_pk: int | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = [_("Il codice è obbligatorio.")]
    elif len(code.strip()) > 30:
        errors["code"] = [_("Il codice è lungo al massimo 30 caratteri.")]
    elif (
        DupObjective.objects.filter(organisation=organisation, code=code.strip())
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors["code"] = [
            _("Esiste già un obiettivo del DUP con il codice %(code)s.") % {"code": code.strip()}
        ]
    if not title.strip():
        errors["title"] = [_("Il titolo è obbligatorio.")]
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if not YEAR_MIN <= year <= YEAR_MAX:
            errors[name] = [_("Anno non valido: %(year)s.") % {"year": year}]
    if "year_from" not in errors and "year_to" not in errors and year_to < year_from:
        errors["year_to"] = [_("L'anno finale precede quello iniziale.")]
    return errors


def dup_objective_create(
    *,
    by: Any,
    organisation: Organisation,
    code: str,
    title: str,
    dup_mission: str = "",
    year_from: int,
    year_to: int,
    plan_objectives: Iterable[Objective] = (),
    description: str = "",
) -> DupObjective:
    ensure(by, "dup.write", organisation)
    errors = _validate(
        organisation=organisation,
        code=code,
        title=title,
        year_from=year_from,
        year_to=year_to,
        exclude_pk=None,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        d = DupObjective.objects.create(
            organisation=organisation,
            code=code.strip(),
            title=title.strip(),
            description=description.strip(),
            dup_mission=dup_mission.strip(),
            year_from=year_from,
            year_to=year_to,
        )
        d.plan_objectives.set(list(plan_objectives))
        audit_record(by=by, action="dup.create", target=d, before=None, after=_snapshot(d))
    return d


def dup_objective_update(
    *,
    by: Any,
    dup_objective: DupObjective,
    code: str,
    title: str,
    dup_mission: str = "",
    year_from: int,
    year_to: int,
    plan_objectives: Iterable[Objective] = (),
) -> DupObjective:
    ensure(by, "dup.write", dup_objective.organisation)
    errors = _validate(
        organisation=dup_objective.organisation,
        code=code,
        title=title,
        year_from=year_from,
        year_to=year_to,
        exclude_pk=dup_objective.pk,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        d = DupObjective.objects.select_for_update().get(pk=dup_objective.pk)
        before = _snapshot(d)
        d.code, d.title, d.dup_mission = code.strip(), title.strip(), dup_mission.strip()
        d.year_from, d.year_to = year_from, year_to
        d.save()
        d.plan_objectives.set(list(plan_objectives))
        audit_record(by=by, action="dup.update", target=d, before=before, after=_snapshot(d))
    return d


def dup_objective_delete(*, by: Any, dup_objective: DupObjective) -> None:
    ensure(by, "dup.write", dup_objective.organisation)
    with transaction.atomic():
        d = DupObjective.objects.get(pk=dup_objective.pk)
        audit_record(by=by, action="dup.delete", target=d, before=_snapshot(d), after=None)
        d.delete()


# CSV import -------------------------------------------------------------------------------------------------


# The wording of the file's problems on the DUP page (core.tabular finds them).
_TABLE_MESSAGES = {
    "too_big": _lazy("Il file supera 1 MB."),
    "encoding": _lazy("Il file non è in codifica UTF-8."),
    "empty": _lazy("Il file è vuoto."),
    "missing_columns": _lazy("Mancano le colonne: %(missing)s."),
    "unknown_columns": _lazy("Colonne sconosciute: %(unknown)s."),
    "csv": _lazy("CSV non valido: %(err)s"),
    "too_many_rows": _lazy("Troppe righe: al massimo %(max)s."),
    "width": _lazy("La riga ha %(got)d campi invece di %(want)d."),
    "no_rows": _lazy("Il file non contiene righe di dati."),
}


@dataclass
class DupCsvRow:
    line: int
    code: str
    title: str
    dup_mission: str
    year_from: int
    year_to: int
    objective_codes: list[str] = field(default_factory=list)


class DupCsvError(ValidationError):
    """The file was refused; `.problems` lists every problem found (line, column, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__([str(p) for p in problems])


@dataclass(frozen=True)
class DupImportResult:
    created: int
    updated: int


def parse_dup_csv(data: bytes, *, objectives_by_code: dict[str, Objective]) -> list[DupCsvRow]:
    """Read the whole file; raise DupCsvError listing all problems (nothing is written here). The file may
    be UTF-8 or Windows-1252 (Excel), separated by `,` or `;`."""
    try:
        table = read_table(
            data,
            name="",
            required=CSV_REQUIRED,
            allowed=CSV_COLUMNS,
            max_bytes=CSV_MAX_BYTES,
            max_rows=CSV_MAX_ROWS,
            aliases=CSV_ALIASES,
            messages=_TABLE_MESSAGES,
        )
    except TableError as exc:
        raise DupCsvError(exc.problems) from None
    problems: list[Problem] = list(table.problems)
    rows: list[DupCsvRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        line = row.line
        row_problems: list[Problem] = []
        for col in CSV_REQUIRED:
            if not row[col]:
                row_problems.append(Problem(line, col, _("Valore mancante.")))
        years: dict[str, int] = {}
        for col in ("anno_da", "anno_a"):
            raw = row[col]
            if raw:
                if raw.isdigit() and YEAR_MIN <= int(raw) <= YEAR_MAX:
                    years[col] = int(raw)
                else:
                    row_problems.append(
                        Problem(line, col, _("«%(value)s» non è un anno valido.") % {"value": raw})
                    )
        if len(years) == 2 and years["anno_a"] < years["anno_da"]:
            row_problems.append(Problem(line, "anno_a", _("L'anno finale precede quello iniziale.")))
        code = row["codice_obiettivo"]
        if len(code) > 30:
            row_problems.append(
                Problem(line, "codice_obiettivo", _("Il codice è lungo al massimo 30 caratteri."))
            )
        elif code and code in seen:
            row_problems.append(
                Problem(
                    line,
                    "codice_obiettivo",
                    _("Codice %(code)s ripetuto (già alla riga %(other)d).")
                    % {"code": code, "other": seen[code]},
                )
            )
        elif code:
            seen[code] = line
        if len(row["titolo"]) > 500:
            row_problems.append(Problem(line, "titolo", _("Il titolo è lungo al massimo 500 caratteri.")))
        codes = [c.upper() for c in _CODE_SPLIT.split(row["obiettivi_piano"]) if c]
        bad = [c for c in codes if c not in objectives_by_code]
        if bad:
            row_problems.append(
                Problem(
                    line,
                    "obiettivi_piano",
                    _("Codici di obiettivi del piano sconosciuti: %(codes)s.") % {"codes": ", ".join(bad)},
                )
            )
        if row_problems:
            problems.extend(row_problems)
            continue
        rows.append(
            DupCsvRow(
                line=line,
                code=code,
                title=row["titolo"],
                dup_mission=row["missione_dup"][:200],
                year_from=years["anno_da"],
                year_to=years["anno_a"],
                objective_codes=list(dict.fromkeys(codes)),
            )
        )
    if problems:
        raise DupCsvError(sorted(problems, key=lambda p: p.line))  # (a stable sort: the file's order)
    return rows


def dup_import_csv(*, by: Any, organisation: Organisation, data: bytes) -> DupImportResult:
    """Create or update (by code) the organisation's DUP objectives from a CSV; all or nothing."""
    ensure(by, "dup.write", organisation)
    edition = plan_sel.current_edition()
    objectives_by_code = (
        {o.code.upper(): o for o in Objective.objects.filter(edition=edition)} if edition else {}
    )
    rows = parse_dup_csv(data, objectives_by_code=objectives_by_code)
    created = updated = 0
    with transaction.atomic():
        existing = {
            d.code: d
            for d in DupObjective.objects.select_for_update()
            .filter(organisation=organisation)
            .prefetch_related("plan_objectives")
        }
        for row in rows:
            d = existing.get(row.code)
            before = _snapshot(d) if d is not None else None
            if d is None:
                d = DupObjective(organisation=organisation, code=row.code)
                created += 1
            else:
                updated += 1
            d.title, d.dup_mission = row.title, row.dup_mission
            d.year_from, d.year_to = row.year_from, row.year_to
            d.save()
            d.plan_objectives.set([objectives_by_code[c] for c in row.objective_codes])
            after = {**_snapshot(d), "plan_objectives": sorted(row.objective_codes)}
            audit_record(
                by=by, action="dup.import" if before else "dup.create", target=d, before=before, after=after
            )
    return DupImportResult(created=created, updated=updated)


def dup_remap_objectives(sender: Any = None, *, mapping: dict[int, int], **kwargs: Any) -> dict[str, int]:
    """Receiver of `plan.signals.edition_published` (in its transaction): DUP objectives refer to the
    plan by the map; one referring to two old objectives mapped to one new keeps one reference."""
    through = DupObjective.plan_objectives.through
    moved = 0
    for old, new in mapping.items():
        already = through.objects.filter(objective_id=new).values("dupobjective_id")
        through.objects.filter(objective_id=old, dupobjective_id__in=already).delete()
        moved += through.objects.filter(objective_id=old).update(objective_id=new)
    return {"riferimenti DUP": moved}
