"""Participation API (read only): consultations with published observations only, and the DUP coverage."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decimetro.participation.models import ObservationStatus
from decimetro.plan.models import Mission, Objective
from tests.factories import ComuneFactory, ComuneOrganisationFactory, ProjectFactory
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import (
    ConsultationFactory,
    DupObjectiveFactory,
    ObservationFactory,
    pdf_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/participation"


@pytest.fixture
def consultation(participation_site):
    """The open consultation of `participation_site`, with one observation in every state (A: pending, from
    `participation_site`)."""
    c = participation_site["consultation"]
    ObservationFactory(
        consultation=c,
        organisation=participation_site["org_b"],
        text="Testo pubblicato di Rho",
        status=ObservationStatus.PUBLISHED,
        answer="Risposta dell'Ente a Rho",
        answered_at=timezone.now(),
    )
    ObservationFactory(
        consultation=c,
        organisation=participation_site["association"],
        text="Testo nascosto dell'associazione",
        status=ObservationStatus.HIDDEN,
        moderation_reason="Dati personali",
        answer="Risposta a un'osservazione nascosta",
    )
    return c


def test_list_counts_only_published_observations(client, consultation):
    body = client.get(f"{URL}/consultations").json()
    assert len(body) == 1
    item = body[0]
    assert item["id"] == consultation.pk
    assert item["title"] == consultation.title
    assert item["subject"] == {"kind": "objective", "code": "M1.1", "title": consultation.objective.title}
    assert item["state"] == "open" and item["is_open"] is True
    assert item["opens_on"] == consultation.opens_on.isoformat()
    assert item["closes_on"] == consultation.closes_on.isoformat()
    # 3 observations: 1 pending, 1 published, 1 hidden → 1.
    assert item["published_observations"] == 1
    assert item["url"] == f"/partecipazione/consultazioni/{consultation.pk}/"


def test_list_states_and_subjects(client, participation_site):
    today = timezone.localdate()
    closed = ConsultationFactory(
        mission=Mission.objects.get(code="M2"),
        objective=None,
        opens_on=today - datetime.timedelta(days=20),
        closes_on=today - datetime.timedelta(days=1),
    )
    early = ConsultationFactory(closed_at=timezone.now())
    project = ProjectFactory()
    scheduled = ConsultationFactory(
        project=project,
        objective=None,
        opens_on=today + datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=9),
    )
    by_id = {c["id"]: c for c in client.get(f"{URL}/consultations").json()}
    assert by_id[closed.pk]["state"] == "closed" and by_id[closed.pk]["subject"]["kind"] == "mission"
    assert by_id[early.pk]["state"] == "closed" and by_id[early.pk]["is_open"] is False
    assert by_id[early.pk]["closed_early_at"] is not None
    assert by_id[scheduled.pk]["state"] == "scheduled"
    assert by_id[scheduled.pk]["subject"] == {"kind": "project", "code": project.cup, "title": project.title}


def test_detail_shows_published_observations_and_answers_only(client, consultation):
    response = client.get(f"{URL}/consultations/{consultation.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == consultation.text
    assert [o["text"] for o in body["observations"]] == ["Testo pubblicato di Rho"]
    published = body["observations"][0]
    assert published["organisation"] == "Comune di Rho" and published["organisation_kind"] == "comune"
    assert published["answer"] == "Risposta dell'Ente a Rho"
    assert published["attachment_url"] is None
    raw = response.content.decode()
    pending = consultation.observations.get(status=ObservationStatus.PENDING).text
    for secret in ("nascost", "Dati personali", pending):
        assert secret not in raw
    # No author (personal data) and no moderation details in the payload.
    assert "author" not in published and "moderation_reason" not in published and "status" not in published


def test_hidden_after_publication_disappears(client, consultation):
    obs = consultation.observations.get(status=ObservationStatus.PUBLISHED)
    obs.status = ObservationStatus.HIDDEN
    obs.save()
    assert client.get(f"{URL}/consultations/{consultation.pk}").json()["observations"] == []
    assert client.get(f"{URL}/consultations").json()[0]["published_observations"] == 0


def test_detail_attachment_link_of_published_observation(client, participation_site, media_root):
    obs = ObservationFactory(
        consultation=participation_site["consultation"],
        organisation=participation_site["org_b"],
        status=ObservationStatus.PUBLISHED,
        attachment=upload("nota.pdf", pdf_bytes()),
        attachment_name="nota.pdf",
    )
    body = client.get(f"{URL}/consultations/{participation_site['consultation'].pk}").json()
    assert body["observations"][0]["attachment_url"] == f"/partecipazione/osservazioni/{obs.pk}/allegato/"
    assert client.get(body["observations"][0]["attachment_url"]).status_code == 200


def test_detail_unknown_is_404(client, participation_site):
    assert client.get(f"{URL}/consultations/999999").status_code == 404
    assert client.get(f"{URL}/consultations/abc").status_code == 422


def test_api_is_read_only(client, participation_site):
    for path in (
        "/consultations",
        f"/consultations/{participation_site['consultation'].pk}",
        "/dup/coverage",
    ):
        assert client.post(f"{URL}{path}", {}).status_code == 405


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_no_n_plus_one(client, participation_site):
    c = participation_site["consultation"]
    ObservationFactory(
        consultation=c, organisation=participation_site["org_b"], status=ObservationStatus.PUBLISHED
    )
    one_list = _queries(client, f"{URL}/consultations")
    one_detail = _queries(client, f"{URL}/consultations/{c.pk}")
    for _ in range(2):
        extra = ConsultationFactory(mission=Mission.objects.get(code="M1"), objective=None)
        ObservationFactory(consultation=extra, organisation=participation_site["org_a"], status="published")
    for org in (participation_site["association"], participation_site["org_a"]):
        ObservationFactory(consultation=c, organisation=org, status=ObservationStatus.PUBLISHED)
    assert _queries(client, f"{URL}/consultations") == one_list
    assert _queries(client, f"{URL}/consultations/{c.pk}") == one_detail


# DUP coverage -----------------------------------------------------------------------------------------------


def test_dup_coverage_per_objective(client, participation_site):
    """participation_site: Comune A's DUP objective serves M1.1; Comune B's serves nothing. Add B → M1.1 and
    M1.2, a second DUP objective of A on M1.1 (counted once) and the Ente's DUP on M1.3."""
    m11, m12, m13 = (Objective.objects.get(code=c) for c in ("M1.1", "M1.2", "M1.3"))
    participation_site["dup_b"].plan_objectives.set([m11, m12])
    DupObjectiveFactory(organisation=participation_site["org_a"]).plan_objectives.set([m11])
    DupObjectiveFactory(organisation=participation_site["ente"]).plan_objectives.set([m13])
    body = client.get(f"{URL}/dup/coverage").json()
    by_code = {i["objective"]: i for i in body["items"]}
    assert list(by_code) == ["M1.1", "M1.2", "M1.3", "M2.1"]
    assert by_code["M1.1"]["comuni"] == ["015146", "015182"] and by_code["M1.1"]["comuni_count"] == 2
    assert by_code["M1.2"]["comuni"] == ["015182"] and by_code["M1.2"]["comuni_count"] == 1
    assert by_code["M1.3"] == {
        "objective": "M1.3",
        "title": m13.title,
        "mission": "M1",
        "comuni_count": 0,
        "comuni": [],
        "ente_covers": True,
    }
    assert by_code["M1.1"]["ente_covers"] is False
    assert body["comuni_covering_any"] == 2
    assert body["edition"] == m11.edition.slug


def test_dup_coverage_without_plan_is_404(client, db):
    assert client.get(f"{URL}/dup/coverage").status_code == 404


def test_dup_coverage_no_n_plus_one(client, participation_site):
    m11 = Objective.objects.get(code="M1.1")
    first = _queries(client, f"{URL}/dup/coverage")
    for i in range(3):
        org = ComuneOrganisationFactory(comune=ComuneFactory(codice_istat=f"01590{i}"))
        DupObjectiveFactory(organisation=org).plan_objectives.set(Objective.objects.all())
    DupObjectiveFactory(organisation=participation_site["org_b"]).plan_objectives.set([m11])
    assert _queries(client, f"{URL}/dup/coverage") == first
    assert client.get(f"{URL}/dup/coverage").json()["items"][0]["comuni_count"] == 5
