"""Reads for the accounts pages: users by organisation, organisations, invitations, the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from decimetro.core.models import AuditEntry, Invitation, Organisation, User


def users_for_admin(
    *,
    search: str = "",
    organisation_id: int | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """Users with their organisation and role, ordered by organisation then username (one query). The
    accounts of API tokens are not people: they are listed with their tokens, not here."""
    qs = (
        User.objects.filter(api_token__isnull=True)
        .select_related("membership__organisation")
        .order_by("membership__organisation__kind", "membership__organisation__name", "username")
    )
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(membership__organisation__name__icontains=search)
        )
    if organisation_id:
        qs = qs.filter(membership__organisation_id=organisation_id)
    if role:
        qs = qs.filter(membership__role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def organisations_with_counts(*, kind: str = "", search: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("comune").annotate(
        members=Count("memberships", distinct=True),
        active_members=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True),
    )
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(fiscal_code__icontains=search))
    return qs.order_by("kind", "name")


def organisation_choices() -> QuerySet[Organisation]:
    """Active organisations for the invite form, Ente first, then bodies, then the comuni."""
    return Organisation.objects.filter(active=True).order_by("kind", "name")


def invitations_pending() -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("organisation", "created_by")
        .order_by("-created_at")
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(
    *,
    actor_id: int | None = None,
    target_type_id: int | None = None,
    action: str = "",
    search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit log, newest first, filtered; actor and object type joined (no N+1). Dates are inclusive
    days in the local time zone."""
    qs = AuditEntry.objects.select_related("actor__membership__organisation", "target_type").order_by(
        "-created_at", "-id"
    )
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target_type_id:
        qs = qs.filter(target_type_id=target_type_id)
    if action:
        qs = qs.filter(action=action)
    if search:
        qs = qs.filter(Q(target_repr__icontains=search) | Q(target_id=search))
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return qs


def audit_target_types() -> QuerySet[ContentType]:
    """The object types that appear in the audit log (for the filter)."""
    used = AuditEntry.objects.values("target_type_id").distinct()
    return ContentType.objects.filter(pk__in=used).order_by("app_label", "model")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_actors() -> QuerySet[User]:
    """The users who appear in the audit log (for the filter)."""
    used = AuditEntry.objects.filter(actor__isnull=False).values("actor_id").distinct()
    return User.objects.filter(pk__in=used).order_by("username")
