"""Back-office pages of the links (/gestione/collegamenti/, /gestione/corrispondenze/), the project page's
"objectives served" section and the objective page: staff only, CSRF-protected, forged ids → 404, nothing
changes when refused; confirmed links reach the objective page, suggestions are shown as such."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from decimetro.core.models import AuditEntry
from decimetro.linking.models import LinkStatus, MeasureObjective, ProjectObjectiveLink
from tests._dom import table
from tests.linking.fixtures import Linked, link_state, make_project

QUEUE = "/gestione/collegamenti/"
CROSSWALK = "/gestione/corrispondenze/"


def posts(linked: Linked) -> list[tuple[str, dict[str, object]]]:
    """Every write the pages accept, with valid data."""
    link = linked.link(linked.casa, "M6.1")
    entry = MeasureObjective.objects.get(measure=linked.casa_measure)
    return [
        (QUEUE, {"azione_multipla": "conferma", "collegamento": [link.pk]}),
        (f"{QUEUE}{link.pk}/", {"azione": "conferma"}),
        (f"{QUEUE}{link.pk}/", {"azione": "respingi"}),
        (f"{QUEUE}{link.pk}/", {"azione": "altro", "obiettivo": "M6.4"}),
        (f"{QUEUE}ricalcola/", {}),
        (CROSSWALK, {"misura": "M6C1I1.01", "obiettivo": "M6.4", "nota": "x"}),
        (f"{CROSSWALK}{entry.pk}/rimuovi/", {}),
    ]


# Who may enter ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, CROSSWALK])
def test_anonymous_get_redirects_to_login(client, linked, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accesso/?next={url}"


def test_anonymous_posts_redirect_and_change_nothing(client, linked):
    before = link_state()
    for url, data in posts(linked):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accesso/?next="), url
    assert link_state() == before


@pytest.mark.parametrize("persona", ["plain_user", "comune_a_editor", "association_user"])
def test_non_staff_get_403_and_change_nothing(request, client, linked, persona):
    client.force_login(request.getfixturevalue(persona))
    link = linked.link(linked.casa, "M6.1")
    for url in [QUEUE, CROSSWALK, f"{QUEUE}{link.pk}/"]:
        assert client.get(url).status_code == 403, url
    before = link_state()
    for url, data in posts(linked):
        assert client.post(url, data).status_code == 403, url
    assert link_state() == before


def test_forged_post_without_csrf_is_refused(linked, staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    before = link_state()
    for url, data in posts(linked):
        assert client.post(url, data).status_code == 403, url
    assert link_state() == before


def test_forged_ids_are_404_and_change_nothing(staff_client, linked):
    before = link_state()
    assert staff_client.get(f"{QUEUE}999999/").status_code == 404
    assert staff_client.post(f"{QUEUE}999999/", {"azione": "conferma"}).status_code == 404
    good = linked.link(linked.casa, "M6.1").pk
    response = staff_client.post(QUEUE, {"azione_multipla": "conferma", "collegamento": [good, 999999]})
    assert response.status_code == 404
    response = staff_client.post(QUEUE, {"azione_multipla": "conferma", "collegamento": ["x"]})
    assert response.status_code == 404
    assert staff_client.post(f"{QUEUE}{good}/", {"azione": "altro", "obiettivo": "M9.99"}).status_code == 404
    assert staff_client.post(f"{QUEUE}{good}/", {"azione": "cancella"}).status_code == 404
    assert staff_client.post(f"{CROSSWALK}999999/rimuovi/", {}).status_code == 404
    assert link_state() == before


# The queue --------------------------------------------------------------------------------------------------


def test_queue_lists_suggestions_best_first(staff_client, linked):
    response = staff_client.get(QUEUE)
    assert response.status_code == 200
    rows = table(response, "queue")
    assert len(rows) == 1 + 9  # header + 3 suggestions for each of 3 projects
    scores = [float(r[4].replace(",", ".")) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    assert all("suggerito" in r[5] for r in rows[1:])


def test_queue_filters(staff_client, linked, comune_b):
    rows = table(staff_client.get(QUEUE, {"missione": "M6"}), "queue")[1:]
    assert rows and all(r[3].startswith("M6.") for r in rows)
    rows = table(staff_client.get(QUEUE, {"comune": comune_b.codice_istat}), "queue")[1:]
    assert len(rows) == 3 and all(linked.casa.cup in r[1] for r in rows)
    response = staff_client.get(QUEUE, {"missione": "M6", "comune": "015146"})
    assert "queue-empty" in response.content.decode()


def test_queue_query_count_is_fixed(staff_client, plan, measures, comune_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decimetro.linking.services import links_suggest_all

    make_project(measures["casa"], title="Casa della comunità", synthesis="", comune=comune_a)
    links_suggest_all(by=None)
    staff_client.get(QUEUE)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(QUEUE)
    for i in range(2):
        make_project(measures["cloud"], title=f"Migrazione al cloud {i}", synthesis="", comune=comune_a)
    links_suggest_all(by=None)
    with CaptureQueriesContext(connection) as three:
        response = staff_client.get(QUEUE)
    assert len(table(response, "queue")) == 1 + 9
    assert len(three.captured_queries) == len(one.captured_queries)


def test_bulk_confirm_then_reject(staff_client, staff_user, linked):
    ids = [linked.link(linked.casa, "M6.1").pk, linked.link(linked.cloud, "M1.2").pk]
    response = staff_client.post(
        QUEUE, {"azione_multipla": "conferma", "collegamento": ids, "missione": "M6", "stato": "suggeriti"}
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?missione=M6&stato=suggeriti"
    assert set(ProjectObjectiveLink.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "confirmed"
    }
    assert AuditEntry.objects.filter(action="linking.confirmed", actor=staff_user).count() == 2
    rest = list(ProjectObjectiveLink.objects.filter(status="suggested").values_list("pk", flat=True))
    staff_client.post(QUEUE, {"azione_multipla": "respingi", "collegamento": rest})
    assert not ProjectObjectiveLink.objects.filter(status="suggested").exists()
    # Nothing selected: a message, nothing changes.
    before = link_state()
    response = staff_client.post(QUEUE, {"azione_multipla": "conferma"}, follow=True)
    assert "Nessun collegamento selezionato" in response.content.decode()
    assert link_state() == before


def test_row_buttons_work_without_javascript(staff_client, linked):
    link = linked.link(linked.tram, "M3.1")
    response = staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "respingi", "stato": "suggeriti"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?stato=suggeriti"
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED
    page = staff_client.get(QUEUE).content.decode()
    assert f'id="link-{link.pk}"' not in page  # decided: out of the suggestions' queue
    # The per-row buttons submit the queue form to the row's own address (formaction) and carry htmx.
    other = linked.link(linked.tram, "M3.2")
    assert f'formaction="{QUEUE}{other.pk}/"' in page
    assert f'hx-post="{QUEUE}{other.pk}/"' in page


def test_htmx_row_update_returns_the_row(staff_client, linked):
    link = linked.link(linked.casa, "M6.1")
    response = staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="link-{link.pk}"')
    assert "confermato" in html and 'role="status"' in html
    assert linked.link(linked.casa, "M6.1").status == LinkStatus.CONFIRMED


def test_choose_another_objective_page(staff_client, staff_user, linked):
    link = linked.link(linked.tram, "M3.1")
    page = staff_client.get(f"{QUEUE}{link.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'label for="obiettivo"' in html and "M3.7" in html
    response = staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "altro", "obiettivo": "M3.7"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED
    chosen = linked.link(linked.tram, "M3.7")
    assert (chosen.status, chosen.origin, chosen.decided_by) == ("confirmed", "staff", staff_user)


def test_recompute_keeps_decisions(staff_client, staff_user, linked):
    link = linked.link(linked.casa, "M6.1")
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"})
    response = staff_client.post(f"{QUEUE}ricalcola/", follow=True)
    assert "Suggerimenti ricalcolati" in response.content.decode()
    assert linked.link(linked.casa, "M6.1").status == LinkStatus.CONFIRMED


# The crosswalk editor ---------------------------------------------------------------------------------------


def test_crosswalk_editor_add_and_remove(staff_client, staff_user, linked):
    page = staff_client.get(CROSSWALK)
    rows = table(page, "crosswalk")[1:]
    assert len(rows) == 4 and rows[0][0].startswith("M1C1I1.02")
    response = staff_client.post(
        CROSSWALK, {"misura": "m6c1i1.01", "obiettivo": "m6.4", "nota": "Protezione"}
    )
    assert response.status_code == 302
    entry = MeasureObjective.objects.get(measure__code="M6C1I1.01", objective__code="M6.4")
    assert entry.note == "Protezione"
    assert AuditEntry.objects.filter(action="linking.crosswalk_add", actor=staff_user).exists()
    staff_client.post(f"{CROSSWALK}{entry.pk}/rimuovi/")
    assert not MeasureObjective.objects.filter(pk=entry.pk).exists()


def test_crosswalk_editor_rejects_bad_input(staff_client, linked):
    before = link_state()
    response = staff_client.post(CROSSWALK, {"misura": "M9C9I9.99", "obiettivo": "M1.99", "nota": "x" * 301})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Misura: scegliere" in html and "Obiettivo: scegliere" in html and "300 caratteri" in html
    assert link_state() == before


# Project, objective, back-office home ---------------------------------------------------------------------


def test_project_page_shows_suggestions_as_such(staff_client, linked, staff_user):
    client = Client()  # anonymous (the `client` fixture is the staff client here)
    url = f"/progetti/{linked.casa.pk}/"
    html = client.get(url).content.decode()
    assert 'id="suggested-objectives"' in html and "suggerito" in html
    assert "Nessun obiettivo confermato" in html
    assert 'id="link-history"' not in html  # the history is for staff
    link = linked.link(linked.casa, "M6.1")
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"})
    html = client.get(url).content.decode()
    confirmed = html.split('id="confirmed-objectives"')[1].split("</ul>")[0]
    assert "M6.1" in confirmed and "confermato" in confirmed
    staff_html = staff_client.get(url).content.decode()
    history = table(staff_client.get(url), "link-history")
    assert history[1][1:4] == ["M6.1", "confermato", staff_user.username]
    assert f"{QUEUE}" in staff_html  # staff get a "Rivedi" link on the suggestions


def test_confirmed_link_appears_on_the_objective_page(staff_client, linked):
    """The objective dashboard (web/dashboard/_objective.html) lists confirmed projects in a table;
    a suggestion alone is not a linked project."""
    client = Client()  # anonymous
    url = "/piano/obiettivi/M6.1/"
    title = "REALIZZAZIONE DI UNA CASA DI COMUNITÀ NELL'AREA DI VIALE JENNER 44 A MILANO"
    html = client.get(url).content.decode()
    assert 'id="no-confirmed"' in html and 'id="confirmed-projects"' not in html
    link = linked.link(linked.casa, "M6.1")
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"})
    response = client.get(url)
    rows = table(response, "confirmed-projects")
    assert any(title in unescape(" ".join(row)) for row in rows[1:]), rows
    assert f'href="/progetti/{linked.casa.pk}/"' in response.content.decode()
    # Rejected: gone from the page (neither confirmed nor suggested).
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "respingi"})
    html = client.get(url).content.decode()
    assert 'id="confirmed-projects"' not in html and f"/progetti/{linked.casa.pk}/" not in html


def test_backoffice_home_links_to_the_linking_pages(staff_client, plan):
    html = staff_client.get("/gestione/").content.decode()
    assert f'href="{QUEUE}"' in html and f'href="{CROSSWALK}"' in html
