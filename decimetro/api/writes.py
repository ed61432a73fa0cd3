"""The write API for other systems (issue 17): a comune's or the Ente's software sends its DUP objectives, its
indicator values and its field verifications with the organisation's token (`api.auth.TokenAuth`).

Each endpoint calls the same service the web form calls, with the token's account as `by`: the same
permission check (asked first, before the payload is looked at, so a token outside its scope learns nothing
from a 422), the same validation, one transaction with its audit row — which names the token. Answers:
201 with what was written; 401 no or bad token; 403 outside the organisation's rights; 404 unknown target;
422 invalid data (Italian messages, one per field; nothing written); 429 too many requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from decimetro.api.auth import TokenAuth, token_of
from decimetro.api.errors import MAX_ID, ErrorOut, ValidationErrorOut
from decimetro.core.permissions import ensure
from decimetro.monitoring.models import Indicator
from decimetro.monitoring.services import VALUE_MAX, indicator_value_record
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.models import DupObjective, GroundStatus
from decimetro.participation.services_dup import dup_objective_create
from decimetro.participation.services_verification import report_create
from decimetro.plan import selectors as plan_sel
from decimetro.pnrr.models import Project

router = Router(auth=TokenAuth())

WRITE_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def _responses(ok: Any) -> dict[int, Any]:
    return {201: ok, **WRITE_ERRORS}


# DUP objectives ---------------------------------------------------------------------------------------------


class DupObjectiveIn(Schema):
    title: str = Field(..., min_length=1, max_length=500, description="Titolo dell'obiettivo del DUP")
    objectives: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Codici degli obiettivi del Piano strategico serviti (per esempio M2.05)",
    )
    description: str = Field("", max_length=5000, description="Descrizione (facoltativa)")
    code: str | None = Field(
        None, max_length=30, description="Codice nel DUP (facoltativo: altrimenti API-1, API-2, …)"
    )
    dup_mission: str = Field("", max_length=200, description="Missione del DUP (facoltativa)")
    year_from: int | None = Field(None, description="Primo anno (facoltativo: l'anno in corso)")
    year_to: int | None = Field(None, description="Ultimo anno (facoltativo: due anni dopo il primo)")


class DupObjectiveOut(Schema):
    id: int
    code: str
    title: str
    description: str
    objectives: list[str]
    year_from: int
    year_to: int
    url: str


def _next_api_code(organisation: Any) -> str:
    taken = set(DupObjective.objects.filter(organisation=organisation).values_list("code", flat=True))
    n = 1
    while f"API-{n}" in taken:
        n += 1
    return f"API-{n}"


@router.post(
    "/participation/dup/{codice_istat}/objectives",
    response=_responses(DupObjectiveOut),
    summary="Registra un obiettivo del DUP di un comune (o dell'Ente: `ente`)",
    description=(
        "Con il token del comune (o dell'Ente). `objectives`: codici degli obiettivi del Piano strategico "
        "dell'edizione in vigore; un codice sconosciuto → 422 che lo nomina, niente scritto. Lo stesso "
        "servizio e gli stessi controlli del modulo «DUP» del sito."
    ),
)
def dup_objective_post(request: HttpRequest, codice_istat: str, payload: DupObjectiveIn) -> Any:
    user = token_of(request).user
    organisation = dup_sel.dup_organisation(codice_istat)
    if organisation is None:
        raise Http404(
            _("Comune non trovato (o senza organizzazione in Decimetro): %(c)s.") % {"c": codice_istat}
        )
    ensure(user, "dup.write", organisation)  # permission first
    codes = list(dict.fromkeys(c.strip().upper() for c in payload.objectives if c.strip()))
    found = {
        o.code: o for o in plan_sel.objectives_for(plan_sel.current_edition_or_404()).filter(code__in=codes)
    }
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(
            {"objectives": [_("Obiettivi del Piano sconosciuti: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    year_from = payload.year_from or timezone.localdate().year
    year_to = payload.year_to or year_from + 2
    with transaction.atomic():
        code = (payload.code or "").strip() or _next_api_code(organisation)
        d = dup_objective_create(
            by=user,
            organisation=organisation,
            code=code,
            title=payload.title,
            description=payload.description,
            dup_mission=payload.dup_mission,
            year_from=year_from,
            year_to=year_to,
            plan_objectives=[found[c] for c in codes],
        )
    return Status(
        201,
        {
            "id": d.pk,
            "code": d.code,
            "title": d.title,
            "description": d.description,
            "objectives": codes,
            "year_from": d.year_from,
            "year_to": d.year_to,
            "url": request.build_absolute_uri(
                reverse("public:dup_detail", args=[dup_sel.dup_key(organisation)])
            ),
        },
    )


# Indicator values -------------------------------------------------------------------------------------------


class IndicatorValueIn(Schema):
    date: dt.date = Field(..., description="Data del valore (AAAA-MM-GG)")
    value: Decimal = Field(..., description="Valore, con il punto come separatore decimale")
    source: str = Field("", max_length=300, description="Fonte (facoltativa)")
    note: str = Field("", max_length=2000, description="Nota (facoltativa)")


class IndicatorValueOut(Schema):
    indicator: int
    date: dt.date
    value: Decimal
    source: str
    note: str
    url: str


@router.post(
    "/monitoring/indicators/{indicator_id}/values",
    response=_responses(IndicatorValueOut),
    summary="Registra il valore di un indicatore a una data",
    description=(
        "Con il token dell'organizzazione responsabile dell'indicatore (o dell'Ente). Un valore già "
        "registrato alla stessa data è sostituito (correzione, registrata nel registro delle modifiche)."
    ),
)
def indicator_value_post(
    request: HttpRequest,
    payload: IndicatorValueIn,
    indicator_id: int = Path(..., ge=1, le=MAX_ID),  # type: ignore[type-arg]
) -> Any:
    user = token_of(request).user
    indicator = get_object_or_404(Indicator, pk=indicator_id)
    ensure(user, "indicator.record_value", indicator)  # permission first
    if not payload.value.is_finite() or abs(payload.value) >= VALUE_MAX:
        raise ValidationError({"value": [_("Valore fuori dall'intervallo ammesso.")]})
    row = indicator_value_record(
        by=user,
        indicator=indicator,
        date=payload.date,
        value=payload.value,
        source=payload.source,
        note=payload.note,
    )
    return Status(
        201,
        {
            "indicator": indicator.pk,
            "date": row.date,
            "value": row.value,
            "source": row.source,
            "note": row.note,
            "url": request.build_absolute_uri(reverse("public:indicator", args=[indicator.pk])),
        },
    )


# Field verifications ----------------------------------------------------------------------------------------


class VerificationIn(Schema):
    status: Literal["not_started", "in_progress", "completed", "problem"] = Field(
        ..., description="Stato osservato: " + ", ".join(f"{v} ({lbl})" for v, lbl in GroundStatus.choices)
    )
    seen_on: dt.date = Field(..., description="Data del sopralluogo (AAAA-MM-GG)")
    note: str = Field(..., min_length=1, max_length=5000, description="Che cosa si è visto")


class VerificationOut(Schema):
    id: int
    project: int
    status: str
    seen_on: dt.date
    note: str
    url: str


@router.post(
    "/projects/{project_id}/verifications",
    response=_responses(VerificationOut),
    summary="Registra una verifica sul campo di un progetto PNRR",
    description=(
        "Con il token di un'organizzazione (i suoi redattori possono inviare verifiche). Senza foto: le foto "
        "si allegano dal sito."
    ),
)
def verification_post(
    request: HttpRequest,
    payload: VerificationIn,
    project_id: int = Path(..., ge=1, le=MAX_ID),  # type: ignore[type-arg]
) -> Any:
    user = token_of(request).user
    ensure(user, "verification.file")  # permission first
    project = get_object_or_404(Project, pk=project_id)
    report = report_create(
        by=user, project=project, status=payload.status, seen_on=payload.seen_on, note=payload.note
    )
    return Status(
        201,
        {
            "id": report.pk,
            "project": project.pk,
            "status": report.status,
            "seen_on": report.seen_on,
            "note": report.note,
            "url": request.build_absolute_uri(reverse("public:project", args=[project.pk])),
        },
    )
