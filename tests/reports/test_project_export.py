"""The national project export: read as plain rows in four streams merged in the list's order
(`insights.lists.project_export_rows`), written in blocks (`writers.csv_blocks`). Every row must hold what the
list page shows for that project, in the list's order, whatever the sort; the streamed file must be the same
bytes as the file written at once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from decimetro.insights.lists import project_export_rows, project_progress, projects_with_progress
from decimetro.linking.models import LinkOrigin, ProjectObjectiveLink
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import Provenance
from decimetro.reports import exports
from decimetro.reports.writers import CSV_ITALIAN, CSV_STANDARD, csv_blocks, csv_response
from tests.factories import (
    ComuneFactory,
    EditionFactory,
    ImplementingBodyFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(pnrr_submeasure):
    """Projects with ties and null amounts, places of both datasets (national, regional, comuni), several
    payment snapshots, confirmed and suggested links, with and without a body."""
    subs = [pnrr_submeasure("M1", "M1C1", "M1C1I1.02"), pnrr_submeasure("M4", "M4C1", "M4C1I3.03")]
    mission = MissionFactory(edition=EditionFactory(), number=1, code="M1")
    objectives = [ObjectiveFactory(mission=mission, number=i) for i in (1, 2)]
    body = ImplementingBodyFactory(name="=COMUNE DI ALFA")  # a formula start, neutralised
    comune = ComuneFactory(name="Alfa")
    amounts = [Decimal("1000.00"), None, Decimal("1000.00"), Decimal("25.50"), None, Decimal("9000.00")]
    for i in range(18):
        project = ProjectFactory(
            submeasure=subs[i % 2],
            fin_pnrr=amounts[i % 6],
            fin_totale=None if i % 5 == 0 else Decimal(2000 + 100 * (i % 3)),
            title=["Scuola", "Asilo nido", "Scuola"][i % 3],
            implementing_body=body if i % 4 else None,
            provenance=Provenance.UNIVERSE if i % 3 == 0 else Provenance.VALIDATED,
        )
        if i % 2:
            PlaceFactory(project=project, comune=comune)
        if i % 3 == 1:
            PlaceFactory(project=project, comune=None, istat_code="", region_code="0", region_name="")
        if i % 4 == 1:  # a place of the other dataset: not the project's own
            other = (
                Provenance.UNIVERSE if project.provenance == Provenance.VALIDATED else Provenance.VALIDATED
            )
            PlaceFactory(project=project, comune=None, istat_code="", province_code="0", dataset=other)
        if i % 3:
            PaymentSnapshotFactory(project=project, release_date=datetime.date(2024, 6, 30))
            PaymentSnapshotFactory(project=project, paid_total=Decimal(100 * i))
        for objective in objectives[: i % 3]:
            ProjectObjectiveLink.objects.create(
                project=project,
                objective=objective,
                origin=LinkOrigin.STAFF,
                status="confirmed" if i % 5 else "suggested",
            )


def _page_rows(sort: str, filters: pnrr_sel.ProjectFilters) -> list[list]:
    """The export's rows as the list page computes its figures: model instances, prefetches, annotations."""
    projects = projects_with_progress(
        pnrr_sel.with_list_places(pnrr_sel.projects_filtered(filters=filters, sort=sort))
    )
    rows = []
    for p in projects:
        progress = project_progress(p)
        measure = p.submeasure.measure
        rows.append(
            [
                p.cup,
                p.local_code,
                p.submeasure.code,
                measure.code,
                measure.component.code,
                measure.component.mission.code,
                p.title,
                p.implementing_body.name if p.implementing_body else "",
                p.implementing_body.fiscal_code if p.implementing_body else "",
                exports.PROVENANCE_WORDS[p.provenance],
                p.fin_pnrr,
                p.fin_totale,
                " ".join(pl.istat_code for pl in p.list_places if pl.istat_code),
                "; ".join(pl.label for pl in p.list_places),
                p.updated_on,
                progress.paid,
                p.latest_release,
                progress.progress_pct,
                " ".join(progress.objectives),
                progress.provenance,
            ]
        )
    return rows


@pytest.mark.parametrize("sort", ["-amount", "amount", "-total", "title", "-title", "cup", "measure"])
@pytest.mark.parametrize("filters", [pnrr_sel.ProjectFilters(), pnrr_sel.ProjectFilters(mission="M4")])
@pytest.mark.parametrize("chunk_size", [1, 4, 2000])
def test_export_rows_are_the_list_pages_rows_in_its_order(varied, sort, filters, chunk_size):
    projects = pnrr_sel.projects_filtered(filters=filters, sort=sort)
    streamed = list(exports.project_rows(project_export_rows(projects, sort=sort, chunk_size=chunk_size)))
    assert streamed[0] == exports.PROJECTS_CSV_HEADER
    expected = _page_rows(sort, filters)
    assert streamed[1:] == expected
    assert len(expected) == (18 if not filters.mission else 9)
    assert any(row[13] for row in expected) and any(row[18] for row in expected)  # places and objectives


@pytest.mark.parametrize("fmt", [CSV_ITALIAN, CSV_STANDARD])
def test_streamed_export_is_the_same_file_as_written_at_once(varied, fmt):
    def rows():
        projects = pnrr_sel.projects_filtered(sort="-amount")
        return exports.project_rows(project_export_rows(projects, sort="-amount", chunk_size=3))

    streamed = csv_response(rows(), filename="p.csv", fmt=fmt, stream=True)
    whole = csv_response(rows(), filename="p.csv", fmt=fmt, stream=False)
    assert isinstance(streamed, StreamingHttpResponse)
    assert b"".join(streamed.streaming_content) == whole.content
    assert b"'=COMUNE DI ALFA" in whole.content


def test_the_project_export_response_is_a_stream_of_blocks(client, varied):
    """The view answers before the rows are read: a StreamingHttpResponse over a generator (never a list
    of lines), the lines joined in blocks of about 64 KB."""
    response = client.get("/progetti/export.csv")
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    content = response.streaming_content
    assert iter(content) is content  # an iterator: nothing was read up front
    assert b"".join(content).count(b"\r\n") == 1 + 18


def test_csv_blocks_join_lines_into_blocks_without_losing_any():
    lines = [f"{i};{'x' * 50}\r\n" for i in range(5000)]
    blocks = list(csv_blocks(iter(lines), size=1000))
    assert "".join(blocks) == "".join(lines)
    assert all(len(b) < 1000 + 60 for b in blocks) and len(blocks) > 100
    assert list(csv_blocks(iter([]))) == []
