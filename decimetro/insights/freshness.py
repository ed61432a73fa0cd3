"""How fresh the PNRR data is: the release date behind the figures, and the stale-data banner's rule.

This module owns the date and the cache the banner reads: the dashboards ask `data_as_of()` for it (and
pass the page's own freshness), the context processor asks `banner_freshness()`; nobody else writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from decimetro.insights.cache import cached_for_data_version
from decimetro.pnrr.models import ImportRun

STALE_AFTER_DAYS = 60


def pnrr_data_as_of() -> date | None:
    """The "data as of" date of the PNRR data: the latest release date among the successful imports
    (`ImportRun` with status ok or partial). None when nothing has been imported. One query."""
    return ImportRun.objects.filter(
        status__in=[ImportRun.Status.OK, ImportRun.Status.PARTIAL], release_date__isnull=False
    ).aggregate(d=Max("release_date"))["d"]


@dataclass(frozen=True)
class Freshness:
    """How old the PNRR data are. `stale` when the latest release is more than STALE_AFTER_DAYS days old."""

    as_of: date | None
    today: date

    @property
    def days(self) -> int | None:
        return None if self.as_of is None else (self.today - self.as_of).days

    @property
    def stale(self) -> bool:
        return self.days is not None and self.days > STALE_AFTER_DAYS

    @property
    def limit(self) -> int:
        return STALE_AFTER_DAYS


def freshness(as_of: date | None, *, today: date | None = None) -> Freshness:
    return Freshness(as_of=as_of, today=today or timezone.localdate())


# The last "data as of" date computed, kept for the banner of the pages that do not compute it.
AS_OF_CACHE_KEY = "decimetro:pnrr:data-as-of"
AS_OF_CACHE_SECONDS = 3600


def data_as_of() -> date | None:
    """The PNRR "data as of" date that the figures state: one query (`pnrr_data_as_of`), remembered per data
    version with the production cache (`cached_for_data_version`, as the dashboards that call it). The date
    is also kept, for AS_OF_CACHE_SECONDS, as the last one known: the stale-data banner of the other pages
    reads it from there (`banner_freshness`), so that they show it without a query."""
    # In a tuple: a None date (nothing imported yet) is remembered too, the cache's "missing" being None.
    (as_of,) = cached_for_data_version("data-as-of", (), lambda: (pnrr_data_as_of(),))
    cache.set(AS_OF_CACHE_KEY, ("ok", as_of), AS_OF_CACHE_SECONDS)
    return as_of


def banner_freshness() -> Freshness | None:
    """The freshness of the last "data as of" date computed by `data_as_of` (no query); None when none is
    known (nothing computed in the last AS_OF_CACHE_SECONDS: no banner)."""
    known = cache.get(AS_OF_CACHE_KEY)
    return freshness(known[1]) if known else None
