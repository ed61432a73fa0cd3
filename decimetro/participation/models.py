"""The actors of the plan: the Ente, the comuni and the intermediate bodies, and who acts for them."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from decimetro.core.models import BodyKind, Organisation

# Consultations (issue 7) ------------------------------------------------------------------------------------

# Who may answer a consultation "by kind": the comuni, all intermediate bodies, or one kind of body.
AUDIENCE_KIND_CHOICES: list[tuple[str, Any]] = [
    ("comune", _("Comuni")),
    ("body", _("Tutti i corpi intermedi")),
    *[(f"body:{value}", label) for value, label in BodyKind.choices],
]


class Audience(models.TextChoices):
    ALL = "all", _("tutte le organizzazioni")
    LIST = "list", _("le organizzazioni elencate")
    KINDS = "kinds", _("le organizzazioni dei tipi scelti")


def _random_upload_name(folder: str, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"participation/{folder}/{uuid.uuid4().hex}{suffix}"


def observation_upload_to(instance: Any, filename: str) -> str:
    return _random_upload_name("observations", filename)


def verification_upload_to(instance: Any, filename: str) -> str:
    return _random_upload_name("verifications", filename)


class Consultation(models.Model):
    """The Ente asks the organisations for observations on an objective, a mission or a project."""

    title = models.CharField(_("titolo"), max_length=200)
    text = models.TextField(_("testo"))
    objective = models.ForeignKey(
        "plan.Objective", null=True, blank=True, on_delete=models.PROTECT, related_name="consultations"
    )
    mission = models.ForeignKey(
        "plan.Mission", null=True, blank=True, on_delete=models.PROTECT, related_name="consultations"
    )
    project = models.ForeignKey(
        "pnrr.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="consultations"
    )
    opens_on = models.DateField(_("data di apertura"))
    closes_on = models.DateField(_("data di chiusura"))
    closed_at = models.DateTimeField(_("chiusa in anticipo il"), null=True, blank=True)
    audience = models.CharField(_("chi può rispondere"), max_length=10, choices=Audience.choices)
    audience_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="consultations_invited"
    )
    audience_kinds = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(objective__isnull=False, mission__isnull=True, project__isnull=True)
                    | models.Q(objective__isnull=True, mission__isnull=False, project__isnull=True)
                    | models.Q(objective__isnull=True, mission__isnull=True, project__isnull=False)
                ),
                name="participation_consultation_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="participation_consultation_dates_ordered",
            ),
        ]
        verbose_name = _("consultazione")
        verbose_name_plural = _("consultazioni")

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> Any:
        return self.objective or self.mission or self.project

    @property
    def audience_kind_labels(self) -> list[str]:
        labels = dict(AUDIENCE_KIND_CHOICES)
        return [str(labels.get(k, k)) for k in self.audience_kinds]

    def state_on(self, today: date) -> str:
        """ "scheduled", "open" or "closed" on a given (local) day."""
        if self.closed_at is not None or today > self.closes_on:
            return "closed"
        if today < self.opens_on:
            return "scheduled"
        return "open"


class ObservationStatus(models.TextChoices):
    PENDING = "pending", _("in attesa di moderazione")
    PUBLISHED = "published", _("pubblicata")
    HIDDEN = "hidden", _("nascosta")


class ProposalKind(models.TextChoices):
    NONE = "", _("nessuna proposta")
    PROJECT = "project", _("progetto")
    INDICATOR = "indicator", _("indicatore")


class Observation(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="observations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="observations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("osservazione"))
    attachment = models.FileField(upload_to=observation_upload_to, blank=True, max_length=200)
    attachment_name = models.CharField(max_length=200, blank=True)
    proposal_kind = models.CharField(max_length=10, choices=ProposalKind.choices, blank=True)
    proposal = models.TextField(_("proposta"), blank=True)
    status = models.CharField(
        max_length=10, choices=ObservationStatus.choices, default=ObservationStatus.PENDING, db_index=True
    )
    moderation_reason = models.CharField(_("motivo"), max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("risposta dell'Ente"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("osservazione")
        verbose_name_plural = _("osservazioni")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.text[:60]}"


# Project verification reports -------------------------------------------------------------------------------


class GroundStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("non avviato")
    IN_PROGRESS = "in_progress", _("in corso")
    COMPLETED = "completed", _("completato")
    PROBLEM = "problem", _("problema")


class VerificationReport(models.Model):
    """What an organisation saw on the ground about a PNRR project."""

    project = models.ForeignKey("pnrr.Project", on_delete=models.CASCADE, related_name="verification_reports")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="verification_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("stato osservato"), max_length=12, choices=GroundStatus.choices)
    seen_on = models.DateField(_("data del sopralluogo"))
    note = models.TextField(_("nota"), blank=True)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-seen_on", "-pk"]
        verbose_name = _("verifica sul campo")
        verbose_name_plural = _("verifiche sul campo")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_status_display()} ({self.seen_on})"


class VerificationPhoto(models.Model):
    report = models.ForeignKey(VerificationReport, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=verification_upload_to, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name or self.image.name


# DUP alignment ----------------------------------------------------------------------------------------------


class DupObjective(models.Model):
    """A strategic objective of a Comune's (or the Ente's) DUP, and the plan objectives it serves."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="dup_objectives")
    code = models.CharField(_("codice"), max_length=30)
    title = models.CharField(_("titolo"), max_length=500)
    description = models.TextField(_("descrizione"), blank=True)
    dup_mission = models.CharField(_("missione del DUP"), max_length=200, blank=True)
    year_from = models.PositiveSmallIntegerField(_("dall'anno"))
    year_to = models.PositiveSmallIntegerField(_("all'anno"))
    plan_objectives = models.ManyToManyField("plan.Objective", blank=True, related_name="dup_objectives")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="participation_dup_unique_code"),
            models.CheckConstraint(
                condition=models.Q(year_to__gte=models.F("year_from")), name="participation_dup_years_ordered"
            ),
        ]
        verbose_name = _("obiettivo strategico del DUP")
        verbose_name_plural = _("obiettivi strategici del DUP")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"
