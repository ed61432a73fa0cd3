"""The project table's rows written in Python (`decimetro.public.rows`) are the former template's, byte for
byte: `decimal_text` against `floatformat` value by value, whole tables against the template kept in
`tests/public/legacy/project_rows_template.html`, on varied projects and in both languages, through the
three pages that show the table."""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import translation

from decimetro.insights.lists import projects_with_progress, with_progress
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import Project, Provenance
from decimetro.public.rows import decimal_text, truncated
from tests.factories import (
    ComuneFactory,
    EditionFactory,
    ImplementingBodyFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    PnrrMeasureFactory,
    ProjectFactory,
    SubMeasureFactory,
)

LEGACY = Path(__file__).parent / "legacy" / "project_rows_template.html"
TABLE = re.compile(
    r'<div class="table-responsive">\s*<table class="table table-striped" id="projects">.*?</table>', re.S
)

NUMBERS = [
    None,
    0,
    1,
    -1,
    7,
    999,
    1000,
    -1000,
    123456789,
    10**21,
    -(10**15),
    0.0,
    -0.0,
    0.04,
    -0.04,
    0.05,
    -0.05,
    0.15,
    2.675,
    12.35,
    99.95,
    99.94999,
    100.0,
    1234.5,
    -1234.55,
    1e16,
    1e-7,
    -1e-7,
    123456789.125,
    Decimal("0"),
    Decimal("0.00"),
    Decimal("-0.00"),
    Decimal("-0.004"),
    Decimal("-0.005"),
    Decimal("0.005"),
    Decimal("0.015"),
    Decimal("1.005"),
    Decimal("2.675"),
    Decimal("-2.675"),
    Decimal("0.01"),
    Decimal("999.995"),
    Decimal("999999.995"),
    Decimal("-999999.995"),
    Decimal("1234567.89"),
    Decimal("-1234567.89"),
    Decimal("100000.00"),
    Decimal("1E+3"),
    Decimal("1.5E+7"),
    Decimal("1E-9"),
    Decimal("123456789012345678901234567890.125"),
    Decimal("-98765432109876543210.555"),
    Decimal("12.25"),
    Decimal("12.35"),
    Decimal("0.45"),
    Decimal("0.95"),
    Decimal("NaN"),
    Decimal("Infinity"),
    math.inf,
    "12.5",
    "abc",
    "",
]


@pytest.mark.parametrize("language", ["it", "en"])
def test_decimal_text_is_floatformat(language):
    with translation.override(language):
        for value in NUMBERS:
            for places in (0, 1, 2):
                assert decimal_text(value, places, grouping=True) == str(floatformat(value, f"{places}g")), (
                    value,
                    places,
                )
                assert decimal_text(value, places, grouping=False) == str(floatformat(value, places)), (
                    value,
                    places,
                )


@pytest.mark.parametrize("language", ["it", "en"])
def test_decimal_text_with_the_thousand_separator_always_on(language, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    with translation.override(language):
        for value in NUMBERS:
            assert decimal_text(value, 1, grouping=False) == str(floatformat(value, 1)), value


def test_decimal_text_rounds_halves_up_and_groups():
    with translation.override("it"):
        assert decimal_text(Decimal("1234567.005"), 2, grouping=True) == "1.234.567,01"
        assert decimal_text(Decimal("-0.004"), 2, grouping=True) == "0,00"
        assert decimal_text(12.25, 1, grouping=False) == "12,3"
    with translation.override("en"):
        assert decimal_text(Decimal("1234567.005"), 2, grouping=True) == "1,234,567.01"


@pytest.mark.parametrize("language", ["it", "en"])
def test_truncated_is_truncatechars(language):
    texts = ["", "breve", "x" * 140, "y" * 141, "é" * 150, "e\u0301" * 140, "a<b>" * 40, "\u0958" * 80]
    # Long titles with accents (precomposed: counted), a combining mark before and after the cut, one at the
    # very end, and no mark at all but characters beyond the basic plane.
    texts += ["Città è più " * 15, "q\u0301" * 30 + "z" * 120, "z" * 120 + "q\u0301" * 30]
    texts += ["z" * 140 + "q\u0301", "\U0001f600" * 141, "à" * 99 + "b"]
    with translation.override(language):
        for text in texts:
            for length in (1, 100, 140):
                assert truncated(text, length) == engines["django"].from_string(
                    "{% autoescape off %}{{ t|truncatechars:n }}{% endautoescape %}"
                ).render({"t": text, "n": length}), (text, length)


@pytest.fixture
def varied(db):
    """Projects covering every branch of a row: titled, untitled, long and hostile titles, not validated,
    0 to 5 places with and without a comune, no body, no amounts, negative and huge amounts, payments and
    confirmed objectives."""
    from decimetro.linking.models import LinkOrigin, ProjectObjectiveLink

    hostile = PnrrMeasureFactory(code="M2C2I3.01", name='Misura "speciale" <b>& co.</b> ' + "lunga " * 30)
    sub = SubMeasureFactory(measure=hostile)
    mission = MissionFactory(edition=EditionFactory(), number=1, code="M1")
    objectives = [ObjectiveFactory(mission=mission, number=i) for i in (1, 2, 3)]
    comuni = [
        ComuneFactory(name=name) for name in ("Milano", "Sesto <San> Giovanni", "Rho & Pero", "Bollate")
    ]
    projects = [
        ProjectFactory(title="Scuola \"Rodari\" <script>alert('x')</script> & palestra"),
        ProjectFactory(title="T" * 139 + "ùè", fin_pnrr=None, fin_totale=None, implementing_body=None),
        ProjectFactory(title="", submeasure=sub, provenance=Provenance.UNIVERSE),
        ProjectFactory(title="", fin_pnrr=Decimal("-1234.56"), fin_totale=Decimal("987654321098.99")),
        ProjectFactory(
            title="Parola " * 40,
            provenance=Provenance.UNIVERSE,
            implementing_body=ImplementingBodyFactory(name='Ente <A> & "B" d\'Italia'),
            fin_pnrr=Decimal("0.00"),
            fin_totale=Decimal("0.01"),
        ),
        ProjectFactory(title="Tre luoghi", submeasure=sub),
        ProjectFactory(title="Quattro luoghi"),
        ProjectFactory(title="Cinque luoghi"),
    ]
    for i, count in ((0, 1), (2, 2), (4, 4), (5, 3), (6, 4), (7, 5)):
        project = projects[i]
        for n in range(count):
            if n < len(comuni) and n != 1:
                PlaceFactory(project=project, comune=comuni[n])
            else:  # a region-wide or national row: no comune, no link
                PlaceFactory(
                    project=project, comune=None, istat_code="", region_code=str(n), province_code="0"
                )
    PaymentSnapshotFactory(project=projects[0], paid_total=Decimal("60000.00"))
    PaymentSnapshotFactory(project=projects[1], fin_totale=None, paid_total=Decimal("10.00"))
    PaymentSnapshotFactory(
        project=projects[3], paid_total=Decimal("123456789.55"), fin_totale=Decimal("3.00")
    )
    PaymentSnapshotFactory(
        project=projects[4], paid_total=Decimal("0.00"), release_date=datetime.date(2024, 1, 31)
    )
    for project, chosen in ((projects[0], objectives), (projects[3], objectives[1:2])):
        for objective in chosen:
            ProjectObjectiveLink.objects.create(
                project=project, objective=objective, origin=LinkOrigin.STAFF, status="confirmed"
            )
    return projects


def _legacy(projects, *, progress_columns: bool) -> str:
    template = engines["django"].from_string(LEGACY.read_text())
    return template.render(
        {"projects": projects, "caption": "Progetti", "progress_columns": progress_columns}
    )


def _legacy_rows(order=("pk",)):
    """The rows as the list read them before (every column, the deep select_related)."""
    qs = pnrr_sel.projects_for_list().order_by(*order)
    return list(with_progress(projects_with_progress(pnrr_sel.with_list_places(qs))))


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("progress_columns", [True, False])
def test_rows_equal_the_former_template(varied, language, progress_columns):
    new_qs = pnrr_sel.only_list_rows(pnrr_sel.projects_for_list().order_by("pk"))
    with translation.override(language):
        new_rows = list(with_progress(projects_with_progress(pnrr_sel.with_list_places(new_qs))))
        expected = _legacy(_legacy_rows(), progress_columns=progress_columns)
        got = render_to_string(
            "public/pnrr/_project_rows.html",
            {"projects": new_rows, "caption": "Progetti", "progress_columns": progress_columns},
        )
    assert got == expected
    # The fixture reaches every branch (the comparison would prove little otherwise).
    for fragment in ("data-untitled", "bg-warning", "&lt;script&gt;", "…", 'data-figure="objectives"><a'):
        assert fragment in got or (not progress_columns and fragment.startswith('data-figure="'))
    assert ("e altri 2" if language == "it" else "and 2 more") in got
    assert ("e 1 altro" if language == "it" else "and 1 more") in got


@pytest.mark.parametrize("language", ["it", "en"])
def test_no_project_row_equals_the_former_template(db, language):
    with translation.override(language):
        for progress_columns in (True, False):
            got = render_to_string(
                "public/pnrr/_project_rows.html",
                {"projects": [], "caption": "Progetti", "progress_columns": progress_columns},
            )
            assert got == _legacy([], progress_columns=progress_columns)


@pytest.mark.parametrize("language", ["it", "en"])
def test_pages_show_the_former_table(client, varied, language):
    """The list, an implementing body's and a measure's pages: their table is the former template's."""
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = varied[4].implementing_body
    measure = varied[2].submeasure.measure
    pages = [
        ("/progetti/?ordina=cup&per_pagina=10", ("cup", "pk"), {}, True),
        (f"/pnrr/attuatori/{body.pk}/", ("-fin_pnrr", "pk"), {"implementing_body": body}, False),
        (f"/pnrr/misure/{measure.code}/", None, {"submeasure__measure": measure}, False),
    ]
    for url, order, only, progress_columns in pages:
        response = client.get(url)
        assert response.status_code == 200
        page_table = TABLE.search(response.content.decode())
        assert page_table, url
        # The measure's page keeps its own order and territory: compare the rows it shows, in its order.
        cups = re.findall(r'<tr data-cup="([^"]+)"', page_table.group(0))
        with translation.override(language):
            if order is None:
                shown = pnrr_sel.with_list_places(
                    pnrr_sel.projects_of_measure_in_territory(measure=measure).filter(cup__in=cups)
                )
                rows = sorted(shown, key=lambda p: cups.index(p.cup))
            else:
                rows = [p for p in _legacy_rows(order) if all(getattr(p, k) == v for k, v in only.items())]
            expected = TABLE.search(_legacy(rows, progress_columns=progress_columns)).group(0)
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", page_table.group(0), re.S).group(1)
        assert page_table.group(0) == expected.replace(">Progetti</caption>", f">{caption}</caption>"), url
        assert "<tr data-cup=" in expected


def test_list_page_reads_only_the_shown_columns(varied, django_assert_max_num_queries):
    """`only_list_rows` leaves nothing the rows need to a query per project (a deferred column read later)."""
    rows = list(
        with_progress(
            projects_with_progress(
                pnrr_sel.with_list_places(
                    pnrr_sel.only_list_rows(pnrr_sel.projects_for_list().order_by("pk"))
                )
            )
        )
    )
    assert len(rows) == Project.objects.count()
    with django_assert_max_num_queries(0):
        render_to_string(
            "public/pnrr/_project_rows.html", {"projects": rows, "caption": "", "progress_columns": True}
        )
