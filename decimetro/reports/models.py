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
