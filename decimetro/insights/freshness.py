"""How fresh the PNRR data are: the release date of each dataset behind the figures, and the stale-data
banner's rule.

Each dataset has its own release: the projects and their places may be of 24/02/2023 while the payments are
of 31/03/2025, so a figure states the dates of the datasets it uses (`insights.definitions`: which figure uses
which dataset), never one "data as of" date for all. This module owns the dates and the cache the banner
reads: the dashboards, the map and the API ask `dataset_dates()` (one query, remembered per data version),
the context processor asks `banner_freshness()` (no query); nobody else writes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import CharField, DateTimeField, Max, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version
from decimetro.insights.definitions import DASHBOARD_DATASETS, DATASET_LABELS, Dataset
from decimetro.pnrr.models import ImportRun, PaymentSnapshot
from decimetro.pnrr.sources import (
    financial_frame,
    lombardia,
    milestones,
    payments,
    places_universe,
    places_validated,
    projects,
)

STALE_AFTER_DAYS = 60

# The import kinds (`pnrr.importing.KINDS`) that bring each dataset. The Lombardy file carries both the
# projects and their places.
DATASET_KINDS: dict[Dataset, tuple[str, ...]] = {
    Dataset.PROJECTS: (projects.KIND, lombardia.KIND),
    Dataset.PLACES: (places_validated.KIND, places_universe.KIND, lombardia.KIND),
    Dataset.PAYMENTS: (payments.KIND,),
    Dataset.FINANCIAL_FRAME: (financial_frame.KIND,),
    Dataset.MILESTONES: (milestones.KIND,),
}
# The payments rows carry their own release (`data_di_estrazione`): without a recorded import, the latest
# one in the data is the payments' date.
_PAYMENT_DATA = "__payment_snapshots__"


@dataclass(frozen=True)
class DatasetDate:
    """One dataset: its release date (the latest among its successful imports; None when its files do not
    state one, as the financial frame and the milestones) and the day it was last imported."""

    dataset: Dataset
    release_date: date | None
    imported_on: date | None

    @property
    def label(self) -> str:
        return str(DATASET_LABELS[self.dataset])

    @property
    def known(self) -> bool:
        return self.release_date is not None or self.imported_on is not None


@dataclass(frozen=True)
class DateGroup:
    """Datasets of the same release date, as a dates line names them: "progetti e luoghi al 24/02/2023"."""

    datasets: tuple[Dataset, ...]
    release_date: date | None
    imported_on: date | None

    @property
    def label(self) -> str:
        names = [str(DATASET_LABELS[d]) for d in self.datasets]
        return (
            names[0] if len(names) == 1 else _("%(a)s e %(b)s") % {"a": ", ".join(names[:-1]), "b": names[-1]}
        )

    @property
    def keys(self) -> str:
        return " ".join(self.datasets)


@dataclass(frozen=True)
class DatasetDates:
    """The dates of every dataset, and `latest`: the latest release date of any successful import (the
    former single "data as of" date)."""

    dates: dict[Dataset, DatasetDate] = field(default_factory=dict)
    latest: date | None = None

    def release(self, dataset: Dataset) -> date | None:
        return self.dates[dataset].release_date if dataset in self.dates else None

    def of(self, datasets: Iterable[Dataset]) -> list[DatasetDate]:
        return [self.dates.get(d) or DatasetDate(d, None, None) for d in datasets]

    def groups(self, datasets: Iterable[Dataset]) -> list[DateGroup]:
        """The known datasets among `datasets` grouped by release date (in the order of their first
        dataset): what a dates line under a figure prints. Datasets never imported are left out."""
        out: dict[tuple[date | None, date | None, str], list[Dataset]] = {}
        for d in self.of(datasets):
            if d.known:
                # Without a release date, each dataset stands alone with its import day.
                key = (d.release_date, None, "") if d.release_date else (None, d.imported_on, d.dataset)
                out.setdefault(key, []).append(d.dataset)
        return [DateGroup(tuple(ds), release, imported) for (release, imported, _d), ds in out.items()]

    def oldest(self, datasets: Iterable[Dataset]) -> DateGroup | None:
        """The datasets with the oldest release date among `datasets` (None when none has one)."""
        dated = [g for g in self.groups(datasets) if g.release_date is not None]
        return min(dated, key=lambda g: g.release_date or date.max) if dated else None

    def freshness(
        self, datasets: Iterable[Dataset] = DASHBOARD_DATASETS, *, today: date | None = None
    ) -> Freshness:
        """How old the oldest dataset among `datasets` is (what the stale-data banner names)."""
        oldest = self.oldest(datasets)
        if oldest is None:
            return freshness(None, today=today)
        return freshness(oldest.release_date, today=today, label=oldest.label)


def _day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def read_dataset_dates() -> DatasetDates:
    """The dates of every dataset from the successful imports (`ImportRun` with status ok or partial), the
    payments falling back on the latest release in their rows. One query."""
    runs = (
        ImportRun.objects.filter(status__in=[ImportRun.Status.OK, ImportRun.Status.PARTIAL])
        .order_by()
        .values("kind")
        .annotate(release=Max("release_date"), imported=Max("started_at"))
        .values_list("kind", "release", "imported")
    )
    in_rows = (
        PaymentSnapshot.objects.order_by()
        .annotate(kind=Value(_PAYMENT_DATA, output_field=CharField()))
        .values("kind")
        .annotate(release=Max("release_date"), imported=Value(None, output_field=DateTimeField()))
        .values_list("kind", "release", "imported")
    )
    by_kind: dict[str, tuple[date | None, date | None]] = {}
    for kind, release, imported in runs.union(in_rows, all=True):
        by_kind[kind] = (_day(release), _day(imported))
    latest = max((r for k, (r, _i) in by_kind.items() if k != _PAYMENT_DATA and r), default=None)
    dates: dict[Dataset, DatasetDate] = {}
    for dataset, kinds in DATASET_KINDS.items():
        found = [by_kind[k] for k in kinds if k in by_kind]
        release = max((r for r, _i in found if r), default=None)
        imported = max((i for _r, i in found if i), default=None)
        if dataset == Dataset.PAYMENTS and release is None and _PAYMENT_DATA in by_kind:
            release = by_kind[_PAYMENT_DATA][0]
        if release or imported:
            dates[dataset] = DatasetDate(dataset, release, imported)
    return DatasetDates(dates=dates, latest=latest)


@dataclass(frozen=True)
class Freshness:
    """How old the data of a page are: `as_of` is the release date of its oldest dataset (`label` names it),
    `stale` when that is more than STALE_AFTER_DAYS days old."""

    as_of: date | None
    today: date
    label: str = ""

    @property
    def days(self) -> int | None:
        return None if self.as_of is None else (self.today - self.as_of).days

    @property
    def stale(self) -> bool:
        return self.days is not None and self.days > STALE_AFTER_DAYS

    @property
    def limit(self) -> int:
        return STALE_AFTER_DAYS


def freshness(as_of: date | None, *, today: date | None = None, label: str = "") -> Freshness:
    return Freshness(as_of=as_of, today=today or timezone.localdate(), label=label)


# The last dataset dates computed, kept for the banner of the pages that do not compute them.
AS_OF_CACHE_KEY = "decimetro:pnrr:data-as-of"
AS_OF_CACHE_SECONDS = 3600


def dataset_dates() -> DatasetDates:
    """The dates of every dataset (`read_dataset_dates`: one query), remembered per data version with the
    production cache (`cached_for_data_version`, as the dashboards and the map that call it). They are also
    kept, for AS_OF_CACHE_SECONDS, as the last ones known: the stale-data banner of the other pages reads
    them from there (`banner_freshness`), so that they show it without a query."""
    dates = cached_for_data_version("dataset-dates", (), read_dataset_dates, scope=SCOPE_PNRR)  # the imports
    cache.set(AS_OF_CACHE_KEY, ("ok", dates), AS_OF_CACHE_SECONDS)
    return dates


def data_as_of() -> date | None:
    """The latest release date of any dataset (`dataset_dates().latest`)."""
    return dataset_dates().latest


def banner_freshness() -> Freshness | None:
    """The freshness of the dashboards' datasets (projects, places, payments: the oldest of them) from the
    last dates computed by `dataset_dates` (no query); None when none are known (nothing computed in the last
    AS_OF_CACHE_SECONDS: no banner)."""
    known = cache.get(AS_OF_CACHE_KEY)
    return known[1].freshness(DASHBOARD_DATASETS) if known else None
