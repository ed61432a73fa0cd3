"""PDF dossiers (issue 16, point 1): the four URLs, the text of the PDF (title, figures equal to the page's,
sources, dates, page numbers), its metadata (language, title, tags), the cache per data version and the
"being prepared" answer while the build waits in the queue."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from decimetro.core.audit import audit_record
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.reports.dossiers import context as dossier_context
from decimetro.reports.models import Dossier
from decimetro.reports.tasks import dossier_build
from tests._dom import parse
from tests.public import test_dashboards
from tests.public.test_dashboards import _totals
from tests.reports.pdftext import _objects, pdf_pages_text, pdf_text

pytestmark = pytest.mark.django_db

dashboard_projects = test_dashboards.dashboard_projects  # the dashboards' fixture, shared

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _pdf(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_objective_dossier_has_title_figures_of_the_page_sources_and_dates(client, dashboard_projects):
    page = _totals(parse(client.get("/piano/obiettivi/M1.1/").content), "objective")
    response = client.get("/piano/obiettivi/m1.1/dossier.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="dossier-obiettivo-M1.1.pdf"'
    text = pdf_text(response.content)
    o1 = dashboard_projects["o1"]
    assert f"Obiettivo M1.1 – {o1.title}" in text  # noqa: RUF001
    # The headline figures: the same values as the page's totals (below a million the page is exact too).
    for key in ("funded", "funded_pnrr", "paid", "paid_share"):
        assert page[key] in text, (key, page[key])
    assert page["funded"] == "320.000,00 €"
    # The confirmed projects are listed, the suggestion is not; milestones of their measures are there.
    assert "Progetto uno" in text and "Progetto due" in text
    assert "Progetto suggerito" not in text
    assert "Traguardo passato" in text and "scadenza passata" in text
    # Sources, licence and the release date of each dataset.
    assert "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)" in text  # noqa: RUF001
    assert "CC BY 4.0" in text
    assert re.search(r"pagamenti al \d\d/\d\d/\d{4}", text)
    assert "Definizioni delle cifre" in text


def test_every_page_is_numbered_x_of_y(client, dashboard_projects):
    pages = pdf_pages_text(_pdf(client, "/piano/missioni/M1/dossier.pdf"))
    assert len(pages) > 1
    for i, page in enumerate(pages, start=1):
        assert f"pagina {i} di {len(pages)}" in page


def test_pdf_is_tagged_in_italian_with_its_title(client, dashboard_projects):
    pdf = _pdf(client, "/territorio/comuni/015901/dossier.pdf")
    objects = _objects(pdf)
    catalog = next(body for body in objects.values() if b"/Type /Catalog" in body)
    assert b"/Lang (it)" in catalog
    assert b"/StructTreeRoot" in catalog and b"/Marked true" in catalog  # tagged PDF
    info = next(body for body in objects.values() if b"/Producer" in body)
    assert b"/Title (Comune di Alfa)" in info


def test_mission_dossier_figures_equal_the_page(client, dashboard_projects):
    page = _totals(parse(client.get("/piano/missioni/M1/").content), "mission")
    text = pdf_text(_pdf(client, "/piano/missioni/M1/dossier.pdf"))
    assert "Missione 1 – " in text  # noqa: RUF001
    for key in ("funded", "funded_pnrr", "paid", "paid_share"):
        assert page[key] in text, (key, page[key])
    assert "M1C1" in text and "M1C2" in text
    assert "Allineamento con i DUP" in text and "Consultazioni" in text


def test_comune_and_zone_dossiers_show_the_area_figures(client, dashboard_projects):
    doc = parse(client.get("/territorio/comuni/015901/").content)
    total = " ".join(doc.find("dl", id="pnrr-totals").find("strong").get_text().split())
    text = pdf_text(_pdf(client, "/territorio/comuni/015901/dossier.pdf"))
    assert "Comune di Alfa" in text
    assert total in text
    assert "Fonte: ISTAT (CC BY 4.0)" in text and "© ISTAT, elaborazione openpolis" in text
    assert "Progetto uno" in text
    zone_text = pdf_text(_pdf(client, "/territorio/zone/nord/dossier.pdf"))
    assert "Zona omogenea Nord" in zone_text and "Alfa" in zone_text


@pytest.mark.parametrize(
    "url",
    [
        "/piano/obiettivi/M9.99/dossier.pdf",
        "/piano/missioni/M9/dossier.pdf",
        "/territorio/comuni/999999/dossier.pdf",
        "/territorio/zone/nessuna/dossier.pdf",
    ],
)
def test_unknown_code_is_the_branded_404(client, dashboard_projects, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b'data-status="404"' in response.content
    assert not Dossier.objects.exists()


def test_second_get_serves_the_stored_pdf_and_a_data_change_rebuilds(client, dashboard_projects):
    url = "/piano/obiettivi/M1.1/dossier.pdf"
    first = _pdf(client, url)
    built = Dossier.objects.get()
    assert _pdf(client, url) == first
    again = Dossier.objects.get()
    assert (again.pk, again.updated_at, again.version) == (built.pk, built.updated_at, built.version)
    # A confirmed link more: the data version changes, the dossier is rebuilt with the new project.
    p3 = dashboard_projects["p"][2]
    ProjectObjectiveLink.objects.create(
        project=p3, objective=dashboard_projects["o1"], origin=LinkOrigin.STAFF, status=LinkStatus.CONFIRMED
    )
    rebuilt = _pdf(client, url)
    assert "Progetto tre" in pdf_text(rebuilt) and "Progetto tre" not in pdf_text(first)
    row = Dossier.objects.get()  # the older version is removed
    assert row.version != built.version and row.state == Dossier.State.READY


def test_an_audited_write_changes_the_version(client, dashboard_projects):
    url = "/territorio/zone/nord/dossier.pdf"
    _pdf(client, url)
    before = Dossier.objects.get().version
    audit_record(by=None, action="test.touch", target=dashboard_projects["alfa"], before={}, after={"x": 1})
    _pdf(client, url)
    assert Dossier.objects.get().version != before


def test_while_the_build_waits_the_page_says_so_and_refreshes(client, dashboard_projects):
    url = "/piano/obiettivi/M1.1/dossier.pdf"
    with override_settings(TASKS=DB_TASKS):
        response = client.get(url)
        assert response.status_code == 202
        assert response["Refresh"] == "5"
        assert "no-store" in response["Cache-Control"]
        assert "Dossier in preparazione" in response.content.decode()
        assert b"<script>" not in response.content
        # A second request while it waits enqueues nothing more.
        assert client.get(url).status_code == 202
        assert DBTaskResult.objects.filter(task_path__endswith="dossier_build").count() == 1
        dossier = Dossier.objects.get()
        assert dossier.state == Dossier.State.PENDING
        dossier_build.call(dossier.pk)  # what the worker does
        assert _pdf(client, url)[:5] == b"%PDF-"
    assert DBTaskResult.objects.filter(task_path__endswith="dossier_build").count() == 1


def test_bounded_list_of_projects(client, dashboard_projects, monkeypatch):
    monkeypatch.setattr(dossier_context, "MAX_PROJECTS", 1)
    text = pdf_text(_pdf(client, "/piano/obiettivi/M1.1/dossier.pdf"))
    assert "Altro 1 progetto: vedi il sito." in text
    assert ("Progetto uno" in text) != ("Progetto due" in text)


def test_pages_link_to_their_dossier(client, dashboard_projects):
    for page, dossier in (
        ("/piano/obiettivi/M1.1/", "/piano/obiettivi/M1.1/dossier.pdf"),
        ("/piano/missioni/M1/", "/piano/missioni/M1/dossier.pdf"),
        ("/territorio/comuni/015901/", "/territorio/comuni/015901/dossier.pdf"),
        ("/territorio/zone/nord/", "/territorio/zone/nord/dossier.pdf"),
    ):
        link = parse(client.get(page).content).find("a", href=dossier)
        assert link is not None, page
        assert "Scarica il dossier (PDF)" in link.get_text()


def test_post_is_refused(client, dashboard_projects):
    assert client.post("/piano/obiettivi/M1.1/dossier.pdf").status_code == 405
    assert not Dossier.objects.exists()
