"""The only table of `insights`: figures precomputed per data version (`insights.precomputed`).

`insights` reads the data apps and writes nothing of theirs. This table is not data of the site: it is a
derived copy of what `insights.cache.cached_for_data_version` computes (a dashboard's context, an area's
totals, the map's values), written by the refresh task after every change of the data, so that the first
request after an import or a link decision reads one row instead of grouping every project. It lives here,
beside the cache whose values it stores, because only `insights` knows how to compute and key them; it can be
emptied at any time (the pages then compute live, as before).
"""

from __future__ import annotations

from django.db import models


class PrecomputedFigure(models.Model):
    """One cached computation (`name`, its parts and the language, hashed into `key`) as computed for the
    data version `version` (`repr(insights.cache.data_version())`). A row whose version is not the current
    one is never read."""

    key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=40)
    version = models.TextField()
    payload = models.BinaryField()
    built_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.name} {self.key[:12]}"
