"""Reads of the DUP alignment: the DUP objectives of an organisation, the coverage matrix of a Comune and of
the whole territory, and which comuni cover a plan objective (for the map)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _t

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.participation.models import DupObjective
from decimetro.plan.models import Edition, Objective
from decimetro.territory.models import Comune


def dup_organisation(key: str) -> Organisation | None:
    """ "ente" → the Ente's organisation; a codice ISTAT → that Comune's organisation (or None)."""
    qs = Organisation.objects.select_related("comune")
    if key == "ente":
        return qs.filter(kind=OrganisationKind.ENTE).order_by("pk").first()
    return qs.filter(kind=OrganisationKind.COMUNE, comune__codice_istat=key).first()


def dup_key(organisation: Organisation) -> str:
    return "ente" if organisation.kind == OrganisationKind.ENTE else organisation.comune.codice_istat  # type: ignore[union-attr]


def dup_objectives_of(organisation: Organisation) -> QuerySet[DupObjective]:
    return (
        DupObjective.objects.filter(organisation=organisation)
        .prefetch_related(
            Prefetch("plan_objectives", queryset=Objective.objects.order_by("mission__number", "number"))
        )
        .order_by("code")
    )


def organisation_matrix(edition: Edition, organisation: Organisation) -> QuerySet[Objective]:
    """Every plan objective, each with `covering`: the organisation's DUP objectives that serve it."""
    return (
        Objective.objects.filter(edition=edition)
        .select_related("mission")
        .prefetch_related(
            Prefetch(
                "dup_objectives",
                queryset=DupObjective.objects.filter(organisation=organisation).order_by("code"),
                to_attr="covering",
            )
        )
        .order_by("mission__number", "number")
    )


def territory_matrix(edition: Edition) -> QuerySet[Objective]:
    """Every plan objective with `comuni_count` (comuni whose DUP serves it) and `ente_covers`."""
    ente_dup = DupObjective.objects.filter(
        organisation__kind=OrganisationKind.ENTE, plan_objectives=OuterRef("pk")
    )
    return (
        Objective.objects.filter(edition=edition)
        .select_related("mission")
        .annotate(
            comuni_count=Count(
                "dup_objectives__organisation",
                filter=Q(dup_objectives__organisation__kind=OrganisationKind.COMUNE),
                distinct=True,
            ),
            ente_covers=Exists(ente_dup),
        )
        .order_by("mission__number", "number")
    )


def comuni_covering(objective: Objective) -> QuerySet[Comune]:
    return (
        Comune.objects.filter(organisation__dup_objectives__plan_objectives=objective)
        .distinct()
        .order_by("name")
    )


def comuni_dup_summary(edition: Edition) -> QuerySet[Comune]:
    """Every comune with `dup_count` (its DUP objectives) and `covered_count` (plan objectives they serve)."""
    return Comune.objects.annotate(
        dup_count=Count("organisation__dup_objectives", distinct=True),
        covered_count=Count(
            "organisation__dup_objectives__plan_objectives",
            filter=Q(organisation__dup_objectives__plan_objectives__edition=edition),
            distinct=True,
        ),
    ).order_by("name")


def territory_coverage(edition: Edition) -> QuerySet[Objective]:
    """`territory_matrix` plus `comune_dups`: the Comuni's DUP objectives serving each plan objective, with
    their organisation and comune (two queries in all, for the public API's coverage list)."""
    return territory_matrix(edition).prefetch_related(
        Prefetch(
            "dup_objectives",
            queryset=DupObjective.objects.filter(organisation__kind=OrganisationKind.COMUNE)
            .select_related("organisation__comune")
            .order_by("organisation__comune__codice_istat", "pk"),
            to_attr="comune_dups",
        )
    )


def dup_owner_or_404(key: str) -> tuple[Organisation | None, str, Comune | None]:
    """The organisation behind a public DUP page or export (`key`: "ente" or a comune's ISTAT code; None if
    the comune has no account yet), its label, its comune. 404 for an unknown key."""
    if key == "ente":
        organisation = dup_organisation("ente")
        if organisation is None:
            raise Http404
        return organisation, organisation.name, None
    comune = get_object_or_404(Comune, codice_istat=key)
    return dup_organisation(key), _t("Comune di %(name)s") % {"name": comune.name}, comune


# The desk ("La mia scrivania") ------------------------------------------------------------------------------


def dup_status(organisation: Organisation) -> dict[str, Any]:
    """The state of an organisation's DUP: `objectives` (its DUP objectives), `linked` (those serving at
    least one plan objective) and `last_change` (the latest time one was created or changed; None without
    any). One query."""
    row = DupObjective.objects.filter(organisation=organisation).aggregate(
        objectives=Count("pk", distinct=True),
        linked=Count("pk", filter=Q(plan_objectives__isnull=False), distinct=True),
        last_change=Max("updated_at"),
    )
    return {
        "objectives": row["objectives"] or 0,
        "linked": row["linked"] or 0,
        "last_change": row["last_change"],
    }
