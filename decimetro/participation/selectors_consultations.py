"""Reads of the consultations and of the project verification reports (annotated, no N+1)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from decimetro.participation.models import (
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
