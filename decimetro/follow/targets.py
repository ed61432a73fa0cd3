"""What can be followed: a kind and a public key → the object, its Italian name, its page, and the projects,
links and consultations a digest about it covers (querysets, evaluated by the caller)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _t

from decimetro.follow.models import FollowKind
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Mission, Objective
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import ImplementingBody, Measure, Place, Project
from decimetro.territory.models import Comune, Zone


@dataclass(frozen=True)
class Target:
    kind: str
    key: str
    obj: Any

    @property
    def label(self) -> str:
        o = self.obj
        if self.kind == FollowKind.COMUNE:
            return _t("Comune di %(name)s") % {"name": o.name}
        if self.kind == FollowKind.ZONE:
            return _t("Zona %(name)s") % {"name": o.name}
        if self.kind == FollowKind.OBJECTIVE:
            return _t("Obiettivo %(code)s – %(title)s") % {"code": o.code, "title": o.title}  # noqa: RUF001
        if self.kind == FollowKind.MISSION:
            return _t("Missione %(code)s – %(title)s") % {"code": o.code, "title": o.title}  # noqa: RUF001
        if self.kind == FollowKind.MEASURE:
            return _t("Misura PNRR %(code)s – %(name)s") % {"code": o.code, "name": o.name}  # noqa: RUF001
        return _t("Soggetto attuatore %(name)s") % {"name": o.name}

    @property
    def path(self) -> str:
        return path_of(self.kind, self.key)

    def _objectives(self) -> QuerySet[Objective] | None:
        if self.kind == FollowKind.OBJECTIVE:
            return Objective.objects.filter(pk=self.obj.pk)
        if self.kind == FollowKind.MISSION:
            return Objective.objects.filter(mission=self.obj)
        return None

    def projects(self) -> QuerySet[Project]:
        """The projects of the target: located in the comune or zone (own places), of the measure or the
        body, or confirmed for the objective (the mission's objectives)."""
        objectives = self._objectives()
        if objectives is not None:
            linked = ProjectObjectiveLink.objects.filter(
                objective__in=objectives, status=LinkStatus.CONFIRMED
            ).values("project_id")
            return Project.objects.filter(pk__in=linked)
        places = self.places()
        if places is not None:
            return Project.objects.filter(pk__in=places.values("project_id"))
        if self.kind == FollowKind.MEASURE:
            return Project.objects.filter(submeasure__measure=self.obj)
        return Project.objects.filter(implementing_body=self.obj)

    def places(self) -> QuerySet[Place] | None:
        """For a comune or a zone: its places (own dataset), whose growing ids tell when a project arrived
        there (a project may come first without places, and its places with a later file)."""
        if self.kind == FollowKind.COMUNE:
            return Place.objects.filter(pnrr_sel.own_places(), comune=self.obj)
        if self.kind == FollowKind.ZONE:
            return Place.objects.filter(pnrr_sel.own_places(), comune__zone=self.obj)
        return None

    def links(self) -> QuerySet[ProjectObjectiveLink]:
        """The confirmed links that concern the target (its objectives, or its projects)."""
        confirmed = ProjectObjectiveLink.objects.filter(status=LinkStatus.CONFIRMED)
        objectives = self._objectives()
        if objectives is not None:
            return confirmed.filter(objective__in=objectives)
        return confirmed.filter(project__in=self.projects())

    def consultations(self) -> Q:
        """The filter of the consultations about the target (for Consultation querysets)."""
        if self.kind == FollowKind.OBJECTIVE:
            return Q(objective=self.obj)
        if self.kind == FollowKind.MISSION:
            return Q(mission=self.obj) | Q(objective__mission=self.obj)
        return Q(project__in=self.projects())


_PAGES = {
    FollowKind.COMUNE: "public:comune",
    FollowKind.ZONE: "public:zone",
    FollowKind.OBJECTIVE: "public:objective",
    FollowKind.MISSION: "public:mission",
    FollowKind.MEASURE: "public:measure",
    FollowKind.BODY: "public:body",
}


def path_of(kind: str, key: str) -> str:
    """The public page of a followed target (no query)."""
    return reverse(_PAGES[FollowKind(kind)], args=[int(key) if kind == FollowKind.BODY else key])


def resolve(kind: str, key: str) -> Target | None:
    """The target named by `kind` and `key`, or None (unknown kind, absent object)."""
    key = (key or "").strip()
    if kind not in FollowKind.values or not key or len(key) > 40:
        return None
    obj: Any = None
    if kind == FollowKind.COMUNE:
        obj = Comune.objects.filter(codice_istat=key).first()
    elif kind == FollowKind.ZONE:
        obj = Zone.objects.filter(slug=key).first()
    elif kind in (FollowKind.OBJECTIVE, FollowKind.MISSION):
        edition = plan_sel.current_edition()
        model = Objective if kind == FollowKind.OBJECTIVE else Mission
        key = key.upper()
        obj = model.objects.filter(edition=edition, code=key).first() if edition else None
    elif kind == FollowKind.MEASURE:
        obj = Measure.objects.filter(code=key).first()
    elif kind == FollowKind.BODY and key.isdigit():
        obj = ImplementingBody.objects.filter(pk=int(key)).first()
    return Target(kind, key, obj) if obj is not None else None
