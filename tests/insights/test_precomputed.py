"""The figures precomputed per data version (`insights.precomputed`): the same values as the live
computation, read instead of computed, never read once the data changed, refreshed by the task that every
change enqueues."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.core.models import Job
from decimetro.insights.cache import data_version, is_neutral_action, is_pnrr_neutral_action, pnrr_version
from decimetro.insights.models import PrecomputedFigure
from decimetro.insights.precomputed import precompute_figures
from decimetro.insights.tasks import PRECOMPUTE_KIND
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.linking.services import link_confirm
from decimetro.pnrr.models import Place
from decimetro.pnrr.services import pnrr_import_file
from tests.pnrr.conftest import PAYMENTS
from tests.public.test_dashboards import _add_projects, dashboard_projects  # noqa: F401 (a fixture)


def _current_versions() -> set[str]:
    """The versions a row may be stored for: the data version, or its PNRR part (the PNRR-scope figures)."""
    version = data_version()
    return {repr(version), repr(pnrr_version(version))}


@pytest.fixture
def data(dashboard_projects):  # noqa: F811 (the fixture imported above)
    """`tests.public.test_dashboards.dashboard_projects`: a mission, three objectives, two comuni, two zones,
    four projects with payments, confirmed and suggested links."""
    return dashboard_projects


PAGES = [
    "/",
    "/piano/missioni/M1/",
    "/piano/obiettivi/M1.1/",
    "/piano/obiettivi/M1.2/",
    "/piano/obiettivi/M1.3/",
    "/territorio/comuni/015901/",
    "/territorio/comuni/015902/",
    "/territorio/zone/nord/",
    "/territorio/mappa/",
    "/territorio/comuni/",
    "/territorio/zone/",
]
PLACES = Place._meta.db_table
LINKS = ProjectObjectiveLink._meta.db_table


def _reads_places(sql: list[str]) -> bool:
    """Whether a query read the places (the data version's `MAX(id)` lookups aside)."""
    return any(PLACES in q and "MAX(id)" not in q for q in sql)


def _reads_links(sql: list[str]) -> bool:
    """Whether a query read the project ↔ objective links (the data version's `MAX(id)` lookups aside)."""
    return any(LINKS in q and "MAX(id)" not in q for q in sql)


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def live(settings):
    """Production's process cache off: every figure computed (the reference)."""
    settings.DECIMETRO_MAP_CACHE_SECONDS = 0
    settings.DECIMETRO_PRECOMPUTED_FIGURES = False
    return settings


def _precomputed_on(settings) -> None:
    """Production's settings, with an empty process cache: a page reads the precomputed rows (or computes)."""
    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    settings.DECIMETRO_PRECOMPUTED_FIGURES = True
    cache.clear()


def _reads(client, url: str) -> tuple[str, list[str]]:
    """The page and the SQL it ran, with an empty process cache."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        html = _html(client, url)
    return html, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", PAGES)
def test_precomputed_pages_equal_the_live_ones_and_read_no_place(client, data, live, url):
    expected = _html(client, url)
    precompute_figures()
    _precomputed_on(live)
    try:
        html, sql = _reads(client, url)
        assert html == expected
        if url not in ("/territorio/comuni/", "/territorio/zone/"):  # their lists are not cached figures
            assert not _reads_places(sql), "a precomputed page grouped the places again"
    finally:
        cache.clear()


def test_every_language_is_precomputed(client, data, live):
    client.cookies[live.LANGUAGE_COOKIE_NAME] = "en"
    expected = _html(client, "/piano/missioni/M1/")
    assert 'lang="en"' in expected
    r = precompute_figures()
    assert r.stored == PrecomputedFigure.objects.count() > 0
    assert set(PrecomputedFigure.objects.values_list("version", flat=True)) == _current_versions()
    _precomputed_on(live)
    try:
        html, sql = _reads(client, "/piano/missioni/M1/")
        assert html == expected
        assert not _reads_places(sql)
    finally:
        cache.clear()


@pytest.mark.parametrize("url", ["/", "/piano/missioni/M1/", "/piano/obiettivi/M1.1/", "/territorio/mappa/"])
def test_query_count_with_precomputed_figures_is_small_and_constant(client, data, live, url):
    _precomputed_on(live)
    try:
        precompute_figures()
        _reads(client, url)  # content types and the like
        one = len(_reads(client, url)[1])
        _add_projects(data, 3)
        precompute_figures()
        three = len(_reads(client, url)[1])
        assert one == three
        live.DECIMETRO_PRECOMPUTED_FIGURES = False
        assert len(_reads(client, url)[1]) > one  # computing costs more than reading
    finally:
        cache.clear()


def test_a_stale_precomputed_figure_is_never_served(client, data, live, staff_user):
    precompute_figures()
    before = _html(client, "/piano/obiettivi/M1.1/")
    suggested = ProjectObjectiveLink.objects.get(project=data["p"][3])
    _precomputed_on(live)
    try:
        # A decision whose refresh has not run (no commit in the test: the task never starts).
        link_confirm(by=staff_user, link=suggested)
        html, sql = _reads(client, "/piano/obiettivi/M1.1/")
        assert html != before
        assert _reads_links(sql)  # the dashboard computed live, with the new link
        live.DECIMETRO_MAP_CACHE_SECONDS = 0
        live.DECIMETRO_PRECOMPUTED_FIGURES = False
        assert _html(client, "/piano/obiettivi/M1.1/") == html
    finally:
        cache.clear()


def test_a_link_decision_refreshes_the_precomputed_figures(
    client, data, live, staff_user, django_capture_on_commit_callbacks
):
    precompute_figures()
    suggested = ProjectObjectiveLink.objects.get(project=data["p"][3])
    _precomputed_on(live)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            link_confirm(by=staff_user, link=suggested)
        assert suggested.__class__.objects.get(pk=suggested.pk).status == LinkStatus.CONFIRMED
        job = Job.objects.get(kind=PRECOMPUTE_KIND)
        assert job.state == Job.State.DONE and job.summary["stored"] > 0
        assert set(PrecomputedFigure.objects.values_list("version", flat=True)) == _current_versions()
        html, sql = _reads(client, "/piano/obiettivi/M1.1/")
        assert not _reads_places(sql)
        live.DECIMETRO_MAP_CACHE_SECONDS = 0
        live.DECIMETRO_PRECOMPUTED_FIGURES = False
        assert _html(client, "/piano/obiettivi/M1.1/") == html  # the new link's figures
    finally:
        cache.clear()


def test_an_import_refreshes_the_precomputed_figures_once(data, live, django_capture_on_commit_callbacks):
    live.DECIMETRO_PRECOMPUTED_FIGURES = True
    with django_capture_on_commit_callbacks(execute=True):
        pnrr_import_file(path=PAYMENTS)
    jobs = Job.objects.filter(kind=PRECOMPUTE_KIND)
    assert [j.state for j in jobs] == [Job.State.DONE]
    assert PrecomputedFigure.objects.exists()
    assert set(PrecomputedFigure.objects.values_list("version", flat=True)) == _current_versions()


def test_nothing_is_enqueued_where_figures_are_not_precomputed(
    data, live, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pnrr_import_file(path=PAYMENTS)
    assert not Job.objects.filter(kind=PRECOMPUTE_KIND).exists()
    assert not PrecomputedFigure.objects.exists()


def test_rows_nobody_asks_for_any_more_are_removed(data, live):
    precompute_figures()
    data["o3"].delete()  # its dashboard, and the home and mission dashboards that listed it, are gone
    r = precompute_figures()
    assert r.removed >= 2 * 3  # in each language
    assert PrecomputedFigure.objects.count() == r.stored


def test_the_command_precomputes_only_where_enabled(data, live):
    out = StringIO()
    call_command("insights_precompute", if_enabled=True, stdout=out)
    assert "non attive" in out.getvalue() and not PrecomputedFigure.objects.exists()
    call_command("insights_precompute", stdout=out)
    assert "Cifre ricalcolate" in out.getvalue() and PrecomputedFigure.objects.exists()


# The PNRR scope: figures of the PNRR data alone, kept across link decisions and plan edits ----------------


@pytest.mark.parametrize(
    ("action", "neutral"),
    [
        ("linking.confirm", True),
        ("linking.crosswalk_approve", True),
        ("objective.update", True),
        ("edition.publish", True),
        ("observation.moderate", True),
        ("follow.confirm", True),
        ("pnrr.import", False),
        ("comune.update", False),
        ("zone.update", False),
        ("update", False),
        ("something.new", False),  # an action nobody listed changes the PNRR data version too
    ],
)
def test_the_pnrr_data_version_changes_with_every_write_but_the_listed_ones(data, action, neutral):
    from decimetro.core.audit import audit_record

    before = data_version()
    audit_record(by=None, action=action, target=data["o3"], before=None, after=None)
    after = data_version()
    assert (pnrr_version(after) == pnrr_version(before)) is neutral
    assert is_pnrr_neutral_action(action) is neutral
    if not is_neutral_action(action):
        assert after != before  # the data version itself changes with every such write


def test_the_pnrr_data_version_changes_with_the_pnrr_data(data):
    before = pnrr_version(data_version())
    place = Place.objects.first()
    Place.objects.create(
        project=place.project, dataset=place.dataset, comune=place.comune, istat_code=place.istat_code
    )
    assert pnrr_version(data_version()) != before


def test_a_link_decision_keeps_the_pnrr_figures_and_an_import_does_not(
    client, data, live, staff_user, django_capture_on_commit_callbacks
):
    precompute_figures()
    located = PrecomputedFigure.objects.get(name="located-set")
    suggested = ProjectObjectiveLink.objects.get(project=data["p"][3])
    _precomputed_on(live)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            link_confirm(by=staff_user, link=suggested)
        # The refresh kept the row of the projects' shares (the same PNRR data), and the pages read it.
        kept = PrecomputedFigure.objects.get(name="located-set")
        assert (kept.pk, kept.version, bytes(kept.payload)) == (
            located.pk,
            located.version,
            bytes(located.payload),
        )
        for url in ["/", "/piano/missioni/M1/"]:
            html, sql = _reads(client, url)
            assert not _reads_places(sql)
            live.DECIMETRO_MAP_CACHE_SECONDS, live.DECIMETRO_PRECOMPUTED_FIGURES = 0, False
            assert _html(client, url) == html
            _precomputed_on(live)
        # An import (no refresh run yet) makes it stale: the pages compute from the places again.
        pnrr_import_file(path=PAYMENTS)
        html, sql = _reads(client, "/piano/missioni/M1/")
        assert _reads_places(sql)
        live.DECIMETRO_MAP_CACHE_SECONDS, live.DECIMETRO_PRECOMPUTED_FIGURES = 0, False
        assert _html(client, "/piano/missioni/M1/") == html
    finally:
        cache.clear()
