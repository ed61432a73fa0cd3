"""The search index: one denormalised row per findable thing (comune, zone, mission, objective, measure,
project, implementing body, consultation), rebuilt from the data apps by `search.indexing`.

The full-text side lives beside the table, created by the migrations: on SQLite an FTS5 table `search_fts`
(external content: this table; kept in step by triggers), on PostgreSQL a generated `tsvector` column
`vector` with a GIN index and a trigram index on `title_key` (typos). Neither is a Django field: the queries
are in `search.engine`. On SQLite a migration that remakes this table (most AlterField) drops the triggers:
it must create them again (the statements are in migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMUNE = "comune", _("Comuni")
    ZONE = "zone", _("Zone omogenee")
    MISSION = "mission", _("Missioni del Piano")
    OBJECTIVE = "objective", _("Obiettivi del Piano")
    MEASURE = "measure", _("Misure PNRR")
    BODY = "body", _("Soggetti attuatori")
    CONSULTATION = "consultation", _("Consultazioni")
    PROJECT = "project", _("Progetti PNRR")


# Order of the groups when none has an exact match, and weight of a kind among others (higher first).
KIND_WEIGHTS: dict[str, int] = {
    Kind.COMUNE: 80,
    Kind.ZONE: 70,
    Kind.MISSION: 60,
    Kind.OBJECTIVE: 50,
    Kind.MEASURE: 40,
    Kind.CONSULTATION: 30,
    Kind.BODY: 20,
    Kind.PROJECT: 10,
}


# Each kind has its own range of ids, in the order of the kind's importance (a project's id grows as its PNRR
# amount falls): the engines count the hits of each kind from the ids alone and read a large group's first
# hits in id order without ranking all of them (search.engine).
KIND_SPAN = 10**10


def kind_base(kind: str) -> int:
    """The first id of `kind`'s range (ids are base + 1, base + 2, …)."""
    return (list(Kind).index(Kind(kind)) + 1) * KIND_SPAN


def kind_of_id(pk: int) -> str:
    return list(Kind)[pk // KIND_SPAN - 1].value


class SearchDocument(models.Model):
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=200)
    # Folded title and code (see search.text.fold): an exact match ranks first.
    title_key = models.CharField(max_length=300, db_index=True)
    code_key = models.CharField(max_length=60, blank=True, db_index=True)
    # Stemmed terms (search.text.terms): the title's weigh more than the rest.
    title_terms = models.TextField()
    body_terms = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")]
        verbose_name = _("documento di ricerca")
        verbose_name_plural = _("documenti di ricerca")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"
