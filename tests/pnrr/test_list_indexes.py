"""PostgreSQL: the project list's filters and orders are written so that the indexes of migrations 0005 to
0009 can answer them (issue 15: `/progetti/` without a scan of every project on the national data).

With sequential scans priced out, a query the index cannot answer still shows no index of ours in its plan:
these tests fail if the SQL Django writes drifts from the indexed expressions (the trigram indexes are on
`UPPER(col::text)`, as `icontains` writes it) or an order stops being an index order (`title DESC NULLS LAST`
was not one)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from decimetro.pnrr import selectors
from decimetro.pnrr.models import ImplementingBody, Project, Provenance
from decimetro.pnrr.selectors import Cursor, ProjectFilters, keyset_page, projects_filtered

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")


@pytest.fixture
def national_like(db, pnrr_submeasure):
    """Enough projects, bodies and statistics for the planner to plan as on the national data."""
    sub = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    bodies = ImplementingBody.objects.bulk_create(
        ImplementingBody(fiscal_code=f"{i:011d}", name=f"COMUNE DI PROVA {i}") for i in range(300)
    )
    Project.objects.bulk_create(
        Project(
            cup=f"B11C22{i:09d}",
            local_code=str(i),
            submeasure=sub,
            provenance=Provenance.VALIDATED,
            title=f"Progetto {i} scuola" if i % 3 else "",
            synthesis=f"Sintesi {i}",
            fin_pnrr=Decimal(i) if i % 5 else None,
            fin_totale=Decimal(i * 2),
            implementing_body=bodies[i % 300],
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pnrr_project")
        cursor.execute("ANALYZE pnrr_implementingbody")
    return Project.objects.order_by("pk")[1500]


def plan(qs) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return qs.explain()


@pytest.mark.parametrize(
    ("filters", "indexes"),
    [
        (
            ProjectFilters(q="biblioteca"),
            ["pnrr_project_title_trgm", "pnrr_project_synthesis_trgm", "pnrr_project_cup_trgm"],
        ),
        (ProjectFilters(body="comune"), ["pnrr_body_name_trgm"]),
    ],
)
def test_text_filters_are_trigram_index_lookups(national_like, filters, indexes):
    # The count reads every match: the index must give them without reading every project. (Plain index
    # scans priced out too: on a small table a whole scan of any index beats a lookup.)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
    shown = plan(projects_filtered(filters=filters).order_by())
    for name in indexes:
        assert name in shown, shown


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("-amount", "pnrr_project_list_pnrr"),
        ("amount", "pnrr_project_list_pnrr_asc"),
        ("-total", "pnrr_project_list_total"),
        ("total", "pnrr_project_list_total_asc"),
        ("title", "pnrr_project_list_title"),
        ("-title", "pnrr_project_list_title"),
        ("cup", "pnrr_project_source_key"),
        ("-cup", "pnrr_project_source_key"),
    ],
)
def test_every_order_of_the_list_is_read_from_an_index(national_like, sort, index):
    shown = plan(projects_filtered(sort=sort)[:26])
    assert index in shown, shown
    # At most an incremental sort of the ties (the id after a backward scan), never a sort of every row.
    assert not re.search(r"(^|->  )Sort  \(", shown, re.MULTILINE), shown


@pytest.mark.parametrize("sort", ["-amount", "amount", "title", "-title"])
def test_a_previous_page_is_read_backwards_in_the_same_index(national_like, sort):
    project = national_like
    qs = projects_filtered(sort=sort)
    captured: list[str] = []
    explain = _explaining(captured, lambda sql: '"pnrr_project"."id" <' in sql)
    column = selectors.PROJECT_SORTS[sort.removeprefix("-")]
    value = getattr(project, column)
    with connection.execute_wrapper(explain):
        keyset_page(qs, sort=sort, per_page=10, before=Cursor(value, project.pk + 1, 30))
    assert captured
    expected = {"amount": "pnrr_project_list_pnrr_asc", "-amount": "pnrr_project_list_pnrr"}
    assert expected.get(sort, "pnrr_project_list_title") in captured[0], captured[0]


def test_a_page_s_keys_come_from_an_index_only_scan_and_its_rows_by_key(national_like, pnrr_submeasure):
    """`keyset_page(…, shown=…)`: the page's keys are read from the amount order's covering index alone
    (`pnrr.0007`: the sub-measure is in the index, so a filter on it skips projects without reading their
    rows), the rows are then read by primary key, and the filters are not evaluated again outside the keys."""
    captured: list[str] = []
    explain = _explaining(captured, lambda sql: "LIMIT" in sql.upper())
    sub = national_like.submeasure
    qs = projects_filtered(filters=ProjectFilters(measure=sub.measure.code), sort="-amount")
    with connection.execute_wrapper(explain):
        page = keyset_page(
            qs, sort="-amount", per_page=10, shown=selectors.only_list_rows(Project.objects.all())
        )
    assert [p.pk for p in page.rows] == list(qs.values_list("pk", flat=True)[:10])
    shown = captured[0]
    assert "Index Only Scan using pnrr_project_list_pnrr" in shown, shown
    assert "pnrr_project_pkey" in shown, shown  # the rows, by key
    assert shown.count("Filter: (submeasure_id") == 1, shown  # the filter, once: inside the keys


def test_an_amount_filter_under_the_total_order_reads_its_keys_from_the_index_alone(national_like):
    """`pnrr.0008`: the PNRR amount is in the total order's index, so `?importo_min=…&ordina=-total` (with an
    implementing body, as the bench's page) tests it on the index entries, without reading their rows."""
    captured: list[str] = []
    explain = _explaining(captured, lambda sql: "LIMIT" in sql.upper())
    filters = ProjectFilters(body="comune di prova", amount_min=Decimal(100))
    qs = projects_filtered(filters=filters, sort="-total")
    with connection.execute_wrapper(explain):
        page = keyset_page(
            qs, sort="-total", per_page=10, shown=selectors.only_list_rows(Project.objects.all())
        )
    assert [p.pk for p in page.rows] == list(qs.values_list("pk", flat=True)[:10])
    assert "Index Only Scan using pnrr_project_list_total" in captured[0], captured[0]
    assert "Filter: (fin_pnrr >=" in captured[0], captured[0]


def test_the_comune_filter_reads_its_places_from_an_index_only_scan(national_like):
    """`pnrr.0009`: each provenance's `IN` of the comune filter (`_located`) reads the project ids of the
    comune's places of that dataset from `pnrr_place_istat_dataset` alone, not from the table."""
    from decimetro.pnrr.models import Place

    projects = list(Project.objects.order_by("pk")[:600])
    Place.objects.bulk_create(
        Place(
            project=p,
            dataset=Provenance.VALIDATED if i % 3 else Provenance.UNIVERSE,
            region_code="3",
            province_code="15",
            comune_code=str(i % 200),
            istat_code=f"015{i % 200:03d}",
        )
        for i, p in enumerate(projects)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pnrr_place")
    qs = projects_filtered(filters=ProjectFilters(comune="015146"), sort="-amount")
    shown = plan(qs.values("pk")[:26])
    assert shown.count("Index Only Scan using pnrr_place_istat_dataset") == 2, shown
    assert "pnrr_place_istat_code" not in shown, shown
    own = Place.objects.filter(istat_code="015146", dataset=F("project__provenance"))
    expected = set(own.values_list("project_id", flat=True))
    assert set(qs.values_list("pk", flat=True)) == expected and expected


def _explaining(captured: list[str], wanted: Callable[[str], bool]) -> Callable[..., Any]:
    """An `execute_wrapper` that adds to `captured` the plan (sequential scans off) of every SELECT `wanted`
    picks, then runs it."""

    def explain(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and wanted(sql):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql, params)
                captured.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    return explain
