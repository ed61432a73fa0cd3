"""How fresh the PNRR data is: the release date behind the figures, and the banner's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

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


AS_OF_CACHE_KEY = "decimetro:pnrr:data-as-of"


AS_OF_CACHE_SECONDS = 3600


def data_as_of() -> date | None:
    """The PNRR "data as of" date (one query), remembered in the cache for the banner of other pages."""
    as_of = pnrr_data_as_of()
    cache.set(AS_OF_CACHE_KEY, ("ok", as_of), AS_OF_CACHE_SECONDS)
    return as_of
