"""Users, the organisations they act for (the Ente, the comuni, intermediate bodies),
memberships, invitations and the audit log. Every app builds on these; the only domain knowledge here is
that a comune's organisation points at its `territory.Comune` (by name, not by import)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using Decimetro; belongs to at most one organisation through a `Membership`."""

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")


class AuditEntry(models.Model):
    """One row per write: who, what, when, and the state before and after."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text=_("utente o processo che ha scritto"))
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]
        verbose_name = _("voce di audit")
        verbose_name_plural = _("registro delle modifiche")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """Field-level differences between before and after, for display."""
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# Organisations, memberships, invitations (moved from participation) ------------------------------------


class OrganisationKind(models.TextChoices):
    ENTE = "ente", _("Città metropolitana")
    COMUNE = "comune", _("Comune")
    BODY = "body", _("Corpo intermedio o altro attore")


class BodyKind(models.TextChoices):
    """What kind of intermediate body (only for kind=body)."""

    UNIVERSITY = "university", _("università e ricerca")
    CHAMBER = "chamber", _("camera di commercio")
    BUSINESS = "business", _("associazione di imprese")
    LABOUR = "labour", _("sindacato")
    THIRD_SECTOR = "third_sector", _("terzo settore")
    OTHER = "other", _("altro")


class Organisation(models.Model):
    kind = models.CharField(max_length=10, choices=OrganisationKind.choices, db_index=True)
    body_kind = models.CharField(max_length=20, choices=BodyKind.choices, blank=True)
    name = models.CharField(_("nome"), max_length=200, unique=True)
    comune = models.OneToOneField(
        "territory.Comune", null=True, blank=True, on_delete=models.PROTECT, related_name="organisation"
    )
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    email = models.EmailField(_("email di contatto"), blank=True)
    phone = models.CharField(_("telefono"), max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="comune", comune__isnull=False) | ~models.Q(kind="comune"),
                name="participation_comune_org_has_comune",
            )
        ]
        verbose_name = _("organizzazione")
        verbose_name_plural = _("organizzazioni")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VIEWER = "viewer", _("lettore")
    EDITOR = "editor", _("redattore")
    ADMIN = "admin", _("amministratore")


class Membership(models.Model):
    """A user belongs to exactly one organisation, with one role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user"]
        verbose_name = _("appartenenza")
        verbose_name_plural = _("appartenenze")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Invitation(models.Model):
    """An Ente administrator invites a person into an organisation: an email with a one-time link.

    Only the SHA-256 of the token is stored; the link works once and until `expires_at`."""

    email = models.EmailField()
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invito")
        verbose_name_plural = _("inviti")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"


class DeskVisit(models.Model):
    """When a user last looked at their desk ("La mia scrivania"), and the previous visit its "since your last
    visit" lists compare with (`core.services.desk_visit_record`).

    `marks` holds the largest ids, at the time of the visit, of rows that carry no timestamp (the PNRR
    projects): the desk names them, this model only keeps them. `since` and `since_marks` are those of the
    previous visit (None and {} until there is one)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_visit")
    seen_at = models.DateTimeField()
    marks = models.JSONField(default=dict, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    since_marks = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("visita alla scrivania")
        verbose_name_plural = _("visite alla scrivania")

    def __str__(self) -> str:
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"


class Job(models.Model):
    """Background work staff asked for and follow on a page: an uploaded PNRR file to import, the suggestions
    to recompute, the classifier to retrain, a scheduled check. The task (django-tasks, `<app>/tasks.py`)
    does the work and writes here its state, progress and summary (`core.jobs`): what the pages read,
    whatever the task backend (the database in production, immediate in tests)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("in coda")
        RUNNING = "running", _("in corso")
        DONE = "done", _("completata")
        FAILED = "failed", _("non riuscita")

    kind = models.CharField(max_length=40, db_index=True)
    label = models.CharField(max_length=255)
    view_perm = models.CharField(max_length=60, help_text="the permission that lets a user see the job")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    phase = models.CharField(max_length=60, blank=True)
    progress = models.FloatField(default=0)
    params = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    output_file = models.CharField(max_length=255, blank=True, help_text="relative to MEDIA_ROOT")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("attività in background")
        verbose_name_plural = _("attività in background")

    def __str__(self) -> str:
        return f"{self.kind} {self.label} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        return round(max(0.0, min(1.0, self.progress)) * 100)


class WorkerHeartbeat(models.Model):
    """One row per running task worker (`manage.py worker`), its `seen_at` renewed every few seconds: what
    `/salute/` reports and how a worker tells a dead one's interrupted tasks from running ones
    (`core.workers`)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("battito del worker")
        verbose_name_plural = _("battiti dei worker")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.hostname}:{self.pid}"


class ApiToken(models.Model):
    """An organisation's key to the write API (issue 17). Only the SHA-256 of the secret is stored; `prefix`
    (its first characters) names it in lists. It acts through its own `user`: an account without password,
    editor of the organisation, so the permission layer sees exactly the organisation's rights (never more
    than its admin's), and every audit row it leaves names the token (`actor_label`). Revoking it disables
    that account: from then on the token gets 401."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("nome"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="core_apitoken_unique_name"),
        ]
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.organisation})"

    @property
    def label(self) -> str:
        """What the audit log shows as the author of the token's writes."""
        return f"token API «{self.name}» ({self.prefix}…) di {self.organisation.name}"[:150]
