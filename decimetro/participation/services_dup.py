"""Writes of the DUP alignment: a Comune (or the Ente) records its DUP strategic objectives, by hand or from a
CSV file, and links each to the plan objectives it serves. Only an editor/admin of that organisation (or the
Ente's staff) writes them; a Comune never touches another Comune's DUP."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from decimetro.core.audit import audit_record
from decimetro.core.csv_input import line_of_byte, sniff_delimiter
from decimetro.core.models import Organisation, OrganisationKind
from decimetro.core.permissions import can_write_for_organisation
from decimetro.participation.models import DupObjective
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective

# The CSV columns, in the order of the template offered on the page.
CSV_COLUMNS = ("codice", "titolo", "missione_dup", "anno_da", "anno_a", "obiettivi_piano")
CSV_REQUIRED = ("codice", "titolo", "anno_da", "anno_a")
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 2000
YEAR_MIN, YEAR_MAX = 2000, 2100
_CODE_SPLIT = re.compile(r"[\s,;|]+")


def ensure_can_write_dup(user: Any, organisation: Organisation) -> None:
    if organisation.kind not in (
        OrganisationKind.COMUNE,
        OrganisationKind.ENTE,
    ) or not can_write_for_organisation(user, organisation):
        raise PermissionDenied(_("Non puoi modificare il DUP di questa organizzazione."))


def _snapshot(d: DupObjective) -> dict[str, Any]:
    return {
        "code": d.code,
        "title": d.title,
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
) -> DupObjective:
    ensure_can_write_dup(by, organisation)
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
    ensure_can_write_dup(by, dup_objective.organisation)
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
    ensure_can_write_dup(by, dup_objective.organisation)
    with transaction.atomic():
        d = DupObjective.objects.get(pk=dup_objective.pk)
        audit_record(by=by, action="dup.delete", target=d, before=_snapshot(d), after=None)
        d.delete()


# CSV import -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("riga %(line)d") % {"line": self.line}
        if self.column:
            where += ", " + _("colonna «%(column)s»") % {"column": self.column}
        return f"{where}: {self.message}"


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

    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems
        super().__init__([str(p) for p in problems])


@dataclass(frozen=True)
class DupImportResult:
    created: int
    updated: int


def parse_dup_csv(data: bytes, *, objectives_by_code: dict[str, Objective]) -> list[DupCsvRow]:
    """Read the whole file; raise DupCsvError listing all problems (nothing is written here)."""
    if len(data) > CSV_MAX_BYTES:
        raise DupCsvError([CsvProblem(0, "", _("Il file supera 1 MB."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = line_of_byte(data, exc.start)
        raise DupCsvError([CsvProblem(line, "", _("Il file non è in codifica UTF-8."))]) from None
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DupCsvError([CsvProblem(1, "", _("Il file è vuoto."))]) from None
    problems: list[CsvProblem] = []
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if missing:
        problems.append(CsvProblem(1, "", _("Mancano le colonne: %(cols)s.") % {"cols": ", ".join(missing)}))
    if unknown:
        problems.append(CsvProblem(1, "", _("Colonne sconosciute: %(cols)s.") % {"cols": ", ".join(unknown)}))
    if problems:
        raise DupCsvError(problems)
    rows: list[DupCsvRow] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                problems.append(
                    CsvProblem(line, "", _("Troppe righe: al massimo %(n)d.") % {"n": CSV_MAX_ROWS})
                )
                break
            if len(record) != len(header):
                problems.append(
                    CsvProblem(
                        line,
                        "",
                        _("La riga ha %(got)d campi invece di %(want)d.")
                        % {"got": len(record), "want": len(header)},
                    )
                )
                continue
            values = {h: cell.strip() for h, cell in zip(header, record, strict=True)}
            row_problems: list[CsvProblem] = []
            for col in CSV_REQUIRED:
                if not values.get(col):
                    row_problems.append(CsvProblem(line, col, _("Valore mancante.")))
            years: dict[str, int] = {}
            for col in ("anno_da", "anno_a"):
                raw = values.get(col, "")
                if raw:
                    if raw.isdigit() and YEAR_MIN <= int(raw) <= YEAR_MAX:
                        years[col] = int(raw)
                    else:
                        row_problems.append(
                            CsvProblem(line, col, _("«%(value)s» non è un anno valido.") % {"value": raw})
                        )
            if len(years) == 2 and years["anno_a"] < years["anno_da"]:
                row_problems.append(CsvProblem(line, "anno_a", _("L'anno finale precede quello iniziale.")))
            code = values.get("codice", "")
            if len(code) > 30:
                row_problems.append(
                    CsvProblem(line, "codice", _("Il codice è lungo al massimo 30 caratteri."))
                )
            elif code and code in seen:
                row_problems.append(
                    CsvProblem(
                        line,
                        "codice",
                        _("Codice %(code)s ripetuto (già alla riga %(other)d).")
                        % {"code": code, "other": seen[code]},
                    )
                )
            elif code:
                seen[code] = line
            if len(values.get("titolo", "")) > 500:
                row_problems.append(
                    CsvProblem(line, "titolo", _("Il titolo è lungo al massimo 500 caratteri."))
                )
            codes = [c.upper() for c in _CODE_SPLIT.split(values.get("obiettivi_piano", "")) if c]
            bad = [c for c in codes if c not in objectives_by_code]
            if bad:
                row_problems.append(
                    CsvProblem(
                        line,
                        "obiettivi_piano",
                        _("Codici di obiettivi del piano sconosciuti: %(codes)s.")
                        % {"codes": ", ".join(bad)},
                    )
                )
            if row_problems:
                problems.extend(row_problems)
                continue
            rows.append(
                DupCsvRow(
                    line=line,
                    code=code,
                    title=values["titolo"],
                    dup_mission=values.get("missione_dup", "")[:200],
                    year_from=years["anno_da"],
                    year_to=years["anno_a"],
                    objective_codes=list(dict.fromkeys(codes)),
                )
            )
    except csv.Error as exc:
        problems.append(CsvProblem(reader.line_num, "", _("CSV non valido: %(err)s") % {"err": exc}))
    if problems:
        raise DupCsvError(problems)
    if not rows:
        raise DupCsvError([CsvProblem(2, "", _("Il file non contiene righe di dati."))])
    return rows


def dup_import_csv(*, by: Any, organisation: Organisation, data: bytes) -> DupImportResult:
    """Create or update (by code) the organisation's DUP objectives from a CSV; all or nothing."""
    ensure_can_write_dup(by, organisation)
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
