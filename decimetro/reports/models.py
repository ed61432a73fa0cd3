"""The export slots: how many heavy downloads may run at once on the whole instance (every web process)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportSlot(models.Model):
    """One of the `DECIMETRO_EXPORT_SLOTS` places for a heavy export (`reports.limits`). A slot is held while
    `holder` is set and `expires_at` is in the future; a slot whose holder died (a killed worker) frees itself
    when it expires. Rows are created on first use."""

    number = models.PositiveSmallIntegerField(primary_key=True)
    holder = models.CharField(max_length=32, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("posto per un'esportazione")
        verbose_name_plural = _("posti per le esportazioni")

    def __str__(self) -> str:
        return f"{self.number}: {self.holder or '-'}"


class Dossier(models.Model):
    """A PDF dossier of a page (an objective, a mission, a comune, a zone) built for one data version
    (`reports.dossiers.version_key`). The row is created by the first request that asks for it, which alone
    enqueues the build (the unique constraint makes a second request find the row instead): no duplicate
    builds for the same dossier and version. The PDF is kept in the row (a few hundred kB), so every web
    process serves the same file and a test's rollback removes it. Bookkeeping, like `core.Job`: no audit row
    (an audit row would change the data version the dossier is keyed on)."""

    class State(models.TextChoices):
        PENDING = "pending", _("in preparazione")
        READY = "ready", _("pronto")
        FAILED = "failed", _("non riuscito")

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=60)
    version = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    pdf = models.BinaryField(default=b"", blank=True)
    pages = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier PDF")
        verbose_name_plural = _("dossier PDF")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "version"], name="reports_dossier_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} @ {self.version}: {self.state}"
