"""Which strategic objective(s) of the plan each PNRR project serves, and why we think so."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure, Project


class LinkOrigin(models.TextChoices):
    MODEL = "model", _("suggerito dal modello")
    CROSSWALK = "crosswalk", _("suggerito dalla corrispondenza della misura")
    STAFF = "staff", _("scelto dal personale")
    RULE = "rule", _("confermato per regola")


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", _("suggerito")
    CONFIRMED = "confirmed", _("confermato")
    REJECTED = "rejected", _("respinto")


class ProjectObjectiveLink(models.Model):
    """A project serves an objective. Only CONFIRMED links feed dashboards; suggestions are shown as such."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="project_links")
    origin = models.CharField(max_length=10, choices=LinkOrigin.choices)
    status = models.CharField(
        max_length=10, choices=LinkStatus.choices, default=LinkStatus.SUGGESTED, db_index=True
    )
    score = models.FloatField(null=True, blank=True, help_text=_("punteggio del suggerimento, tra 0 e 1"))
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rule = models.ForeignKey(
        "MeasureObjective",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="links",
        help_text=_("la regola approvata che ha confermato il collegamento (vuoto se deciso dal personale)"),
    )

    class Meta:
        ordering = ["project_id", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["project", "objective"], name="linking_unique_project_objective")
        ]
        indexes = [models.Index(fields=["objective", "status"])]
        verbose_name = _("collegamento progetto-obiettivo")
        verbose_name_plural = _("collegamenti progetto-obiettivo")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.objective_id} ({self.status})"


class RuleState(models.TextChoices):
    PROPOSED = "proposed", _("proposta")
    APPROVED = "approved", _("approvata")
    REVOKED = "revoked", _("revocata")


class RuleOrigin(models.TextChoices):
    SETUP = "setup", _("in configurazione iniziale")
    STAFF = "staff", _("aggiunta dal personale")


class MeasureObjective(models.Model):
    """The staff-editable crosswalk: a PNRR measure serves this objective, for the reason in `note`.
    Proposed and approved rows seed suggestions; an approved row is a rule: every project of the measure is
    linked to the objective (confirmed, origin "rule"); a revoked row does neither (see linking.services)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="objective_crosswalk")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measure_crosswalk")
    note = models.CharField(max_length=300, blank=True)
    state = models.CharField(
        max_length=10, choices=RuleState.choices, default=RuleState.PROPOSED, db_index=True
    )
    origin = models.CharField(max_length=10, choices=RuleOrigin.choices, default=RuleOrigin.STAFF)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["measure_id", "objective_id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "objective"], name="linking_unique_measure_objective")
        ]
        verbose_name = _("corrispondenza misura-obiettivo")
        verbose_name_plural = _("corrispondenze misura-obiettivo")

    def __str__(self) -> str:
        return f"{self.measure_id} → {self.objective_id}"


class LinkAction(models.TextChoices):
    SUGGESTED = "suggested", _("suggerito")
    CONFIRMED = "confirmed", _("confermato")
    REJECTED = "rejected", _("respinto")
    CHOSEN = "chosen", _("scelto un altro obiettivo")
    WITHDRAWN = "withdrawn", _("suggerimento superato")
    RULE = "rule", _("confermato per regola")
    RULE_GONE = "rule_gone", _("regola revocata")


class LinkEvent(models.Model):
    """The history of a project's links: one row per suggestion made or withdrawn and per staff decision.
    Kept when a stale suggestion is deleted (project and objective are stored, not the link)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="link_events")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="link_events")
    action = models.CharField(max_length=10, choices=LinkAction.choices)
    origin = models.CharField(max_length=10, choices=LinkOrigin.choices, blank=True)
    score = models.FloatField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["project", "at"])]
        verbose_name = _("evento di collegamento")
        verbose_name_plural = _("eventi di collegamento")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.objective_id}: {self.action}"
