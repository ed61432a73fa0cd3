"""The project list's filters as rewritten for national scale (issue 15): same rows as the plain definitions,
the select boxes written in Python (selected, escaped, cut as before), the count fresh after a change."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from decimetro.pnrr.models import Place, Provenance
from decimetro.pnrr.selectors import ProjectFilters, own_places, projects_filtered
from tests.factories import (
    ComuneFactory,
    ImplementingBodyFactory,
    PlaceFactory,
    ProjectFactory,
    SubMeasureFactory,
    ZoneFactory,
)

LIST = "/progetti/"


@pytest.fixture
def located(db, pnrr_submeasure):
    """Projects of both provenances with places of their own dataset and of the other one, in two comuni
    of a zone, one outside the territory (no comune), and one with no place."""
    zone = ZoneFactory(slug="est")
    a = ComuneFactory(codice_istat="015911", zone=zone)
    b = ComuneFactory(codice_istat="015912", zone=zone)
    c = ComuneFactory(codice_istat="015913", zone=None)
    sub = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    made = {}
    for name, provenance in [("v", Provenance.VALIDATED), ("u", Provenance.UNIVERSE)]:
        own = ProjectFactory(submeasure=sub, provenance=provenance, title=f"{name} own")
        other = ProjectFactory(submeasure=sub, provenance=provenance, title=f"{name} other")
        elsewhere = {Provenance.VALIDATED: Provenance.UNIVERSE, Provenance.UNIVERSE: Provenance.VALIDATED}
        PlaceFactory(project=own, comune=a)
        PlaceFactory(project=own, comune=c)
        # A place of the other file only: not one of the project's places.
        PlaceFactory(project=other, comune=b, dataset=elsewhere[provenance])
        PlaceFactory(project=other, comune=None, istat_code="016001", comune_name="BERGAMO")
        made[name] = (own, other)
    ProjectFactory(submeasure=sub, title="nowhere")
    return {"a": a, "b": b, "c": c, "zone": zone}


def _reference(**where) -> set[int]:
    """The projects with an own place matching `where`, by the plain definition."""
    return set(Place.objects.filter(own_places(), **where).values_list("project_id", flat=True))


@pytest.mark.parametrize(
    ("filters", "where", "expected"),
    [
        ({"comune": "015911"}, {"istat_code": "015911"}, {"v own", "u own"}),
        ({"comune": "015912"}, {"istat_code": "015912"}, set()),  # only places of the other file there
        ({"comune": "016001"}, {"istat_code": "016001"}, {"v other", "u other"}),  # outside the territory
        ({"zone": "est"}, {"comune__zone__slug": "est"}, {"v own", "u own"}),
        ({"in_territory": True}, {"comune__isnull": False}, {"v own", "u own"}),
    ],
)
def test_place_filters_keep_only_the_projects_own_places(located, filters, where, expected):
    found = projects_filtered(filters=ProjectFilters(**filters))
    assert set(found.values_list("title", flat=True)) == expected
    assert set(found.values_list("pk", flat=True)) == _reference(**where)
    assert found.count() == len(expected)


def test_place_filters_combine_with_each_other_and_with_the_structure(located, pnrr_submeasure):
    outside = ProjectFactory(submeasure=pnrr_submeasure("M4", "M4C1", "M4C1I3.03"), title="scuola")
    PlaceFactory(project=outside, comune=located["a"])
    both = ProjectFilters(comune="015911", zone="est")
    assert set(projects_filtered(filters=both).values_list("title", flat=True)) == {
        "v own",
        "u own",
        "scuola",
    }
    m4 = ProjectFilters(comune="015911", mission="m4")
    assert list(projects_filtered(filters=m4).values_list("title", flat=True)) == ["scuola"]


def test_structure_filters_read_the_sub_measures_once_and_match_as_the_codes_say(db, pnrr_submeasure):
    first = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    second = SubMeasureFactory(code="M1C1I1.02.01", measure=first.measure)  # a measure with two sub-measures
    other = pnrr_submeasure("M1", "M1C2", "M1C2I1.01")
    school = pnrr_submeasure("M4", "M4C1", "M4C1I3.03")
    for sub in (first, second, other, school):
        ProjectFactory(submeasure=sub, title=sub.code)

    def titles(**filters) -> list[str]:
        return sorted(projects_filtered(filters=ProjectFilters(**filters)).values_list("title", flat=True))

    assert titles(measure=" m1c1i1.02 ") == ["M1C1I1.02.00", "M1C1I1.02.01"]
    assert titles(component="M1C1") == ["M1C1I1.02.00", "M1C1I1.02.01"]
    assert titles(mission="M1") == ["M1C1I1.02.00", "M1C1I1.02.01", "M1C2I1.01.00"]
    assert titles(mission="M1", component="M1C2") == ["M1C2I1.01.00"]
    assert titles(mission="M4", measure="M1C1I1.02") == []  # contradictory: nothing
    assert titles(mission="M9") == []  # unknown: nothing, not everything
    assert projects_filtered(filters=ProjectFilters(mission="M9")).count() == 0


def test_body_filter_matches_the_fiscal_code_exactly_or_the_name_in_part(db):
    alfa = ImplementingBodyFactory(fiscal_code="00000000001", name="COMUNE DI ALFA")
    beta = ImplementingBodyFactory(fiscal_code="80000000002", name="Istituto Beta")
    ProjectFactory(implementing_body=alfa, title="alfa")
    ProjectFactory(implementing_body=beta, title="beta")
    ProjectFactory(implementing_body=None, title="none")

    def titles(body: str) -> list[str]:
        return sorted(projects_filtered(filters=ProjectFilters(body=body)).values_list("title", flat=True))

    assert titles("00000000001") == ["alfa"]
    assert titles("0000000000") == []  # a fiscal code matches whole
    assert titles("istituto") == ["beta"] and titles("comune di") == ["alfa"]
    assert titles("i") == ["alfa", "beta"]


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, name
    return found.group(1)


def test_select_boxes_mark_the_chosen_values_and_escape_and_cut_the_labels(client, db, pnrr_submeasure):
    sub = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    measure = sub.measure
    measure.name = "Servizi <digitali> & cloud " + "x" * 80
    measure.save()
    ComuneFactory(
        codice_istat="015921", name="Sant'Alfa & Beta", zone=ZoneFactory(slug="ovest", name="Ovest")
    )
    ProjectFactory(submeasure=sub, fin_pnrr=Decimal("1.00"))
    page = client.get(
        LIST,
        {"missione": "m1", "componente": "m1c1", "misura": "m1c1i1.02", "comune": "015921", "zona": "ovest"},
    ).content.decode()
    measures = _select(page, "misura")
    cut = "Servizi &lt;digitali&gt; &amp; cloud " + "x" * 42 + "…"  # 70 characters, as truncatechars:70
    assert f'<option value="M1C1I1.02" selected>M1C1I1.02 {cut}</option>' in measures
    assert measures.count(" selected") == 1
    assert '<option value="M1" selected>M1 Missione M1</option>' in _select(page, "missione")
    assert '<option value="M1C1" selected>M1C1 Componente M1C1</option>' in _select(page, "componente")
    assert '<option value="015921" selected>Sant&#x27;Alfa &amp; Beta</option>' in _select(page, "comune")
    assert '<option value="ovest" selected>Ovest</option>' in _select(page, "zona")
    # Nothing chosen: the first option ("Tutte") stands, none is selected.
    plain = client.get(LIST).content.decode()
    assert " selected" not in _select(plain, "misura") and " selected" not in _select(plain, "comune")
    assert '<option value="M1C1I1.02">M1C1I1.02 ' in _select(plain, "misura")


def test_with_the_caches_on_the_count_and_the_choices_follow_a_new_project_at_once(
    client, db, settings, pnrr_submeasure
):
    settings.DECIMETRO_MAP_CACHE_SECONDS = 600
    settings.DECIMETRO_PAGE_CACHE_SECONDS = 0
    sub = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    ProjectFactory.create_batch(2, submeasure=sub)
    assert "2 progetti" in client.get(LIST, {"missione": "M1"}).content.decode()
    assert "2 progetti" in client.get(LIST, {"missione": "M1"}).content.decode()  # from the cache
    ProjectFactory(submeasure=pnrr_submeasure("M2", "M2C1", "M2C1I1.01"))
    ProjectFactory(submeasure=sub)
    page = client.get(LIST, {"missione": "M1"}).content.decode()
    assert "3 progetti" in page
    assert '<option value="M2C1I1.01">' in _select(page, "misura")  # the new measure is offered at once


@pytest.mark.parametrize("n", [1, 3])
def test_with_the_caches_on_the_list_reads_the_data_version_once(
    client, db, settings, pnrr_submeasure, django_assert_num_queries, n
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DECIMETRO_MAP_CACHE_SECONDS = 600
    settings.DECIMETRO_PAGE_CACHE_SECONDS = 0
    ProjectFactory.create_batch(n, submeasure=pnrr_submeasure("M1", "M1C1", "M1C1I1.02"))
    with CaptureQueriesContext(connection) as first:
        assert f"{n} progett" in client.get(LIST, {"missione": "M1"}).content.decode()
    # The count and the filters' choices, both keyed on the data version: one read of it, not one each.
    assert sum("FROM core_auditentry" in q["sql"] for q in first.captured_queries) == 1
    # Both remembered: the data version, the sub-measures of the filter, the page's rows, places, objectives.
    with django_assert_num_queries(5):
        assert f"{n} progett" in client.get(LIST, {"missione": "M1"}).content.decode()
