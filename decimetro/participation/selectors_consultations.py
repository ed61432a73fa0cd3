"""Reads of the consultations and of the project verification reports (annotated, no N+1)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.participation.models import (
    Audience,
    Consultation,
    Observation,
    ObservationStatus,
    VerificationPhoto,
    VerificationReport,
)
from decimetro.plan.models import Mission, Objective
from decimetro.pnrr.models import Project


def _base() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("objective", "mission", "project").annotate(
        published_count=Count("observations", filter=Q(observations__status=ObservationStatus.PUBLISHED)),
    )


def consultations_public() -> QuerySet[Consultation]:
    return _base().order_by("-opens_on", "-pk")


def consultations_admin() -> QuerySet[Consultation]:
    return _base().annotate(
        observation_count=Count("observations"),
        pending_count=Count("observations", filter=Q(observations__status=ObservationStatus.PENDING)),
    )


def consultation_public_detail() -> QuerySet[Consultation]:
    published = (
        Observation.objects.filter(status=ObservationStatus.PUBLISHED)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )
    return _base().prefetch_related(
        Prefetch("observations", queryset=published, to_attr="published_observations"),
        "audience_organisations",
    )


def observations_for_moderation(consultation: Consultation) -> QuerySet[Observation]:
    return consultation.observations.select_related(
        "organisation", "author", "moderated_by", "answered_by"
    ).order_by("created_at", "pk")


def open_consultations_on(
    *, objective: Objective | None = None, mission: Mission | None = None, project: Project | None = None
) -> list[Consultation]:
    """The consultations open today on this objective, mission or project (for the small box on its page)."""
    today = timezone.localdate()
    qs = Consultation.objects.filter(opens_on__lte=today, closes_on__gte=today, closed_at__isnull=True)
    if objective is not None:
        qs = qs.filter(objective=objective)
    elif mission is not None:
        qs = qs.filter(mission=mission)
    elif project is not None:
        qs = qs.filter(project=project)
    else:
        return []
    return list(qs.order_by("closes_on", "pk"))


def reports_for_project(project: Project, *, include_hidden: bool) -> QuerySet[VerificationReport]:
    qs = (
        VerificationReport.objects.filter(project=project)
        .select_related("organisation", "author")
        .prefetch_related(Prefetch("photos", queryset=VerificationPhoto.objects.order_by("pk")))
        .order_by("-seen_on", "-pk")
    )
    return qs if include_hidden else qs.filter(hidden=False)


# The desk ("La mia scrivania") ------------------------------------------------------------------------------


def consultations_open_to(organisation: Organisation) -> list[Consultation]:
    """The consultations open today to which this organisation is invited (as `organisation_is_invited`
    decides), closing soonest first, each with `own_observations`: how many the organisation already sent.
    One query: the list audience in SQL, the kinds audience in Python (a JSON list)."""
    if not organisation.active or organisation.kind == OrganisationKind.ENTE:
        return []
    today = timezone.localdate()
    own = (
        Observation.objects.filter(consultation=OuterRef("pk"), organisation=organisation)
        .order_by()
        .values("consultation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Consultation.objects.filter(opens_on__lte=today, closes_on__gte=today, closed_at__isnull=True)
        .filter(
            Q(audience=Audience.ALL)
            | Q(audience=Audience.KINDS)
            | Q(audience=Audience.LIST, audience_organisations=organisation)
        )
        .distinct()
        .select_related("objective", "mission", "project")
        .annotate(own_observations=Coalesce(Subquery(own), 0))
        .order_by("closes_on", "pk")
    )
    return [c for c in rows if c.audience != Audience.KINDS or _kinds_invite(c.audience_kinds, organisation)]


def _kinds_invite(kinds: list[str], organisation: Organisation) -> bool:
    """The kinds part of `permissions.organisation_is_invited`, without a query."""
    if organisation.kind == OrganisationKind.COMUNE:
        return "comune" in kinds
    return "body" in kinds or f"body:{organisation.body_kind}" in kinds


def observations_of(organisation: Organisation) -> QuerySet[Observation]:
    """The observations sent in the name of this organisation, newest first, with their consultation."""
    return (
        Observation.objects.filter(organisation=organisation)
        .select_related("consultation")
        .order_by("-created_at", "-pk")
    )


def observation_counts_of(organisation: Organisation) -> dict[str, int]:
    """status → number of this organisation's observations, plus "answered". One query."""
    row = Observation.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=ObservationStatus.PENDING)),
        published=Count("pk", filter=Q(status=ObservationStatus.PUBLISHED)),
        hidden=Count("pk", filter=Q(status=ObservationStatus.HIDDEN)),
        answered=Count("pk", filter=~Q(answer="")),
    )
    return {k: v or 0 for k, v in row.items()}


def reports_of(organisation: Organisation) -> QuerySet[VerificationReport]:
    """The verification reports filed in the name of this organisation (hidden ones included: they are its
    own), newest visit first, with their project."""
    return (
        VerificationReport.objects.filter(organisation=organisation)
        .select_related("project")
        .order_by("-seen_on", "-pk")
    )


def consultations_to_moderate() -> QuerySet[Consultation]:
    """The consultations with observations waiting for moderation (`pending_count`), the most first."""
    return (
        _base()
        .annotate(
            pending_count=Count("observations", filter=Q(observations__status=ObservationStatus.PENDING))
        )
        .filter(pending_count__gt=0)
        .order_by("-pending_count", "closes_on", "pk")
    )


def consultations_opened_since(since: datetime) -> QuerySet[Consultation]:
    """The consultations created since `since`, newest first."""
    return _base().filter(created_at__gte=since).order_by("-created_at", "-pk")
