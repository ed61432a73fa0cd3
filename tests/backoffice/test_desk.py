"""La mia scrivania (`/scrivania/`): where every login lands, the work of each persona with its counts and
links, "since the last visit", and a fixed number of queries whatever the number of items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decimetro.core.models import AuditEntry, DeskVisit
from decimetro.core.services import DESK_VISIT_GAP, desk_visit_record
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.participation.models import Audience, ObservationStatus
from tests.factories import (
    EnteFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    PlaceFactory,
    ProjectFactory,
    UserFactory,
)
from tests.participation.fixtures import (
    ConsultationFactory,
    DupObjectiveFactory,
    ObservationFactory,
    VerificationReportFactory,
)

DESK = "/scrivania/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _count(html: str, section_id: str) -> int:
    part = _section(html, section_id)
    return int(part.split('data-count="', 1)[1].split('"', 1)[0])


def _age(visit_user, hours: float) -> None:
    """Move the user's last desk view `hours` back (the next view is then a new visit)."""
    DeskVisit.objects.filter(user=visit_user).update(seen_at=timezone.now() - timedelta(hours=hours))


# Landing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user", "ente_admin"])
def test_every_login_lands_on_the_desk(request, persona, plan):
    user = request.getfixturevalue(persona)
    user.set_password("password-di-prova-1")
    user.save()
    response = Client().post(reverse("login"), {"username": user.username, "password": "password-di-prova-1"})
    assert response.status_code == 302 and response["Location"] == DESK


def test_a_next_still_wins_over_the_desk(comune_a_editor):
    comune_a_editor.set_password("password-di-prova-1")
    comune_a_editor.save()
    response = Client().post(
        reverse("login") + "?next=/profilo/",
        {"username": comune_a_editor.username, "password": "password-di-prova-1", "next": "/profilo/"},
    )
    assert response["Location"] == "/profilo/"


def test_the_desk_needs_login_and_only_answers_get(comune_a_editor):
    assert Client().get(DESK)["Location"] == f"{reverse('login')}?next={DESK}"
    assert _client(comune_a_editor).post(DESK).status_code == 405


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user", "staff_user"])
def test_the_header_and_the_profile_link_the_desk(request, persona, plan):
    client = _client(request.getfixturevalue(persona))
    assert 'id="header-desk" href="/scrivania/"' in client.get("/").content.decode()
    assert 'id="profile-desk-link" href="/scrivania/"' in client.get("/profilo/").content.decode()
    assert 'id="header-desk"' not in Client().get("/").content.decode()


# Each persona's desk ----------------------------------------------------------------------------------------


def test_a_comune_editor_sees_its_dup_indicators_consultations_and_reports(
    comune_a_editor, comune_b_editor, plan
):
    org_a = comune_a_editor.membership.organisation
    org_b = comune_b_editor.membership.organisation
    DupObjectiveFactory(organisation=org_a, code="A1")
    DupObjectiveFactory(organisation=org_b, code="B1")
    due = IndicatorFactory(code="MI-DUE", comune=org_a.comune)  # no value: due since its baseline + period
    IndicatorFactory(code="RHO-DUE", comune=org_b.comune)
    invited = ConsultationFactory(title="Aperta a tutti", audience=Audience.ALL)
    only_b = ConsultationFactory(title="Solo per Rho", audience=Audience.LIST)
    only_b.audience_organisations.add(org_b)
    to_comuni = ConsultationFactory(title="Ai comuni", audience=Audience.KINDS, audience_kinds=["comune"])
    ConsultationFactory(title="Ai corpi intermedi", audience=Audience.KINDS, audience_kinds=["body"])
    ObservationFactory(consultation=invited, organisation=org_a)
    report = VerificationReportFactory(organisation=org_a, project=ProjectFactory())
    VerificationReportFactory(organisation=org_b, project=ProjectFactory())

    html = _client(comune_a_editor).get(DESK).content.decode()

    assert 'data-persona="comune"' in html
    dup = _section(html, "desk-dup")
    assert (
        "1 obiettivo strategico" in dup
        and f'href="{reverse("backoffice:dup_manage", args=[org_a.comune.codice_istat])}"' in dup
    )
    indicators = _section(html, "desk-indicators")
    assert _count(html, "desk-indicators") == 1 and "MI-DUE" in indicators and "RHO-DUE" not in indicators
    assert f'href="{reverse("backoffice:indicator_value_record", args=[due.pk])}"' in indicators
    consultations = _section(html, "desk-consultations")
    assert _count(html, "desk-consultations") == 2
    assert invited.title in consultations and to_comuni.title in consultations
    assert "Solo per Rho" not in consultations and "Ai corpi intermedi" not in consultations
    assert "1 osservazione inviata" in consultations
    reports = _section(html, "desk-reports")
    assert f'href="/progetti/{report.project_id}/"' in reports
    assert reports.count("<li") == 1


def test_an_intermediate_body_sees_consultations_and_its_observations(
    association_user, comune_a_editor, plan
):
    org = association_user.membership.organisation
    to_bodies = ConsultationFactory(
        title="Ai corpi intermedi", audience=Audience.KINDS, audience_kinds=["body"]
    )
    ConsultationFactory(title="Ai comuni", audience=Audience.KINDS, audience_kinds=["comune"])
    ObservationFactory(
        consultation=to_bodies, organisation=org, status=ObservationStatus.PUBLISHED, answer="Grazie."
    )
    ObservationFactory(consultation=to_bodies, organisation=org)
    ObservationFactory(consultation=to_bodies, organisation=comune_a_editor.membership.organisation)

    html = _client(association_user).get(DESK).content.decode()

    assert 'data-persona="body"' in html
    assert _count(html, "desk-consultations") == 1 and "Ai comuni" not in _section(html, "desk-consultations")
    observations = _section(html, "desk-observations")
    assert _count(html, "desk-observations") == 2
    assert "1 in attesa di moderazione" in observations and "1 pubblicata" in observations
    assert "l&#x27;Ente ha risposto" in observations or "l'Ente ha risposto" in observations


def test_ente_staff_sees_suggestions_moderation_indicators_data_and_invitations(
    ente_admin, association_user, plan
):
    objective = ObjectiveFactory()
    for _ in range(3):
        project = ProjectFactory()
        ProjectObjectiveLink.objects.create(
            project=project,
            objective=objective,
            origin=LinkOrigin.MODEL,
            status=LinkStatus.SUGGESTED,
            score=0.9,
        )
    consultation = ConsultationFactory(title="Da moderare", audience=Audience.ALL)
    ObservationFactory(consultation=consultation, organisation=association_user.membership.organisation)
    IndicatorFactory(code="IND-DUE")

    html = _client(ente_admin).get(DESK).content.decode()

    assert 'data-persona="staff"' in html
    assert _count(html, "desk-suggestions") == 3
    assert f"?misura={project.submeasure.measure.code}" in _section(html, "desk-suggestions")
    assert _count(html, "desk-moderation") == 1
    assert reverse("backoffice:consultation_manage", args=[consultation.pk]) in _section(
        html, "desk-moderation"
    )
    assert _count(html, "desk-indicators") == 1 and "IND-DUE" in _section(html, "desk-indicators")
    assert 'id="desk-datasets"' in html
    assert _count(html, "desk-invitations") == 0


def test_ente_staff_who_is_not_admin_has_no_invitations(staff_user):
    assert 'id="desk-invitations"' not in _client(staff_user).get(DESK).content.decode()


# Since the last visit ---------------------------------------------------------------------------------------


def test_the_first_visit_says_so_and_the_next_one_shows_what_changed(plan):
    reader = MembershipFactory(
        user=UserFactory(username="lettore"), organisation=EnteFactory(), role="viewer"
    ).user
    client = _client(reader)
    first = client.get(DESK).content.decode()
    assert 'data-persona="reader"' in first
    assert "prima visita" in first
    assert "Dalla prossima visita" in _section(first, "desk-new-projects")

    _age(reader, hours=2)
    new_project = ProjectFactory(title="Progetto nuovo di zecca")
    consultation = ConsultationFactory(title="Consultazione nuova", audience=Audience.ALL)
    second = client.get(DESK).content.decode()

    assert "Ultima visita" in second
    assert _count(second, "desk-new-projects") == 1 and new_project.title in second
    assert consultation.title in _section(second, "desk-new-consultations")


def test_a_reload_within_the_hour_keeps_the_same_baseline(comune_a_editor, comune_a):
    client = _client(comune_a_editor)
    client.get(DESK)
    _age(comune_a_editor, hours=2)
    client.get(DESK)  # a new visit: the baseline is the first one
    project = ProjectFactory(title="Progetto a Milano")
    PlaceFactory(project=project, comune=comune_a)
    _age(comune_a_editor, hours=2)
    first_view = client.get(DESK).content.decode()
    reload = client.get(DESK).content.decode()  # the same visit
    assert _count(first_view, "desk-projects") == 1 and project.title in first_view
    assert _count(reload, "desk-projects") == 1 and project.title in reload
    _age(comune_a_editor, hours=2)
    later = client.get(DESK).content.decode()  # a new visit: nothing new since
    assert _count(later, "desk-projects") == 0


def test_a_visit_is_recorded_without_an_audit_row(comune_a_editor):
    visit = desk_visit_record(by=comune_a_editor, marks={"project": 7})
    assert visit.since is None and visit.marks == {"project": 7}
    DeskVisit.objects.filter(pk=visit.pk).update(seen_at=timezone.now() - DESK_VISIT_GAP)
    again = desk_visit_record(by=comune_a_editor, marks={"project": 9})
    assert again.since is not None and again.since_marks == {"project": 7} and again.marks == {"project": 9}
    assert not AuditEntry.objects.exists()


# Query counts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_the_comune_desk_query_count_is_constant(comune_a_editor, plan, django_assert_num_queries, n):
    org = comune_a_editor.membership.organisation
    client = _client(comune_a_editor)
    client.get(DESK)
    _age(comune_a_editor, hours=2)
    for i in range(n):
        DupObjectiveFactory(organisation=org, code=f"D{i}")
        IndicatorFactory(code=f"IND-{i}", comune=org.comune)
        consultation = ConsultationFactory(audience=Audience.ALL)
        ObservationFactory(consultation=consultation, organisation=org)
        VerificationReportFactory(organisation=org, project=ProjectFactory())
        PlaceFactory(project=ProjectFactory(), comune=org.comune)
    # session, user; latest project id; the visit (savepoint, select for update, update, release); membership,
    # organisation, comune; indicators due; DUP status; new projects and their count; reports; consultations;
    # what the account's address follows by email
    with django_assert_num_queries(17):
        html = client.get(DESK).content.decode()
    assert _count(html, "desk-consultations") == n and _count(html, "desk-projects") == n


@pytest.mark.parametrize("n", [1, 3])
def test_the_staff_desk_query_count_is_constant(
    ente_admin, association_user, plan, django_assert_num_queries, n
):
    objective = ObjectiveFactory()
    org = association_user.membership.organisation
    for i in range(n):
        ProjectObjectiveLink.objects.create(
            project=ProjectFactory(),
            objective=objective,
            origin=LinkOrigin.MODEL,
            status=LinkStatus.SUGGESTED,
        )
        ObservationFactory(consultation=ConsultationFactory(audience=Audience.ALL), organisation=org)
        IndicatorFactory(code=f"IND-{i}")
    client = _client(ente_admin)
    client.get(DESK)
    # session, user; latest project id; the visit (savepoint, select for update, update, release); membership,
    # organisation; indicators due; consultations to moderate; dataset dates; suggestions by measure; link
    # counts by status; last imports; pending invitations; what the account's address follows by email
    with django_assert_num_queries(17):
        html = client.get(DESK).content.decode()
    assert _count(html, "desk-suggestions") == n and _count(html, "desk-moderation") == n
