"""La mia scrivania in a real browser: each persona logs in through the login form and lands on its desk;
screenshots at 1366 and 390 px (test-artifacts/desk-<persona>-<width>.png); no sideways scroll on a phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.participation.models import Audience
from decimetro.plan.models import Objective
from tests.browser.conftest import assert_accessible
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    EnteFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PlaceFactory,
    ProjectFactory,
    StaffFactory,
    UserFactory,
)
from tests.participation.fixtures import (
    ConsultationFactory,
    DupObjectiveFactory,
    ObservationFactory,
    VerificationReportFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "una-password-molto-lunga-42"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def desk_site(live_server, plan):
    """The Ente's admin and reader, Milano's editor, an association's editor, and some work for each."""
    ente = EnteFactory()
    milano = ComuneFactory(codice_istat="015146", name="Milano")
    org_milano = ComuneOrganisationFactory(comune=milano)
    body = OrganisationFactory(name="Associazione Imprese Metropolitane", body_kind="business")
    MembershipFactory(user=StaffFactory(username="admin.ente"), organisation=ente, role="admin")
    MembershipFactory(user=UserFactory(username="lettore.ente"), organisation=ente, role="viewer")
    MembershipFactory(user=UserFactory(username="redattore.milano"), organisation=org_milano, role="editor")
    MembershipFactory(user=UserFactory(username="associazione"), organisation=body, role="editor")

    objective = Objective.objects.order_by("pk").first()
    DupObjectiveFactory(organisation=org_milano, code="SO.1", title="Una città più verde e più giusta")
    IndicatorFactory(code="MI-RD", name="Raccolta differenziata a Milano", comune=milano)
    consultation = ConsultationFactory(
        title="Mobilità sostenibile nei comuni della cintura metropolitana", audience=Audience.ALL
    )
    ObservationFactory(consultation=consultation, organisation=body)
    for i in range(3):
        project = ProjectFactory(
            title=f"Riqualificazione energetica della scuola primaria di via dei Lunghi Nomi numero {i}",
            fin_totale=Decimal(100_000 * (i + 1)),
        )
        PlaceFactory(project=project, comune=milano)
        ProjectObjectiveLink.objects.create(
            project=project,
            objective=objective,
            origin=LinkOrigin.MODEL,
            status=LinkStatus.SUGGESTED,
            score=0.8,
        )
        VerificationReportFactory(project=project, organisation=org_milano if i % 2 else body)
    return live_server.url


@pytest.mark.parametrize(
    ("username", "persona"),
    [
        ("redattore.milano", "comune"),
        ("associazione", "body"),
        ("admin.ente", "staff"),
        ("lettore.ente", "reader"),
    ],
)
def test_each_persona_logs_in_and_lands_on_its_desk(desk_site, page, artifacts_dir, username, persona):
    page.set_viewport_size(LAPTOP)
    page.goto(desk_site + "/accesso/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/scrivania/$"))
    assert page.locator("#desk").get_attribute("data-persona") == persona
    assert page.locator("h1").inner_text() == "La mia scrivania"
    assert page.locator("#header-desk").is_visible()
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / f"desk-{persona}-1366.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#desk")
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth,"
        " desk: document.getElementById('desk').scrollWidth})"
    )
    page.screenshot(path=str(artifacts_dir / f"desk-{persona}-390.png"), full_page=True)
    assert widths["desk"] <= PHONE["width"], widths
    assert widths["page"] <= PHONE["width"], widths
    assert not page.js_errors, page.js_errors
