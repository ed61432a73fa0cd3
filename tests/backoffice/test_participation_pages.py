"""Participation pages over HTTP: every write endpoint against every persona (forbidden → 403/404/login and
nothing changes; allowed → a change and an audit row), CSRF, public pages, the boxes on other pages, N+1."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decimetro.core.models import AuditEntry
from decimetro.participation.models import Audience, Consultation
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import (
    PERSONAS,
    ConsultationFactory,
    ObservationFactory,
    db_state,
    pdf_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def _consultation_data(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": "Nuova consultazione",
        "text": "Testo",
        "subject_kind": "objective",
        "objective": w["objective"].pk,
        "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=5)).isoformat(),
        "audience": "all",
        **extra,
    }


def _dup_data(code: str = "SO.NEW") -> dict[str, Any]:
    return {"code": code, "title": "Mobilità dolce", "dup_mission": "10", "year_from": 2025, "year_to": 2027}


# name → (url builder, POST data builder, personas allowed)
ENDPOINTS: dict[
    str, tuple[Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], dict[str, Any]], set[str]]
] = {
    "consultation_create": (
        lambda w: reverse("backoffice:consultation_create"),
        _consultation_data,
        {"ente_admin"},
    ),
    "consultation_edit": (
        lambda w: reverse("backoffice:consultation_edit", args=[w["consultation"].pk]),
        lambda w: _consultation_data(w, title="Titolo cambiato"),
        {"ente_admin"},
    ),
    "consultation_close": (
        lambda w: reverse("backoffice:consultation_close", args=[w["consultation"].pk]),
        lambda w: {},
        {"ente_admin"},
    ),
    "observation_moderate": (
        lambda w: reverse("backoffice:observation_moderate", args=[w["observation"].pk]),
        lambda w: {"status": "published", "reason": ""},
        {"ente_admin"},
    ),
    "observation_answer": (
        lambda w: reverse("backoffice:observation_answer", args=[w["observation"].pk]),
        lambda w: {"answer": "Grazie"},
        {"ente_admin"},
    ),
    # The consultation is open to all comuni and bodies (not to the Ente, which asks).
    "observation_create": (
        lambda w: reverse("public:observation_create", args=[w["consultation"].pk]),
        lambda w: {"text": "Un'osservazione", "proposal_kind": ""},
        {"comune_a_editor", "comune_b_editor", "association_user"},
    ),
    "verification_create": (
        lambda w: reverse("backoffice:verification_create", args=[w["project"].pk]),
        lambda w: {"status": "completed", "seen_on": "2026-01-05", "note": "Finito", "confirm": "on"},
        {"ente_admin", "comune_a_editor", "comune_b_editor", "association_user"},
    ),
    "verification_edit": (
        lambda w: reverse("backoffice:verification_edit", args=[w["report"].pk]),
        lambda w: {"status": "problem", "seen_on": "2026-01-06", "note": "Fermo", "confirm": "on"},
        {"comune_a_editor"},
    ),
    "verification_delete": (
        lambda w: reverse("backoffice:verification_delete", args=[w["report"].pk]),
        lambda w: {},
        {"comune_a_editor"},
    ),
    "verification_hide": (
        lambda w: reverse("backoffice:verification_hide", args=[w["report"].pk]),
        lambda w: {"hidden": "1", "reason": "Dati personali"},
        {"ente_admin"},
    ),
    "dup_create": (
        lambda w: reverse("backoffice:dup_manage", args=[w["org_a"].comune.codice_istat]),
        lambda w: {**_dup_data(), "plan_objectives": [w["objective"].pk]},
        {"ente_admin", "comune_a_editor"},
    ),
    "dup_edit": (
        lambda w: reverse("backoffice:dup_edit", args=[w["org_a"].comune.codice_istat, w["dup"].pk]),
        lambda w: _dup_data("SO.EDIT"),
        {"ente_admin", "comune_a_editor"},
    ),
    "dup_delete": (
        lambda w: reverse("backoffice:dup_delete", args=[w["org_a"].comune.codice_istat, w["dup"].pk]),
        lambda w: {},
        {"ente_admin", "comune_a_editor"},
    ),
    "dup_import": (
        lambda w: reverse("backoffice:dup_import", args=[w["org_a"].comune.codice_istat]),
        lambda w: {
            "file": upload(
                "dup.csv", b"codice,titolo,anno_da,anno_a,obiettivi_piano\nSO.9,Casa,2025,2026,M1.1\n"
            )
        },
        {"ente_admin", "comune_a_editor"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_write_endpoint_against_every_persona(persona, endpoint, participation_site, persona_client):
    url_of, data_of, allowed = ENDPOINTS[endpoint]
    client = persona_client(persona)
    before = db_state()
    audits = AuditEntry.objects.count()
    response = client.post(url_of(participation_site), data_of(participation_site))
    if persona in allowed:
        assert response.status_code == 302, (endpoint, persona, response.status_code)
        assert "login" not in response["Location"]
        assert db_state() != before
        assert AuditEntry.objects.count() > audits
    else:
        if persona == "anonymous":
            assert response.status_code == 302 and reverse("login") in response["Location"]
        else:
            assert response.status_code in (403, 404), (endpoint, persona, response.status_code)
        assert db_state() == before


def test_comune_b_cannot_reach_comune_a_dup_even_with_forged_ids(participation_site, persona_client):
    client = persona_client("comune_b_editor")
    key_b = participation_site["org_b"].comune.codice_istat
    before = db_state()
    # A's objective under B's own key: not found there.
    assert (
        client.post(
            reverse("backoffice:dup_edit", args=[key_b, participation_site["dup"].pk]), _dup_data("X")
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("backoffice:dup_delete", args=[key_b, participation_site["dup"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("backoffice:dup_edit", args=[key_b, participation_site["dup"].pk])).status_code
        == 404
    )
    # B's own page works, and posting there writes only for B.
    assert client.get(reverse("backoffice:dup_manage", args=[key_b])).status_code == 200
    assert db_state() == before


def test_forged_post_without_csrf_is_refused(participation_site):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participation_site["users"]["comune_a_editor"])
    before = db_state()
    response = client.post(
        reverse("public:observation_create", args=[participation_site["consultation"].pk]),
        {"text": "Senza token"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("backoffice:dup_manage", args=[participation_site["org_a"].comune.codice_istat]),
        _dup_data("CSRF"),
    )
    assert response.status_code == 403
    assert db_state() == before


def test_public_pages_render_for_anonymous(participation_site, client):
    for url in (
        reverse("public:consultations"),
        reverse("public:consultation", args=[participation_site["consultation"].pk]),
        reverse("public:dup"),
        f"{reverse('public:dup')}?obiettivo={participation_site['objective'].code}",
        reverse("public:dup_detail", args=[participation_site["org_a"].comune.codice_istat]),
        reverse("public:project", args=[participation_site["project"].pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_backoffice_pages_need_ente_staff(participation_site, persona_client):
    for url in (reverse("backoffice:consultation_admin"), reverse("backoffice:consultation_create")):
        assert persona_client("ente_admin").get(url).status_code == 200
        assert persona_client("comune_a_editor").get(url).status_code == 403
        response = persona_client("anonymous").get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_menu_links_to_participation(client, small_plan):
    html = client.get(reverse("public:home")).content.decode()
    assert reverse("public:consultations") in html


def test_objective_and_mission_pages_show_their_open_consultations(participation_site, client):
    objective = participation_site["objective"]
    ConsultationFactory(objective=None, mission=objective.mission, title="Sulla missione")
    closed = ConsultationFactory(objective=objective, title="Già chiusa", closed_at=timezone.now())
    html = client.get(reverse("public:objective", args=[objective.code])).content.decode()
    assert participation_site["consultation"].title in html
    assert closed.title not in html
    html = client.get(reverse("public:mission", args=[objective.mission.code])).content.decode()
    assert "Sulla missione" in html


def test_project_page_shows_open_consultations_and_reports(participation_site, client):
    ConsultationFactory(objective=None, project=participation_site["project"], title="Sul progetto")
    html = client.get(reverse("public:project", args=[participation_site["project"].pk])).content.decode()
    assert "Sul progetto" in html
    # The report signed by its organisation; the author's username is not published (issue 13, item 6).
    assert participation_site["org_a"].name in html and "redattore.a" not in html


def _count_queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_consultation_list_has_no_n_plus_one(participation_site, client):
    url = reverse("public:consultations")
    one = _count_queries(client, url)
    for _ in range(3):
        ConsultationFactory(objective=None, project=participation_site["project"])
    assert _count_queries(client, url) == one


def test_consultation_admin_list_has_no_n_plus_one(participation_site, persona_client):
    client = persona_client("ente_admin")
    url = reverse("backoffice:consultation_admin")
    one = _count_queries(client, url)
    for _ in range(3):
        ConsultationFactory(
            objective=None, mission=participation_site["objective"].mission, audience=Audience.ALL
        )
    assert _count_queries(client, url) == one


def test_consultation_pages_have_no_n_plus_one_on_observations(
    participation_site, persona_client, media_root
):
    c: Consultation = participation_site["consultation"]
    org_b = participation_site["org_b"]
    ObservationFactory(
        consultation=c, organisation=participation_site["org_a"], status="published", answer="Risposta"
    )
    public = reverse("public:consultation", args=[c.pk])
    manage = reverse("backoffice:consultation_manage", args=[c.pk])
    anon = persona_client("anonymous")
    one_public = _count_queries(anon, public)
    admin = persona_client("ente_admin")
    one_manage = _count_queries(admin, manage)
    for _ in range(3):
        o = ObservationFactory(consultation=c, organisation=org_b, status="published", answer="Sì")
        o.attachment.save("a.pdf", upload("a.pdf", pdf_bytes()))
    anon = persona_client("anonymous")
    assert _count_queries(anon, public) == one_public
    admin = persona_client("ente_admin")
    assert _count_queries(admin, manage) == one_manage


def test_ente_staff_get_a_link_to_open_a_consultation_prefilled(participation_site, persona_client):
    objective = participation_site["objective"]
    url = reverse("public:objective", args=[objective.code])
    new = f"{reverse('backoffice:consultation_create')}?objective={objective.pk}"
    assert new.replace("&", "&amp;") in persona_client("ente_admin").get(url).content.decode()
    assert new not in persona_client("comune_a_editor").get(url).content.decode()
    form = persona_client("ente_admin").get(new).content.decode()
    assert f'value="{objective.pk}" selected' in form
    project_page = persona_client("ente_admin").get(
        reverse("public:project", args=[participation_site["project"].pk])
    )
    assert f"?project={participation_site['project'].pk}" in project_page.content.decode()
