"""Participation in headless Chromium: the DUP coverage map (133 comuni, the covering ones coloured), an
observation sent with an attachment through the form, the DUP back office; axe-core, offline."""

from __future__ import annotations

import pytest
from django.test import Client

from decimetro.participation.models import Observation
from decimetro.plan.models import Objective
from tests.browser.conftest import assert_accessible, assert_offline
from tests.factories import ComuneOrganisationFactory
from tests.participation.fixtures import ConsultationFactory, DupObjectiveFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_dup_coverage_map(live_server, plan, territory, page, requests_log, artifacts_dir):
    objective = Objective.objects.get(code="M1.1")
    from decimetro.territory.models import Comune

    for code in ("015146", "015182"):
        org = ComuneOrganisationFactory(comune=Comune.objects.get(codice_istat=code))
        DupObjectiveFactory(organisation=org).plan_objectives.set([objective])
    page.goto(live_server.url + "/dup/?obiettivo=M1.1")
    page.wait_for_selector('#dup-map[data-loaded="1"]')
    assert page.locator("#dup-map path.leaflet-interactive").count() == 133
    assert page.locator('#dup-map path[fill="#0066cc"]').count() == 2
    assert "Milano" in page.locator("#dup-covering").inner_text()
    page.screenshot(path=str(artifacts_dir / "dup-coverage-map.png"), full_page=True)
    assert not page.js_errors
    assert_accessible(page)
    assert_offline(requests_log)


def test_observation_with_attachment_through_the_form(
    live_server, plan, comune_a_editor, page, requests_log, tmp_path, settings, artifacts_dir
):
    settings.MEDIA_ROOT = tmp_path / "media"
    consultation = ConsultationFactory(objective=Objective.objects.get(code="M1.1"))
    _login(page, live_server, comune_a_editor)
    page.goto(f"{live_server.url}/partecipazione/consultazioni/{consultation.pk}/")
    assert_accessible(page)
    page.fill("#id_text", "Serve una pista ciclabile lungo il canale.")
    page.select_option("#id_proposal_kind", "indicator")
    page.fill("#id_proposal", "Km di piste ciclabili")
    attachment = tmp_path / "relazione.pdf"
    attachment.write_bytes(PDF)
    page.set_input_files("#id_attachment", str(attachment))
    page.click("text=Invia l'osservazione")
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(artifacts_dir / "consultation-observation.png"), full_page=True)
    obs = Observation.objects.get()
    assert obs.attachment_name == "relazione.pdf" and obs.proposal_kind == "indicator"
    assert "Serve una pista" in page.locator("#own-observations").inner_text()
    assert_offline(requests_log)


def test_dup_back_office_is_accessible(live_server, plan, comune_a_editor, page):
    _login(page, live_server, comune_a_editor)
    page.goto(f"{live_server.url}/gestione/dup/")
    page.wait_for_selector("#csv-columns")
    assert "015146" in page.url
    assert_accessible(page)
