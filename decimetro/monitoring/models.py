"""Indicators of the plan's objectives: baseline, target, polarity, owner, values, reminders sent."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from decimetro.plan.models import Objective
from decimetro.territory.models import Comune

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("Solo lettere, cifre, punto, trattino e trattino basso (es. M2.05-RD)."),
)


class Polarity(models.TextChoices):
    HIGHER = "higher", _("più alto è meglio")
    LOWER = "lower", _("più basso è meglio")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("mensile")
    QUARTERLY = "quarterly", _("trimestrale")
    YEARLY = "yearly", _("annuale")


class Indicator(models.Model):
    """A measurable indicator of a strategic objective, optionally for a single comune."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[CODE_VALIDATOR])
    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("obiettivo")
    )
    comune = models.ForeignKey(
        Comune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("comune"),
        help_text=_("Solo per gli indicatori di un singolo comune."),
    )
    name = models.CharField(_("nome"), max_length=200)
    unit = models.CharField(_("unità di misura"), max_length=40)
    source = models.CharField(_("fonte"), max_length=300)
    description = models.TextField(_("descrizione"), blank=True)
    baseline_value = models.DecimalField(_("valore di partenza"), max_digits=18, decimal_places=4)
    baseline_date = models.DateField(_("data del valore di partenza"))
    target_value = models.DecimalField(_("valore obiettivo"), max_digits=18, decimal_places=4)
    target_date = models.DateField(_("data dell'obiettivo"))
    polarity = models.CharField(
        _("polarità"), max_length=6, choices=Polarity.choices, default=Polarity.HIGHER
    )
    frequency = models.CharField(
        _("frequenza di aggiornamento"), max_length=10, choices=Frequency.choices, default=Frequency.YEARLY
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="owned_indicators",
        verbose_name=_("responsabile"),
    )
    active = models.BooleanField(_("attivo"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objective__mission__number", "objective__number", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_date__gt=models.F("baseline_date")),
                name="monitoring_target_after_baseline",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(polarity="higher", target_value__gt=models.F("baseline_value"))
                    | models.Q(polarity="lower", target_value__lt=models.F("baseline_value"))
                ),
                name="monitoring_target_direction_matches_polarity",
            ),
        ]
        verbose_name = _("indicatore")
        verbose_name_plural = _("indicatori")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorValue(models.Model):
    """One measured value of an indicator at a date (one per date)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    date = models.DateField(_("data"))
    value = models.DecimalField(_("valore"), max_digits=18, decimal_places=4)
    source = models.CharField(_("fonte"), max_length=300, blank=True)
    note = models.TextField(_("nota"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "date"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="monitoring_value_unique_date"),
        ]
        verbose_name = _("valore dell'indicatore")
        verbose_name_plural = _("valori degli indicatori")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.date:%Y-%m-%d} = {self.value}"


class IndicatorReminder(models.Model):
    """A reminder e-mail sent to an indicator's owner for one due date (so that it is sent once)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reminders")
    due_date = models.DateField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "due_date"], name="monitoring_reminder_once_per_due"
            ),
        ]
        verbose_name = _("promemoria inviato")
        verbose_name_plural = _("promemoria inviati")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.due_date:%Y-%m-%d} → {self.email}"
