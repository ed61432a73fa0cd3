"""Writes of the monitoring app. Each function checks permission first, runs in one transaction and leaves
audit rows (core.audit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import can, ensure
from decimetro.core.tabular import Problem, TableError, parse_decimal, read_table
from decimetro.core.tasks import email_on_commit
from decimetro.monitoring.models import Indicator, IndicatorReminder, IndicatorValue, Polarity
from decimetro.monitoring.selectors import owners_due, today_local
from decimetro.monitoring.status import plain_decimal
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune

INDICATOR_FIELDS = [
    "code",
    "objective",
    "comune",
    "name",
    "unit",
    "source",
    "description",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "polarity",
    "frequency",
    "owner",
    "active",
]
VALUE_FIELDS = ["date", "value", "source", "note"]


def _snapshot(instance: Any, fields: list[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(instance, name)
        if name == "owner":
            value = value.get_username() if value is not None else None
        elif name == "comune":
            value = value.codice_istat if value is not None else None
        out[name] = value
    return out


# Indicators -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IndicatorData:
    code: str
    objective: Objective
    name: str
    unit: str
    source: str
    baseline_value: Decimal
    baseline_date: date
    target_value: Decimal
    target_date: date
    polarity: str = Polarity.HIGHER
    frequency: str = "yearly"
    owner: User | None = None
    comune: Comune | None = None
    description: str = ""


def _validate_definition(indicator: Indicator) -> None:
    """Field checks plus the rules across fields, with messages attached to the field concerned."""
    errors: dict[str, list[str]] = {}
    indicator.code = (indicator.code or "").strip().upper()
    if indicator.target_date <= indicator.baseline_date:
        errors.setdefault("target_date", []).append(
            _("La data dell'obiettivo deve essere successiva alla data del valore di partenza.")
        )
    if indicator.polarity == Polarity.HIGHER and indicator.target_value <= indicator.baseline_value:
        errors.setdefault("target_value", []).append(
            _("Se «più alto è meglio» il valore obiettivo deve essere maggiore del valore di partenza.")
        )
    if indicator.polarity == Polarity.LOWER and indicator.target_value >= indicator.baseline_value:
        errors.setdefault("target_value", []).append(
            _("Se «più basso è meglio» il valore obiettivo deve essere minore del valore di partenza.")
        )
    try:
        indicator.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def indicator_create(*, by: User, data: IndicatorData) -> Indicator:
    ensure(by, "indicator.manage")
    with transaction.atomic():
        indicator = Indicator(**{name: getattr(data, name) for name in data.__dataclass_fields__})
        _validate_definition(indicator)
        indicator.save()
        audit_record(
            by=by,
            action="monitoring.indicator.create",
            target=indicator,
            before=None,
            after=_snapshot(indicator, INDICATOR_FIELDS),
        )
    return indicator


def indicator_update(*, by: User, indicator: Indicator, data: IndicatorData) -> Indicator:
    ensure(by, "indicator.manage")
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = _snapshot(indicator, INDICATOR_FIELDS)
        for name in data.__dataclass_fields__:
            setattr(indicator, name, getattr(data, name))
        _validate_definition(indicator)
        after = _snapshot(indicator, INDICATOR_FIELDS)
        if after != before:
            indicator.save()
            audit_record(
                by=by, action="monitoring.indicator.update", target=indicator, before=before, after=after
            )
    return indicator


def indicator_deactivate(*, by: User, indicator: Indicator) -> Indicator:
    """An indicator is never deleted (its values are history): it is deactivated and leaves the lists."""
    ensure(by, "indicator.manage")
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        if indicator.active:
            indicator.active = False
            indicator.save(update_fields=["active", "updated_at"])
            audit_record(
                by=by,
                action="monitoring.indicator.deactivate",
                target=indicator,
                before={"active": True},
                after={"active": False},
            )
    return indicator


# Values -----------------------------------------------------------------------------------------------------


def _date_problem(indicator: Indicator, day: date, today: date) -> str | None:
    if day < indicator.baseline_date:
        return _("la data %(day)s è precedente alla data di partenza dell'indicatore (%(base)s)") % {
            "day": day.isoformat(),
            "base": indicator.baseline_date.isoformat(),
        }
    if day > today:
        return _("la data %(day)s è nel futuro") % {"day": day.isoformat()}
    return None


def indicator_value_record(
    *,
    by: User,
    indicator: Indicator,
    date: date,
    value: Decimal,
    source: str = "",
    note: str = "",
) -> IndicatorValue:
    """Record the value at a date; a value already recorded at that date is replaced (a correction, audited
    with its previous value)."""
    ensure(by, "indicator.record_value", indicator)
    problem = _date_problem(indicator, date, today_local())
    if problem:
        raise ValidationError({"date": [problem]})
    if not indicator.active:
        raise ValidationError(_("L'indicatore non è attivo."))
    with transaction.atomic():
        existing = IndicatorValue.objects.select_for_update().filter(indicator=indicator, date=date).first()
        before = _snapshot(existing, VALUE_FIELDS) if existing else None
        row = existing or IndicatorValue(indicator=indicator, date=date)
        row.value, row.source, row.note, row.entered_by = value, source.strip(), note.strip(), by
        row.full_clean(validate_constraints=False)
        row.save()
        audit_record(
            by=by,
            action="monitoring.value.update" if existing else "monitoring.value.record",
            target=row,
            before=before,
            after=_snapshot(row, VALUE_FIELDS),
        )
    return row


# CSV import -------------------------------------------------------------------------------------------------

CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 5_000
CSV_MAX_ERRORS = 50
# The columns (the vocabulary shared with the DUP import: `codice_<what>` for the row's key, `fonte`, `nota`),
# and the former names still read, so files written for earlier versions load.
CSV_REQUIRED = ("codice_indicatore", "data", "valore")
CSV_OPTIONAL = ("fonte", "nota")
CSV_ALIASES = {"indicatore": "codice_indicatore"}
# The template offered on the import page: the header and one example row.
CSV_EXAMPLE = ("MI-RD", "2025-12-31", "62,5", "ISPRA, Catasto rifiuti", "nota facoltativa")
VALUE_MAX = Decimal("1e14")


# A refused file: `.problems` lists each problem by line and column (core.tabular.TableError).
CsvImportError = TableError
# The problems core.tabular finds are worded its way, but for this one (rows shorter than the header are
# padded here, so a row of the wrong width always has too many fields).
_TABLE_MESSAGES = {"width": gettext_lazy("più campi dell'intestazione (separatore sbagliato?)")}


@dataclass
class CsvImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indicators: set[int] = field(default_factory=set)


def _parse_value(text: str, delimiter: str) -> Decimal | None:
    """A value: a comma decimal only in a `;`-separated file (in a `,` one, `1,5` may be a thousand and a
    half); at most 4 decimals, below 10^14."""
    try:
        value = parse_decimal(text, decimal_comma=delimiter == ";", max_places=4)
    except ValueError:
        return None
    return value if abs(value) < VALUE_MAX else None


def _parse_csv(
    *, by: User, name: str, content: bytes, today: date
) -> list[tuple[int, Indicator, date, Decimal, str, str]]:
    """All rows, checked; raises CsvImportError listing every problem found (up to CSV_MAX_ERRORS)."""
    table = read_table(
        content,
        name=name,
        required=CSV_REQUIRED,
        max_bytes=CSV_MAX_BYTES,
        max_rows=CSV_MAX_ROWS,
        strict=True,
        pad_short_rows=True,
        aliases=CSV_ALIASES,
        messages=_TABLE_MESSAGES,
    )
    problems: list[Problem] = list(table.problems)
    rows: list[tuple[int, Indicator, date, Decimal, str, str]] = []
    refs = {r["codice_indicatore"].upper() for r in table.rows if r["codice_indicatore"]}
    ids = {int(r) for r in refs if r.isdigit() and len(r) < 10}
    found = list(Indicator.objects.filter(code__in=refs) | Indicator.objects.filter(pk__in=ids))
    by_ref: dict[str, Indicator] = {str(ind.pk): ind for ind in found}
    by_ref.update({ind.code.upper(): ind for ind in found})  # a code wins over an id written the same
    seen: dict[tuple[int, date], int] = {}
    for raw in table.rows:
        line, ref = raw.line, raw["codice_indicatore"]
        indicator = by_ref.get(ref.upper())
        if not ref:
            problems.append(Problem(line, "codice_indicatore", _("valore mancante")))
        elif indicator is None:
            problems.append(
                Problem(line, "codice_indicatore", _("indicatore sconosciuto «%(ref)s»") % {"ref": ref})
            )
        elif not indicator.active:
            problems.append(
                Problem(line, "codice_indicatore", _("indicatore «%(ref)s» non attivo") % {"ref": ref})
            )
        elif not can(by, "indicator.record_value", indicator):
            problems.append(
                Problem(
                    line,
                    "codice_indicatore",
                    _("non è consentito registrare valori per «%(ref)s»") % {"ref": ref},
                )
            )
            indicator = None
        try:
            day = date.fromisoformat(raw["data"]) if len(raw["data"]) == 10 else None
        except ValueError:
            day = None
        if day is None:
            problems.append(
                Problem(line, "data", _("data non valida «%(v)s» (formato AAAA-MM-GG)") % {"v": raw["data"]})
            )
        value = _parse_value(raw["valore"], table.delimiter) if raw["valore"] else None
        if value is None:
            problems.append(Problem(line, "valore", _("numero non valido «%(v)s»") % {"v": raw["valore"]}))
        source, note = raw["fonte"], raw["nota"]
        if len(source) > 300:
            problems.append(Problem(line, "fonte", _("testo troppo lungo (massimo 300 caratteri)")))
        if indicator is None or day is None or value is None:
            continue
        problem = _date_problem(indicator, day, today)
        if problem:
            problems.append(Problem(line, "data", problem))
            continue
        first = seen.get((indicator.pk, day))
        if first is not None:
            problems.append(
                Problem(
                    line,
                    "data",
                    _(
                        "valore duplicato: l'indicatore %(code)s ha già un valore per il %(day)s "
                        "alla riga %(first)s"
                    )
                    % {"code": indicator.code, "day": day.isoformat(), "first": first},
                )
            )
            continue
        seen[(indicator.pk, day)] = line
        rows.append((line, indicator, day, value, source, note))
    if problems:
        raise CsvImportError(name, problems[:CSV_MAX_ERRORS])
    return rows


def indicator_values_import_csv(*, by: User, name: str, content: bytes) -> CsvImportResult:
    """Import values from a CSV file (columns: codice_indicatore = code or number, data, valore, fonte, nota).

    All or nothing: any problem (encoding, header, types, unknown or forbidden indicator, date before the
    baseline or in the future, the same indicator and date twice, a different value already recorded at that
    date) raises CsvImportError listing the problems by line and column, and nothing is written. A row equal
    to the value already recorded is left unchanged, so importing the same file twice is harmless."""
    ensure(by, "indicator.import_values")
    rows = _parse_csv(by=by, name=name, content=content, today=today_local())
    result = CsvImportResult()
    with transaction.atomic():
        existing = {
            (v.indicator_id, v.date): v
            for v in IndicatorValue.objects.select_for_update().filter(
                indicator__in={r[1].pk for r in rows}, date__in={r[2] for r in rows}
            )
        }
        conflicts = []
        for line, indicator, day, value, _source, _note in rows:
            old = existing.get((indicator.pk, day))
            if old is not None and old.value != value:
                conflicts.append(
                    Problem(
                        line,
                        "valore",
                        _(
                            "esiste già un valore diverso (%(old)s) per %(code)s al %(day)s: "
                            "correggerlo dalla pagina dell'indicatore"
                        )
                        % {"old": plain_decimal(old.value), "code": indicator.code, "day": day.isoformat()},
                    )
                )
        if conflicts:
            raise CsvImportError(name, conflicts[:CSV_MAX_ERRORS])
        for _line, indicator, day, value, source, note in rows:
            if (indicator.pk, day) in existing:
                result.unchanged += 1
                continue
            row = IndicatorValue.objects.create(
                indicator=indicator, date=day, value=value, source=source, note=note, entered_by=by
            )
            audit_record(
                by=by,
                action="monitoring.value.import",
                target=row,
                before=None,
                after=_snapshot(row, VALUE_FIELDS) | {"file": name},
            )
            result.created += 1
            result.indicators.add(indicator.pk)
    return result


# Reminders --------------------------------------------------------------------------------------------------


@dataclass
class RemindResult:
    emails: int = 0
    indicators: int = 0
    already_sent: int = 0
    no_email: list[str] = field(default_factory=list)


def indicator_reminders_send(*, today: date | None = None, base_url: str = "") -> RemindResult:
    """E-mail each owner of a due indicator (next value due on or before today and not recorded) once per due
    date: one e-mail per owner listing their indicators. Run by `manage.py monitoring_remind` (the system
    acts, so there is no permission to check); each reminder sent is recorded and audited."""
    today = today or today_local()
    base_url = (base_url or getattr(settings, "DECIMETRO_SITE_URL", "")).rstrip("/")
    result = RemindResult()
    groups = owners_due(today=today)
    sent = set(
        IndicatorReminder.objects.filter(
            indicator_id__in=[i.pk for items in groups.values() for i in items]
        ).values_list("indicator_id", "due_date")
    )
    for items in groups.values():
        owner = items[0].owner
        todo = [i for i in items if (i.pk, i.status.next_due) not in sent]  # type: ignore[attr-defined]
        result.already_sent += len(items) - len(todo)
        if not todo or owner is None or not owner.is_active:
            continue
        if not owner.email:
            result.no_email.append(owner.get_username())
            continue
        lines = [
            f"- {i.code} {i.name}: "
            + _("valore atteso dal %(due)s") % {"due": i.status.next_due.strftime("%d/%m/%Y")}  # type: ignore[attr-defined]
            + f" — {base_url}{reverse('backoffice:indicator_value_record', args=[i.pk])}"
            for i in todo
        ]
        body = "\n".join(
            [
                _("Buongiorno %(name)s,") % {"name": owner.get_full_name() or owner.get_username()},
                "",
                _("questi indicatori del Piano strategico di cui è responsabile attendono un nuovo valore:"),
                "",
                *lines,
                "",
                _("Può registrare il valore dalla pagina dell'indicatore o importarlo da un file CSV."),
                "",
                "Decimetro - Città metropolitana di Milano",
            ]
        )
        subject = ngettext(
            "Decimetro: %(n)s indicatore attende un valore",
            "Decimetro: %(n)s indicatori attendono un valore",
            len(todo),
        ) % {"n": len(todo)}
        with transaction.atomic():
            for ind in todo:
                reminder = IndicatorReminder.objects.create(
                    indicator=ind,
                    due_date=ind.status.next_due,  # type: ignore[attr-defined]
                    recipient=owner,
                    email=owner.email,
                )
                audit_record(
                    by=None,
                    by_label="monitoring_remind",
                    action="monitoring.reminder.send",
                    target=ind,
                    before=None,
                    after={"due_date": reminder.due_date, "email": owner.email},
                )
            email_on_commit(subject=subject, body=body, to=[owner.email])
        result.emails += 1
        result.indicators += len(todo)
    return result


def monitoring_remap_objectives(
    sender: Any = None, *, mapping: dict[int, int], **kwargs: Any
) -> dict[str, int]:
    """Receiver of `plan.signals.edition_published` (in its transaction): indicators follow their objective
    to the new edition."""
    moved = 0
    for old, new in mapping.items():
        moved += Indicator.objects.filter(objective_id=old).update(objective_id=new)
    return {"indicatori": moved}
