"""insights.freshness: the "data as of" date is read through one function, remembered per data version, and
the banner's copy is kept by this module alone (a dashboard served from the cache writes nothing)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decimetro.insights import freshness as fresh
from decimetro.insights.cache import cached_for_data_version
from decimetro.insights.dashboards import objective_dashboard
from decimetro.insights.definitions import DASHBOARD_DATASETS, FIGURES, Dataset, datasets_of
from tests.factories import ImportRunFactory, ObjectiveFactory, PaymentSnapshotFactory

JAN, JUN = datetime.date(2025, 1, 1), datetime.date(2025, 6, 1)


@pytest.fixture
def production_cache(settings):
    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_the_banner_knows_only_what_data_as_of_computed(db):
    cache.clear()
    ImportRunFactory(release_date=JAN)
    assert fresh.banner_freshness() is None  # nothing computed yet: no banner
    assert fresh.data_as_of() == JAN
    with CaptureQueriesContext(connection) as ctx:
        known = fresh.banner_freshness()
    assert known is not None and known.as_of == JAN and len(ctx) == 0
    cache.clear()


def test_data_as_of_is_remembered_per_data_version(db, production_cache):
    ImportRunFactory(release_date=JAN)
    assert fresh.data_as_of() == JAN
    with CaptureQueriesContext(connection) as ctx:
        assert fresh.data_as_of() == JAN
    assert len(ctx) == 1  # the data version only
    ImportRunFactory(release_date=JUN)  # a new import is seen at once
    assert fresh.data_as_of() == JUN
    assert fresh.banner_freshness().as_of == JUN


def test_nothing_imported_is_remembered_too(db, production_cache):
    assert fresh.data_as_of() is None
    with CaptureQueriesContext(connection) as ctx:
        assert fresh.data_as_of() is None
    assert len(ctx) == 1


def test_inside_a_cached_computation_the_version_is_asked_once(db, production_cache):
    ImportRunFactory(release_date=JAN)
    with CaptureQueriesContext(connection) as ctx:
        assert cached_for_data_version("outer", (), fresh.data_as_of) == JAN
    assert len(ctx) == 2  # the data version, the release date


def test_a_dashboard_from_the_cache_does_not_write_the_banner(db, production_cache):
    objective = ObjectiveFactory()
    ImportRunFactory(release_date=JAN)
    assert objective_dashboard(objective)["as_of"] == JAN  # computed: data_as_of keeps the banner's copy
    assert fresh.banner_freshness().as_of == JAN
    cache.delete(fresh.AS_OF_CACHE_KEY)
    assert objective_dashboard(objective)["as_of"] == JAN  # from the cache
    assert fresh.banner_freshness() is None


# Dates per dataset ----------------------------------------------------------------------------------------


def test_each_dataset_has_the_release_of_its_own_files(db):
    ImportRunFactory(kind="progetti", release_date=datetime.date(2023, 2, 24))
    ImportRunFactory(kind="localizzazioni_validate", release_date=datetime.date(2023, 2, 24))
    ImportRunFactory(kind="pagamenti", release_date=datetime.date(2024, 12, 31))
    ImportRunFactory(kind="pagamenti", release_date=datetime.date(2025, 3, 31))
    ImportRunFactory(kind="pagamenti", release_date=datetime.date(2025, 9, 30), status="rejected")
    ImportRunFactory(kind="quadro_finanziario", release_date=None)
    with CaptureQueriesContext(connection) as ctx:
        dates = fresh.read_dataset_dates()
    assert len(ctx) == 1
    assert dates.release(Dataset.PROJECTS) == datetime.date(2023, 2, 24)
    assert dates.release(Dataset.PLACES) == datetime.date(2023, 2, 24)
    assert dates.release(Dataset.PAYMENTS) == datetime.date(2025, 3, 31)  # the rejected file does not count
    assert dates.release(Dataset.FINANCIAL_FRAME) is None
    assert dates.dates[Dataset.FINANCIAL_FRAME].imported_on == timezone.localdate()  # stated with its import
    assert Dataset.MILESTONES not in dates.dates  # never imported
    assert dates.latest == datetime.date(2025, 3, 31)


def test_the_lombardy_file_dates_projects_and_places(db):
    ImportRunFactory(kind="lombardia_localizzati", release_date=JUN)
    dates = fresh.read_dataset_dates()
    assert (dates.release(Dataset.PROJECTS), dates.release(Dataset.PLACES)) == (JUN, JUN)
    assert dates.release(Dataset.PAYMENTS) is None


def test_without_an_import_the_payments_are_dated_by_their_rows(db):
    PaymentSnapshotFactory(release_date=JAN)
    PaymentSnapshotFactory(release_date=JUN)
    dates = fresh.read_dataset_dates()
    assert dates.release(Dataset.PAYMENTS) == JUN
    assert dates.latest is None  # nothing imported
    ImportRunFactory(kind="pagamenti", release_date=JAN)
    assert fresh.read_dataset_dates().release(Dataset.PAYMENTS) == JAN  # the import wins over the rows


def test_datasets_of_the_same_release_share_a_group(db):
    ImportRunFactory(kind="progetti", release_date=JAN)
    ImportRunFactory(kind="localizzazioni_universo", release_date=JAN)
    ImportRunFactory(kind="pagamenti", release_date=JUN)
    ImportRunFactory(kind="milestone_target", release_date=None)
    dates = fresh.read_dataset_dates()
    groups = dates.groups(list(Dataset))
    assert [(g.label, g.release_date) for g in groups] == [
        ("progetti e luoghi", JAN),
        ("pagamenti", JUN),
        ("milestone e target", None),
    ]
    assert groups[2].imported_on == timezone.localdate()
    assert dates.oldest(DASHBOARD_DATASETS).label == "progetti e luoghi"
    assert dates.oldest([Dataset.PAYMENTS]).release_date == JUN


def test_the_freshness_is_that_of_the_oldest_dataset(db):
    ImportRunFactory(kind="progetti", release_date=JAN)
    ImportRunFactory(kind="pagamenti", release_date=JUN)
    dates = fresh.read_dataset_dates()
    f = dates.freshness(DASHBOARD_DATASETS, today=datetime.date(2025, 7, 1))
    assert (f.as_of, f.label, f.days, f.stale) == (JAN, "progetti", 181, True)
    f = dates.freshness([Dataset.PAYMENTS], today=datetime.date(2025, 7, 1))
    assert (f.as_of, f.label, f.days, f.stale) == (JUN, "pagamenti", 30, False)
    assert fresh.DatasetDates().freshness().as_of is None


def test_the_banner_names_the_oldest_dataset_of_the_figures(db):
    cache.clear()
    ImportRunFactory(kind="progetti", release_date=JAN)
    ImportRunFactory(kind="pagamenti", release_date=JUN)
    fresh.dataset_dates()
    known = fresh.banner_freshness()
    assert (known.as_of, known.label) == (JAN, "progetti")
    cache.clear()


def test_the_dataset_dates_are_remembered_per_data_version(db, production_cache):
    ImportRunFactory(kind="pagamenti", release_date=JAN)
    assert fresh.dataset_dates().release(Dataset.PAYMENTS) == JAN
    with CaptureQueriesContext(connection) as ctx:
        assert fresh.dataset_dates().release(Dataset.PAYMENTS) == JAN
    assert len(ctx) == 1  # the data version only
    ImportRunFactory(kind="pagamenti", release_date=JUN)
    assert fresh.dataset_dates().release(Dataset.PAYMENTS) == JUN


def test_every_figure_names_its_datasets():
    assert datasets_of("projects", "fin_totale") == (Dataset.PROJECTS, Dataset.PLACES)
    assert datasets_of("paid") == (Dataset.PROJECTS, Dataset.PLACES, Dataset.PAYMENTS)
    assert set(FIGURES) == {
        "projects",
        "fin_totale",
        "fin_pnrr",
        "paid",
        "progress_pct",
        "per_resident",
        "attributed",
        "not_attributed",
    }
    assert all(str(f.label) and str(f.definition) and f.datasets for f in FIGURES.values())
