from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.Model):
    """A zona omogenea of the metropolitan city, or the capoluogo standing on its own (Milano)."""

    class Kind(models.TextChoices):
        ZONA_OMOGENEA = "zona", _("Zona omogenea")
        CAPOLUOGO = "capoluogo", _("Comune capoluogo")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ZONA_OMOGENEA)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("zona omogenea")
        verbose_name_plural = _("zone omogenee")

    def __str__(self) -> str:
        return self.name


class Comune(models.Model):
    codice_istat = models.CharField(max_length=6, unique=True)
    name = models.CharField(max_length=150, db_index=True)
    codice_catastale = models.CharField(max_length=4)
    codice_fiscale = models.CharField(max_length=11, blank=True)
    sigla = models.CharField(max_length=2, blank=True)
    codice_uts = models.CharField(max_length=3, db_index=True)
    uts_name = models.CharField(max_length=100)
    is_capoluogo = models.BooleanField(default=False)
    population_legal = models.PositiveIntegerField(null=True, blank=True, help_text=_("censimento 2021"))
    population_resident = models.PositiveIntegerField(null=True, blank=True, help_text=_("al 31/12/2022"))
    area_kmq = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="comuni")
    geometry = models.JSONField(null=True, blank=True, help_text=_("geometria GeoJSON (WGS84)"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")

    def __str__(self) -> str:
        return self.name

    @property
    def density(self) -> float | None:
        if self.population_resident and self.area_kmq:
            return float(self.population_resident) / float(self.area_kmq)
        return None
