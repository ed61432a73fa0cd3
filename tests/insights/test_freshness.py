"""insights.freshness: the "data as of" date is read through one function, remembered per data version, and
the banner's copy is kept by this module alone (a dashboard served from the cache writes nothing)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.insights import freshness as fresh
from decimetro.insights.cache import cached_for_data_version
from decimetro.insights.dashboards import objective_dashboard
from tests.factories import ImportRunFactory, ObjectiveFactory

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
