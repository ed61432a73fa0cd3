"""The back office (/gestione/): staff only, CSRF-protected, every edit visible in the entry's history."""

from __future__ import annotations

import pytest
from django.test import Client

from decimetro.core.models import AuditEntry
from decimetro.plan.models import Component, Mission, Objective
from tests._dom import page_tables, table

EDIT_URLS = [
    "/gestione/",
    "/gestione/obiettivi/M1.10/",
    "/gestione/missioni/M4/",
    "/gestione/componenti/M6C2/",
]
VALID_POSTS = {
    "/gestione/": {},
    "/gestione/obiettivi/M1.10/": {"title": "Titolo manomesso", "comuni": "on"},
    "/gestione/missioni/M4/": {"title": "Titolo manomesso", "introduction": "Manomessa."},
    "/gestione/componenti/M6C2/": {"title": "Titolo manomesso", "citta_metropolitana": "on"},
}


def plan_state() -> tuple[object, ...]:
    return (
        sorted(
            Objective.objects.values_list("code", "title", "citta_metropolitana", "comuni", "corpi_intermedi")
        ),
        sorted(
            Component.objects.values_list("code", "title", "citta_metropolitana", "comuni", "corpi_intermedi")
        ),
        sorted(Mission.objects.values_list("code", "title", "introduction")),
        AuditEntry.objects.count(),
    )


# Who may enter ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", EDIT_URLS)
def test_anonymous_get_redirects_to_login(client, plan, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accesso/?next={url}"


@pytest.mark.parametrize("url", EDIT_URLS)
def test_anonymous_post_redirects_to_login_and_changes_nothing(client, plan, url):
    before = plan_state()
    response = client.post(url, VALID_POSTS[url])
    assert response.status_code == 302
    assert response["Location"].startswith("/accesso/?next=")
    assert plan_state() == before


@pytest.mark.parametrize("url", EDIT_URLS)
def test_non_staff_gets_403_and_changes_nothing(client, plan, plain_user, url):
    client.force_login(plain_user)
    before = plan_state()
    assert client.get(url).status_code == 403
    assert client.post(url, VALID_POSTS[url]).status_code == 403
    assert plan_state() == before


def test_staff_sees_the_back_office_with_every_entry(staff_client, plan):
    response = staff_client.get("/gestione/")
    assert response.status_code == 200
    content = response.content.decode()
    for o in Objective.objects.all():
        assert f'href="/gestione/obiettivi/{o.code}/"' in content
    for c in Component.objects.all():
        assert f'href="/gestione/componenti/{c.code}/"' in content
    for m in Mission.objects.all():
        assert f'href="/gestione/missioni/{m.code}/"' in content


def test_staff_sees_edit_links_on_public_pages_and_others_do_not(staff_client, plain_user, plan):
    assert 'href="/gestione/obiettivi/M1.10/"' in staff_client.get("/piano/obiettivi/M1.10/").content.decode()
    assert 'href="/gestione/missioni/M1/"' in staff_client.get("/piano/missioni/M1/").content.decode()
    anonymous, plain = Client(), Client()
    plain.force_login(plain_user)
    for other in (anonymous, plain):
        for url in ("/piano/obiettivi/M1.10/", "/piano/missioni/M1/"):
            assert "/gestione/" not in other.get(url).content.decode()


# Editing ----------------------------------------------------------------------------------------------------


def test_edit_form_is_prefilled_and_labelled(staff_client, plan):
    response = staff_client.get("/gestione/obiettivi/M2.18/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Rafforzamento delle attività di monitoraggio" in content
    assert '<label for="id_title"' in content
    assert '<label for="id_comuni">' in content and 'id="id_comuni"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    crumbs = content.split('<ol class="breadcrumb">', 1)[1].split("</ol>", 1)[0]
    assert 'href="/gestione/"' in crumbs
    assert '<li class="breadcrumb-item active" aria-current="page">M2.18</li>' in crumbs
    form = response.context["form"]
    assert form.initial == {
        "title": Objective.objects.get(code="M2.18").title,
        "citta_metropolitana": True,
        "comuni": False,
        "corpi_intermedi": True,
    }


def test_staff_edits_an_objective_and_the_edit_shows_in_its_history(staff_client, staff_user, plan):
    old_title = Objective.objects.get(code="M1.10").title
    response = staff_client.post(
        "/gestione/obiettivi/M1.10/",
        {"title": "Nuovi spazi per il lavoro e il coworking", "citta_metropolitana": "on", "comuni": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/piano/obiettivi/M1.10/"

    objective = Objective.objects.get(code="M1.10")
    assert objective.title == "Nuovi spazi per il lavoro e il coworking"
    assert (objective.citta_metropolitana, objective.comuni, objective.corpi_intermedi) == (True, True, False)

    page = staff_client.get("/piano/obiettivi/M1.10/")
    content = page.content.decode()
    assert "Obiettivo M1.10 aggiornato." in content  # the confirmation message
    assert "Storico modifiche" in content
    rows = table(page, "history")
    assert rows[0] == ["Quando", "Chi", "Azione", "Campo", "Prima", "Dopo"]
    edits = [r[1:] for r in rows[1:] if r[2] == "modifica dell'obiettivo"]
    # Signed by the organisation (the Ente's staff without a membership sign as the Ente), never the username.
    assert edits == [
        [
            "Città metropolitana",
            "modifica dell'obiettivo",
            "Titolo",
            old_title,
            "Nuovi spazi per il lavoro e il coworking",
        ],
        ["Città metropolitana", "modifica dell'obiettivo", "Corpi intermedi e altri attori", "sì", "no"],
    ]
    assert staff_user.username not in str(rows)
    assert page_tables(page).captions["history"]


def test_staff_edits_a_mission(staff_client, staff_user, plan):
    response = staff_client.post(
        "/gestione/missioni/M4/", {"title": "Istruzione, ricerca", "introduction": "Nuova **introduzione**."}
    )
    assert response.status_code == 302 and response["Location"] == "/piano/missioni/M4/"
    mission = Mission.objects.get(code="M4")
    assert (mission.title, mission.introduction) == ("Istruzione, ricerca", "Nuova **introduzione**.")
    page = staff_client.get("/piano/missioni/M4/")
    assert "<strong>introduzione</strong>" in page.content.decode()
    edits = [r[1:] for r in table(page, "history")[1:] if r[2] == "modifica della missione"]
    assert [
        "Città metropolitana",
        "modifica della missione",
        "Titolo",
        "Istruzione e ricerca",
        "Istruzione, ricerca",
    ] in edits
    # The plan's Markdown is rendered in the history too, never shown raw.
    history = page.content.decode().split('id="history"')[1]
    assert "<strong>introduzione</strong>" in history and "**introduzione**" not in history


def test_staff_edits_a_component(staff_client, staff_user, plan):
    response = staff_client.post(
        "/gestione/componenti/M6C2/",
        {
            "title": "Innovazione, ricerca e digitalizzazione del servizio sanitario nazionale",
            "comuni": "on",
            "corpi_intermedi": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/piano/missioni/M6/"
    c = Component.objects.get(code="M6C2")
    assert (c.citta_metropolitana, c.comuni, c.corpi_intermedi) == (False, True, True)
    history = table(staff_client.get("/gestione/componenti/M6C2/"), "history")
    assert [
        "Città metropolitana",
        "modifica della componente",
        "Corpi intermedi e altri attori",
        "no",
        "sì",
    ] in [r[1:] for r in history[1:]]


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/gestione/obiettivi/M1.10/", {"title": "   ", "comuni": "on"}, "title"),
        ("/gestione/obiettivi/M1.10/", {}, "title"),
        ("/gestione/missioni/M4/", {"title": "Istruzione e ricerca", "introduction": ""}, "introduction"),
        ("/gestione/componenti/M6C2/", {"title": "x" * 301, "comuni": "on"}, "title"),
    ],
    ids=["blank-title", "empty-post", "empty-introduction", "title-too-long"],
)
def test_invalid_edit_rerenders_the_form_with_an_error(staff_client, plan, url, data, field):
    before = plan_state()
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    content = response.content.decode()
    error_id = f"id_{field}-error"
    assert f'<div id="{error_id}" class="invalid-feedback d-block" role="alert">' in content
    assert 'aria-invalid="true"' in content
    assert (
        f'aria-describedby="{error_id}"' in content
        or f'aria-describedby="id_{field}_helptext {error_id}"' in content
    )
    assert plan_state() == before


# CSRF -------------------------------------------------------------------------------------------------------


def test_forged_post_without_csrf_token_is_rejected(plan, staff_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    before = plan_state()

    response = browser.post("/gestione/obiettivi/M1.10/", {"title": "Titolo forgiato", "comuni": "on"})

    assert response.status_code == 403
    assert plan_state() == before


def test_post_with_the_form_csrf_token_is_accepted(plan, staff_user):
    # The same browser, this time with the token of the form it was given: the 403 above was the CSRF check.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    form_page = browser.get("/gestione/obiettivi/M1.10/")
    token = form_page.context["csrf_token"]

    response = browser.post(
        "/gestione/obiettivi/M1.10/",
        {"title": "Titolo legittimo", "comuni": "on", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert Objective.objects.get(code="M1.10").title == "Titolo legittimo"


# Plan editions (issue 12, point 7) --------------------------------------------------------------------------


def _edition_file(text: str | None = None):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    path = Path(__file__).resolve().parents[1] / "plan" / "data" / "psttm_2025_2027.yaml"
    content = text if text is not None else path.read_text(encoding="utf-8")
    return SimpleUploadedFile("piano-2025.yaml", content.encode("utf-8"), content_type="application/x-yaml")


def test_staff_upload_compare_map_and_publish_an_edition(client, plan, staff_user):
    from decimetro.linking.models import ProjectObjectiveLink
    from decimetro.plan.models import Edition
    from tests.factories import ProjectFactory

    old13 = Objective.objects.get(edition=plan, code="M1.3")
    link = ProjectObjectiveLink.objects.create(
        project=ProjectFactory(), objective=old13, origin="staff", status="confirmed"
    )
    client.force_login(staff_user)
    response = client.post("/gestione/piano/edizioni/", {"file": _edition_file()})
    assert response.status_code == 302
    assert response["Location"] == "/gestione/piano/edizioni/psttm-2025-2027/confronto/"
    assert Edition.objects.get(is_current=True) == plan
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "1 obiettivo aggiunto" in text and "1 obiettivo tolto" in text and "1 obiettivo riformulato" in text
    )
    added = table(page, "table-0")
    assert added[1][0] == "M1.40"
    # The removed M1.3 goes to the new M1.40; every other objective to its same code (the default).
    new40 = Objective.objects.get(edition__slug="psttm-2025-2027", code="M1.40")
    data = {}
    for old in Objective.objects.filter(edition=plan):
        new = Objective.objects.filter(edition__slug="psttm-2025-2027", code=old.code).first()
        data[f"map-{old.pk}"] = str(new.pk) if new else ""
    data[f"map-{old13.pk}"] = str(new40.pk)
    response = client.post("/gestione/piano/edizioni/psttm-2025-2027/confronto/", data)
    assert response.status_code == 302
    assert Edition.objects.get(is_current=True).slug == "psttm-2025-2027"
    link.refresh_from_db()
    assert link.objective == new40 and link.status == "confirmed"
    # Public pages: the current edition, and the earlier one read-only.
    listing = Client().get("/piano/edizioni/")
    rows = table(listing, "table-0")
    assert [r[-1] for r in rows[1:]] == ["corrente", "precedente, sola lettura"]
    earlier = Client().get("/piano/edizioni/psttm-2022-2024/")
    assert earlier.status_code == 200 and "Edizione precedente, in sola lettura" in earlier.content.decode()
    assert "M1.3" in earlier.content.decode()


def test_a_draft_is_not_public(client, plan, staff_user):
    client.force_login(staff_user)
    client.post("/gestione/piano/edizioni/", {"file": _edition_file()})
    assert Client().get("/piano/edizioni/psttm-2025-2027/").status_code == 404
    assert "psttm-2025-2027" not in Client().get("/piano/edizioni/").content.decode()


def test_an_edition_file_with_a_duplicate_code_is_refused_naming_the_line(client, plan, staff_user):
    from decimetro.plan.models import Edition

    path_text = _edition_file().read().decode("utf-8")
    marker = "  - number: 2\n"
    line = path_text[: path_text.index(marker)].count("\n") + 1
    actors = "    actors: {citta_metropolitana: true, comuni: true, corpi_intermedi: true}\n"
    duplicate = "  - number: 1\n    title: X\n" + actors
    broken = path_text.replace(marker, duplicate + marker, 1)
    before = plan_state()
    client.force_login(staff_user)
    response = client.post("/gestione/piano/edizioni/", {"file": _edition_file(broken)})
    assert response.status_code == 200
    assert f"riga {line}: obiettivo duplicato &#x27;M1.1&#x27;" in response.content.decode()
    assert not Edition.objects.filter(slug="psttm-2025-2027").exists()
    assert plan_state() == before
