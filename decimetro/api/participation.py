"""API routes of the participation app (registered in decimetro/api/main.py): read only, public data only.

Consultations with their *published* observations and the Ente's answers (pending or hidden observations never
appear, not even in the counts), and the DUP coverage of the plan objectives across the comuni.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from decimetro.api.errors import MAX_ID, responses
from decimetro.participation import selectors_consultations as cons_sel
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.credits import DUP_REGISTERED
from decimetro.participation.models import Consultation, Observation
from decimetro.plan import selectors as plan_sel

router = Router()

State = Literal["scheduled", "open", "closed"]


class SubjectOut(Schema):
    kind: Literal["objective", "mission", "project"]
    code: str
    title: str


class ConsultationOut(Schema):
    id: int
    title: str
    subject: SubjectOut
    opens_on: date
    closes_on: date
    closed_early_at: datetime | None
    state: State
    is_open: bool
    published_observations: int
    url: str


class ObservationOut(Schema):
    id: int
    organisation: str
    organisation_kind: Literal["ente", "comune", "body"]
    text: str
    proposal_kind: str
    proposal: str
    submitted_at: datetime
    attachment_url: str | None
    answer: str | None
    answered_at: datetime | None


class ConsultationDetailOut(ConsultationOut):
    text: str
    observations: list[ObservationOut]


class CoverageOut(Schema):
    objective: str
    title: str
    mission: str
    comuni_count: int
    comuni: list[str]
    ente_covers: bool


class CoverageListOut(Schema):
    edition: str
    comuni_covering_any: int
    items: list[CoverageOut]


def _subject(c: Consultation) -> dict[str, str]:
    if c.objective is not None:
        return {"kind": "objective", "code": c.objective.code, "title": c.objective.title}
    if c.mission is not None:
        return {"kind": "mission", "code": c.mission.code, "title": c.mission.title}
    project = c.project
    assert project is not None  # a check constraint: exactly one subject
    return {"kind": "project", "code": project.cup, "title": project.title}


def _consultation(c: Consultation, today: date) -> dict[str, Any]:
    state = c.state_on(today)
    return {
        "id": c.pk,
        "title": c.title,
        "subject": _subject(c),
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "closed_early_at": c.closed_at,
        "state": state,
        "is_open": state == "open",
        "published_observations": c.published_count,  # type: ignore[attr-defined]
        "url": reverse("public:consultation", args=[c.pk]),
    }


def _observation(o: Observation) -> dict[str, Any]:
    return {
        "id": o.pk,
        "organisation": o.organisation.name,
        "organisation_kind": o.organisation.kind,
        "text": o.text,
        "proposal_kind": o.proposal_kind,
        "proposal": o.proposal,
        "submitted_at": o.created_at,
        "attachment_url": reverse("public:observation_attachment", args=[o.pk]) if o.attachment else None,
        "answer": o.answer or None,
        "answered_at": o.answered_at if o.answer else None,
    }


@router.get(
    "/consultations",
    response=list[ConsultationOut],
    summary="Consultazioni dell'Ente, con il numero di osservazioni pubblicate",
    description=(
        "Tutte le consultazioni (programmate, aperte e chiuse), dalla più recente. `state`: scheduled, "
        "open o closed alla data di oggi; `published_observations` conta solo le osservazioni pubblicate "
        "dopo la moderazione."
    ),
)
def list_consultations(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [_consultation(c, today) for c in cons_sel.consultations_public()]


@router.get(
    "/consultations/{consultation_id}",
    response=responses(ConsultationDetailOut, 404, 422),
    summary="Una consultazione con le osservazioni pubblicate e le risposte dell'Ente",
    description=(
        "Solo le osservazioni pubblicate: quelle in attesa di moderazione o nascoste non compaiono mai. "
        "404 se la consultazione non esiste; un id che non è un intero positivo: 422."
    ),
)
def get_consultation(
    request: HttpRequest,
    consultation_id: int = Path(..., ge=1, le=MAX_ID),  # type: ignore[type-arg]
) -> dict[str, Any]:
    c = cons_sel.consultation_public_detail().filter(pk=consultation_id).first()
    if c is None:
        raise Http404("Consultazione non trovata")
    return {
        **_consultation(c, timezone.localdate()),
        "text": c.text,
        "observations": [_observation(o) for o in c.published_observations],  # type: ignore[attr-defined]
    }


@router.get(
    "/dup/coverage",
    response=responses(CoverageListOut, 404),
    summary="Copertura degli obiettivi del piano nei DUP dei comuni",
    description=(
        "Per ogni obiettivo del piano: quanti comuni lo servono con un obiettivo strategico del proprio DUP "
        "(`comuni_count`), i loro codici ISTAT (`comuni`) e se lo serve il DUP dell'Ente (`ente_covers`). "
        f"Fonte: {DUP_REGISTERED}."
    ),
)
def dup_coverage(request: HttpRequest) -> dict[str, Any]:
    edition = plan_sel.current_edition()
    if edition is None:
        raise HttpError(404, "Nessuna edizione del piano caricata")
    items = []
    with_dup: set[str] = set()
    for o in dup_sel.territory_coverage(edition):
        codes = sorted({d.organisation.comune.codice_istat for d in o.comune_dups})  # type: ignore[attr-defined]
        with_dup.update(codes)
        items.append(
            {
                "objective": o.code,
                "title": o.title,
                "mission": o.mission.code,
                "comuni_count": len(codes),
                "comuni": codes,
                "ente_covers": bool(o.ente_covers),  # type: ignore[attr-defined]
            }
        )
    return {"edition": edition.slug, "comuni_covering_any": len(with_dup), "items": items}
