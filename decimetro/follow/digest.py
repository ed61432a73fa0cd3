"""What changed for a follower since the previous digest, per followed target: new projects, payment progress,
newly confirmed links, new consultations and new answers to observations.

The marks of a digest: the largest project, place and payment ids (they carry no creation time: the import
writes them with growing ids) and the time it was computed (links, consultations and answers are
dated). A follower's first marks are those of the first confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from decimetro.follow.models import Follower
from decimetro.follow.targets import Target, resolve
from decimetro.participation.models import Consultation, Observation, ObservationStatus
from decimetro.pnrr.models import PaymentSnapshot, Place, Project

# How many rows of each kind a digest lists (the counts are whole; the target's page has the rest).
SHOWN = 10


def current_marks(now: datetime) -> dict[str, Any]:
    return {
        "project": Project.objects.aggregate(m=Max("pk"))["m"] or 0,
        "payment": PaymentSnapshot.objects.aggregate(m=Max("pk"))["m"] or 0,
        "place": Place.objects.aggregate(m=Max("pk"))["m"] or 0,
        "at": now.isoformat(),
    }


def followers_due(now: datetime, *, days: int) -> QuerySet[Follower]:
    """Followers with at least one confirmed follow, without a digest for `days` days (or ever)."""
    return (
        Follower.objects.filter(follows__confirmed_at__isnull=False)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - timedelta(days=days)))
        .distinct()
        .order_by("pk")
    )


@dataclass
class Section:
    target: Target
    projects: list[Project] = field(default_factory=list)
    projects_count: int = 0
    payments: list[PaymentSnapshot] = field(default_factory=list)
    payments_count: int = 0
    links: list[Any] = field(default_factory=list)
    links_count: int = 0
    consultations: list[Consultation] = field(default_factory=list)
    answers: list[Observation] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            self.projects_count
            + self.payments_count
            + self.links_count
            + len(self.consultations)
            + len(self.answers)
        )


@dataclass
class Digest:
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def empty(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class Marks:
    project: int
    payment: int
    place: int
    at: datetime


def _since(follower: Follower) -> Marks:
    marks = follower.marks or {}
    at = parse_datetime(str(marks.get("at", ""))) or timezone.now()
    return Marks(
        project=int(marks.get("project", 0) or 0),
        payment=int(marks.get("payment", 0) or 0),
        place=int(marks.get("place", 0) or 0),
        at=at,
    )


def _new_projects(target: Target, marks: Marks) -> QuerySet[Project]:
    """Projects new to the target: for a comune or a zone, those with a place there only since the marks
    (a new project, or a known one whose places came with a later file); else those with a new id."""
    places = target.places()
    if places is None:
        return target.projects().filter(pk__gt=marks.project)
    known = places.filter(pk__lte=marks.place).values("project_id")
    arrived = places.filter(pk__gt=marks.place).values("project_id")
    return Project.objects.filter(pk__in=arrived).exclude(pk__in=known)


def section_for(target: Target, marks: Marks) -> Section:
    since = marks.at
    projects = target.projects()
    new = _new_projects(target, marks).order_by(F("fin_pnrr").desc(nulls_last=True), "-pk")  # largest first
    payments = (
        PaymentSnapshot.objects.filter(
            pk__gt=marks.payment, project__in=projects.exclude(pk__in=new.values("pk"))
        )
        .select_related("project")
        .order_by("-pk")
    )
    links = (
        target.links()
        .filter(Q(decided_at__gt=since) | Q(decided_at__isnull=True, created_at__gt=since))
        .exclude(project__in=new.values("pk"))  # a new project's links come with it
        .select_related("project", "objective")
        .order_by("-pk")
    )
    consultations = Consultation.objects.filter(target.consultations(), created_at__gt=since)
    answers = Observation.objects.filter(
        consultation__in=Consultation.objects.filter(target.consultations()),
        status=ObservationStatus.PUBLISHED,
        answered_at__gt=since,
    ).select_related("consultation", "organisation")
    return Section(
        target=target,
        projects=list(new[:SHOWN]),
        projects_count=new.count(),
        payments=list(payments[:SHOWN]),
        payments_count=payments.count(),
        links=list(links[:SHOWN]),
        links_count=links.count(),
        consultations=list(consultations.order_by("-created_at", "-pk")[:SHOWN]),
        answers=list(answers.order_by("-answered_at", "-pk")[:SHOWN]),
    )


def digest_for(follower: Follower) -> Digest:
    """The digest of `follower`: one section per confirmed follow whose target still exists and changed."""
    marks = _since(follower)
    sections = []
    for follow in follower.follows.filter(confirmed_at__isnull=False).order_by("kind", "key"):
        target = resolve(follow.kind, follow.key)
        if target is None:
            continue
        section = section_for(target, marks)
        if section.count:
            sections.append(section)
    return Digest(sections)
