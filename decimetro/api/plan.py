from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from decimetro.plan import selectors
from decimetro.plan.models import Edition

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


class ObjectiveOut(Schema):
    code: str
    mission: str
    number: int
    title: str
    actors: ActorsOut


def _edition() -> Edition:
    edition = selectors.current_edition()
    if edition is None:
        raise HttpError(404, "Nessuna edizione del piano caricata")
    return edition


@router.get(
    "/missions", response=list[MissionOut], summary="Missioni del piano con le parole chiave della visione"
)
def list_missions(request: HttpRequest) -> list[MissionOut]:
    return [
        MissionOut(code=m.code, title=m.title, keywords=[k.slug for k in m.keywords.all()])
        for m in selectors.missions_for(_edition())
    ]


@router.get("/components", response=list[ComponentOut], summary="Componenti PNRR con la matrice degli attori")
def list_components(request: HttpRequest) -> list[ComponentOut]:
    return [
        ComponentOut(code=c.code, title=c.title, mission=c.mission.code, actors=ActorsOut(**c.actors))
        for c in selectors.components_for(_edition())
    ]


@router.get("/objectives", response=list[ObjectiveOut], summary="Obiettivi strategici, filtrabili")
def list_objectives(
    request: HttpRequest,
    mission: str | None = None,
    actor: Literal["citta_metropolitana", "comuni", "corpi_intermedi"] | None = None,
    keyword: str | None = None,
) -> list[ObjectiveOut]:
    return [
        ObjectiveOut(
            code=o.code, mission=o.mission.code, number=o.number, title=o.title, actors=ActorsOut(**o.actors)
        )
        for o in selectors.objectives_for(_edition(), mission=mission, actor=actor, keyword=keyword)
    ]
