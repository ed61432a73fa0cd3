from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from decimetro.api.errors import responses
from decimetro.insights.definitions import FIGURES
from decimetro.insights.summary import ObjectiveProgress, objectives_progress
from decimetro.plan import selectors
from decimetro.plan.models import Edition
from decimetro.pnrr.credits import PNRR

router = Router()


class ActorsOut(Schema):
    citta_metropolitana: bool
    comuni: bool
    corpi_intermedi: bool


class MissionOut(Schema):
    code: str
    title: str
    keywords: list[str]


class ComponentOut(Schema):
    code: str
    title: str
    mission: str
    actors: ActorsOut


class ProgressOut(Schema):
    projects: int = Field(description=str(FIGURES["projects"].definition))
    fin_totale: Decimal = Field(description=str(FIGURES["fin_totale"].definition))
    fin_pnrr: Decimal = Field(description=str(FIGURES["fin_pnrr"].definition))
    paid: Decimal = Field(description=str(FIGURES["paid"].definition))
    progress_pct: float | None = Field(description=str(FIGURES["progress_pct"].definition))
    links_confirmed: int = Field(description="Collegamenti confermati (uno per uno o per regola)")
    links_by_rule: int = Field(description="Di cui confermati per regola (misura → obiettivo approvata)")
    suggestions_pending: int = Field(description="Suggerimenti in revisione: mai sommati nelle cifre")


class ObjectiveOut(Schema):
    code: str
    mission: str
    number: int
    title: str
    actors: ActorsOut
    progress: ProgressOut


def _progress(p: ObjectiveProgress) -> ProgressOut:
    t = p.totals
    return ProgressOut(
        projects=t.projects,
        fin_totale=t.funded,
        fin_pnrr=t.funded_pnrr,
        paid=t.paid,
        progress_pct=t.paid_share,
        links_confirmed=p.links_confirmed,
        links_by_rule=p.links_by_rule,
        suggestions_pending=p.suggestions_pending,
    )


def _edition() -> Edition:
    edition = selectors.current_edition()
    if edition is None:
        raise HttpError(404, "Nessuna edizione del piano caricata")
    return edition


@router.get(
    "/missions",
    response=responses(list[MissionOut], 404),
    summary="Missioni del piano con le parole chiave della visione",
)
def list_missions(request: HttpRequest) -> list[MissionOut]:
    return [
        MissionOut(code=m.code, title=m.title, keywords=[k.slug for k in m.keywords.all()])
        for m in selectors.missions_for(_edition())
    ]


@router.get(
    "/components",
    response=responses(list[ComponentOut], 404),
    summary="Componenti PNRR con la matrice degli attori",
)
def list_components(request: HttpRequest) -> list[ComponentOut]:
    return [
        ComponentOut(code=c.code, title=c.title, mission=c.mission.code, actors=ActorsOut(**c.actors))
        for c in selectors.components_for(_edition())
    ]


@router.get(
    "/objectives",
    response=responses(list[ObjectiveOut], 404, 422),
    summary="Obiettivi strategici, filtrabili, con l'avanzamento dei progetti confermati",
    description=(
        "`progress`: le cifre della pagina dell'obiettivo. Nelle somme contano solo i progetti con un "
        "collegamento confermato (uno per uno o per regola); i suggerimenti in revisione sono solo contati "
        "(`suggestions_pending`). Importi in euro con due decimali, attribuiti ai comuni del territorio con "
        "la regola predefinita; `progress_pct` è il pagato sul finanziato (%). " + str(PNRR)
    ),
)
def list_objectives(
    request: HttpRequest,
    mission: str | None = None,
    actor: Literal["citta_metropolitana", "comuni", "corpi_intermedi"] | None = None,
    keyword: str | None = None,
) -> list[ObjectiveOut]:
    objectives = list(selectors.objectives_for(_edition(), mission=mission, actor=actor, keyword=keyword))
    progress = objectives_progress(objectives)
    return [
        ObjectiveOut(
            code=o.code,
            mission=o.mission.code,
            number=o.number,
            title=o.title,
            actors=ActorsOut(**o.actors),
            progress=_progress(progress[o.pk]),
        )
        for o in objectives
    ]
