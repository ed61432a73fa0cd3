from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ACTOR_FIELDS = ("citta_metropolitana", "comuni", "corpi_intermedi")
ACTOR_LABELS = {
    "citta_metropolitana": _("Città metropolitana"),
    "comuni": _("Comuni"),
    "corpi_intermedi": _("Corpi intermedi e altri attori"),
}


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("bozza")
    PUBLISHED = "published", _("pubblicata")


class Edition(models.Model):
    """One edition of the strategic plan (e.g. PSTTM 2022-2024). Its content is versioned by edition.
    A new edition is loaded as a draft (staff only), compared with the current one and published
    (`plan.services.edition_publish`): the published edition with `is_current` is the one the site shows."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300)
    short_title = models.CharField(max_length=40)
    ente = models.CharField(max_length=200)
    year_start = models.PositiveSmallIntegerField()
    year_end = models.PositiveSmallIntegerField()
    is_current = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=EditionStatus.choices, default=EditionStatus.PUBLISHED, db_index=True
    )
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["-year_start"]
        verbose_name = _("edizione del piano")
        verbose_name_plural = _("edizioni del piano")

    def __str__(self) -> str:
        return self.short_title


class Keyword(models.Model):
    """A vision keyword (sostenibilità, connettività, ...)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="keywords")
    slug = models.SlugField()
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["edition", "position"]
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="keyword_unique_slug")]
        verbose_name = _("parola chiave")
        verbose_name_plural = _("parole chiave")

    def __str__(self) -> str:
        return self.name


class Direction(models.Model):
    """One of the plan's three directions (functions of the Ente, of the Comuni, shared objectives)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="directions")
    slug = models.SlugField()
    actor = models.CharField(max_length=30, choices=[(a, ACTOR_LABELS[a]) for a in ACTOR_FIELDS])
    title = models.CharField(max_length=300)
    text = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["edition", "position"]
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="direction_unique_slug")]
        verbose_name = _("direzione")
        verbose_name_plural = _("direzioni")

    def __str__(self) -> str:
        return self.title


class ActorFlags(models.Model):
    """Which actors act on an entry (the plan's ● cells)."""

    citta_metropolitana = models.BooleanField(_("Città metropolitana"), default=False)
    comuni = models.BooleanField(_("Comuni"), default=False)
    corpi_intermedi = models.BooleanField(_("Corpi intermedi e altri attori"), default=False)

    class Meta:
        abstract = True

    @property
    def actors(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in ACTOR_FIELDS}

    @property
    def actor_labels(self) -> list[str]:
        return [str(ACTOR_LABELS[name]) for name in ACTOR_FIELDS if getattr(self, name)]


class Mission(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="missions")
    code = models.CharField(max_length=4)  # M1..M6
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    matrix_title = models.CharField(
        max_length=300, help_text=_("Titolo come compare nella matrice visione/missioni")
    )
    introduction = models.TextField()
    keywords = models.ManyToManyField(Keyword, related_name="missions", blank=True)

    class Meta:
        ordering = ["edition", "number"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="mission_unique_code")]
        verbose_name = _("missione")
        verbose_name_plural = _("missioni")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Component(ActorFlags):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="components")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(max_length=6)  # M1C1
    title = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["edition", "position"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="component_unique_code")]
        verbose_name = _("componente PNRR")
        verbose_name_plural = _("componenti PNRR")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Objective(ActorFlags):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="objectives")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(max_length=8)  # M1.17
    number = models.PositiveSmallIntegerField()
    title = models.TextField()

    class Meta:
        ordering = ["edition", "mission__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="objective_unique_code"),
            models.UniqueConstraint(fields=["mission", "number"], name="objective_unique_number"),
        ]
        verbose_name = _("obiettivo strategico")
        verbose_name_plural = _("obiettivi strategici")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"
