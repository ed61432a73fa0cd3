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
        (f"{QUEUE}tutti/", {"azione": "conferma", "stato": "suggeriti", "attesi": 9}),
        (CROSSWALK, {"misura": "M6C1I1.01", "obiettivo": "M6.4", "nota": "x"}),
        (f"{CROSSWALK}{entry.pk}/rimuovi/", {}),
        (f"{CROSSWALK}{entry.pk}/approva/", {}),
        (f"{CROSSWALK}{entry.pk}/revoca/", {}),
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
    for url in [
        QUEUE,
        CROSSWALK,
        f"{QUEUE}{link.pk}/",
        f"{QUEUE}tutti/?azione=conferma",
        f"{QUEUE}contatori/",
    ]:
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


def test_recompute_keeps_decisions(staff_client, staff_user, linked, django_capture_on_commit_callbacks):
    link = linked.link(linked.casa, "M6.1")
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"})
    with django_capture_on_commit_callbacks(execute=True):  # the recomputation is a task, after the commit
        response = staff_client.post(f"{QUEUE}ricalcola/")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Ricalcolo dei suggerimenti in coda" in page and 'data-state="done"' in page
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


def test_crosswalk_page_approves_and_revokes_a_rule(staff_client, staff_user, linked):
    entry = MeasureObjective.objects.get(measure=linked.casa_measure)
    page = staff_client.get(CROSSWALK)
    row = next(r for r in table(page, "crosswalk")[1:] if r[0].startswith("M6C1I1.01"))
    assert row[3].startswith("proposta") and row[4].startswith("0 su 1 della misura")
    html = page.content.decode()
    assert f'action="{CROSSWALK}{entry.pk}/approva/"' in html and 'name="csrfmiddlewaretoken"' in html

    response = staff_client.post(f"{CROSSWALK}{entry.pk}/approva/", {"q": "M6", "stato": ""})
    assert response.status_code == 302 and response["Location"] == f"{CROSSWALK}?q=M6"
    assert linked.link(linked.casa, "M6.1").rule_id == entry.pk
    page = staff_client.get(CROSSWALK)
    row = next(r for r in table(page, "crosswalk")[1:] if r[0].startswith("M6C1I1.01"))
    assert row[3].startswith("approvata") and staff_user.username in row[3]
    assert row[4].startswith("1 su 1 della misura")
    assert "approvata 1" in unescape(" ".join(page.content.decode().split())).lower().replace(":", "")
    # The objective page says it: confirmed by rule, with the rule and its reason.
    objective_html = Client().get("/piano/obiettivi/M6.1/").content.decode()
    assert "1 progetto confermato (1 per regola)" in " ".join(objective_html.split())
    rules = objective_html.split('id="objective-rules"')[1].split("</ul>")[0]
    assert "M6C1I1.01" in rules and "casa" in rules

    staff_client.post(f"{CROSSWALK}{entry.pk}/revoca/")
    entry.refresh_from_db()
    assert entry.state == "revoked"
    assert not ProjectObjectiveLink.objects.filter(rule__isnull=False).exists()
    filtered = staff_client.get(CROSSWALK, {"stato": "revoked"})
    assert [r[0][:9] for r in table(filtered, "crosswalk")[1:]] == ["M6C1I1.01"]


# Project, objective, back-office home ---------------------------------------------------------------------


def test_project_page_shows_suggestions_as_such(staff_client, linked, staff_user):
    client = Client()  # anonymous (the `client` fixture is the staff client here)
    url = f"/progetti/{linked.casa.pk}/"
    html = client.get(url).content.decode()
    # Issue 12: the public sees how many suggestions are in review, not which objectives they are.
    section = html.split('id="project-objectives"')[1].split("</section>")[0]
    assert '<ul id="suggested-objectives">' not in section and "3 suggerimenti in revisione" in section
    assert "/piano/obiettivi/" not in section
    assert "Nessun obiettivo confermato" in html
    assert 'id="link-history"' not in html  # the history is for staff
    staff_html = staff_client.get(url).content.decode()
    assert '<ul id="suggested-objectives">' in staff_html  # the staff who review them see the list
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


# The queue staff can finish: filters, order, all N results, a measure at once, counters ---------------------

MATCHING = f"{QUEUE}tutti/"
COUNTERS = f"{QUEUE}contatori/"


def _row_pairs(response) -> set[tuple[str, str]]:
    """(project cell, objective code) of the queue's rows."""
    return {(r[1], r[3].split()[0]) for r in table(response, "queue")[1:]}


def _cups(response) -> list[str]:
    return [r[1].split("CUP ")[1].split()[0] for r in table(response, "queue")[1:]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"obiettivo": "m6.1"}, {("casa", "M6.1")}),
        ({"misura": "M2C2I4.02"}, {("tram", "M3.1"), ("tram", "M3.2"), ("tram", "M2.3")}),
        ({"componente": "M1C1"}, {("cloud", "M1.2"), ("cloud", "M1.7"), ("cloud", "M1.1")}),
        ({"origine": "crosswalk"}, {("cloud", "M1.2"), ("casa", "M6.1"), ("tram", "M3.1"), ("tram", "M3.2")}),
        ({"punteggio": "alto"}, {("cloud", "M1.2")}),
        ({"punteggio": "medio"}, {("casa", "M6.1"), ("tram", "M3.1"), ("tram", "M3.2")}),
        ({"misura": "M2C2I4.02", "punteggio": "basso"}, {("tram", "M2.3")}),
    ],
)
def test_queue_filter_by_url(staff_client, linked, params, expected):
    response = staff_client.get(QUEUE, params)
    cups = {"cloud": linked.cloud.cup, "casa": linked.casa.cup, "tram": linked.tram.cup}
    got = {(name, code) for cell, code in _row_pairs(response) for name, cup in cups.items() if cup in cell}
    assert got == expected
    # The state is in the page: the options chosen stay selected, the counters say how many match.
    html = response.content.decode()
    for key, value in params.items():
        shown = value.upper() if key in ("obiettivo", "misura", "componente") else value
        assert f'value="{shown}" selected' in html
    assert f'<dd class="col-auto" id="count-matching">{len(expected)}</dd>' in html


def test_queue_status_filter_and_unknown_values_fall_back(staff_client, staff_user, linked):
    link = linked.link(linked.casa, "M6.1")
    staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "respingi"})
    rows = table(staff_client.get(QUEUE, {"stato": "respinti"}), "queue")[1:]
    assert len(rows) == 1 and linked.casa.cup in rows[0][1] and rows[0][3].startswith("M6.1")
    assert len(table(staff_client.get(QUEUE, {"stato": "tutti"}), "queue")) == 1 + 9
    # Unknown origin, band, order or status: ignored, never an error.
    response = staff_client.get(QUEUE, {"origine": "x", "punteggio": "y", "ordine": "z", "stato": "w"})
    assert response.status_code == 200 and len(table(response, "queue")) == 1 + 8


def test_queue_sorted_by_amount_then_by_score_on_request(staff_client, linked):
    from decimal import Decimal

    from decimetro.pnrr.models import Project

    Project.objects.filter(pk=linked.cloud.pk).update(fin_totale=Decimal("9000000.00"))
    Project.objects.filter(pk=linked.tram.pk).update(fin_totale=Decimal("3000000.00"))
    response = staff_client.get(QUEUE)
    assert _cups(response) == [linked.cloud.cup] * 3 + [linked.tram.cup] * 3 + [linked.casa.cup] * 3
    assert table(response, "queue")[1][6] == "9.000.000,00"
    assert "importo più alto per primo" in response.content.decode()
    scores = [
        float(r[4].replace(",", "."))
        for r in table(staff_client.get(QUEUE, {"ordine": "punteggio"}), "queue")[1:]
    ]
    assert scores == sorted(scores, reverse=True) and len(scores) == 9


def test_select_all_matching_asks_with_n_then_decides_only_those(staff_client, staff_user, linked):
    params = {"origine": "model", "stato": "suggeriti"}
    html = staff_client.get(QUEUE, params).content.decode()
    assert "Seleziona tutti i 5 risultati" in html
    assert f'href="{MATCHING}?origine=model&amp;stato=suggeriti&amp;azione=respingi"' in html
    # The confirmation step: N and the filters, and nothing changes.
    before = link_state()
    page = staff_client.get(MATCHING, {**params, "azione": "respingi"})
    assert page.status_code == 200 and link_state() == before
    text = page.content.decode()
    assert "Saranno respinti 5 collegamenti" in text and 'name="attesi" value="5"' in text
    assert "suggerito dal modello" in text  # the origin filter, named
    assert len(table(page, "matching-sample")) == 1 + 5
    model = set(ProjectObjectiveLink.objects.filter(origin="model").values_list("pk", flat=True))
    response = staff_client.post(MATCHING, {**params, "azione": "respingi", "attesi": 5})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?origine=model&stato=suggeriti"
    assert set(ProjectObjectiveLink.objects.filter(status="rejected").values_list("pk", flat=True)) == model
    assert ProjectObjectiveLink.objects.filter(status="suggested").count() == 4  # the others are untouched
    assert AuditEntry.objects.filter(action="linking.rejected", actor=staff_user).count() == 5
    assert "5 collegamenti respinti" in staff_client.get(response["Location"]).content.decode()


def test_select_all_with_a_changed_count_asks_again_and_changes_nothing(staff_client, linked):
    before = link_state()
    response = staff_client.post(MATCHING, {"stato": "suggeriti", "azione": "conferma", "attesi": 4})
    assert response.status_code == 409 and link_state() == before
    html = response.content.decode()
    assert 'id="matching-changed"' in html and 'name="attesi" value="9"' in html
    assert staff_client.post(MATCHING, {"azione": "conferma"}).status_code == 400  # no N shown, no decision
    assert staff_client.post(MATCHING, {"azione": "cancella", "attesi": 9}).status_code == 400
    assert (
        staff_client.get(MATCHING, {"misura": "M6C1I1.01"})["Location"]
        == f"{QUEUE}?misura=M6C1I1.01&stato=suggeriti"
    )
    assert link_state() == before


def test_decide_a_whole_measure_then_propose_the_rule(staff_client, staff_user, linked, measures, comune_a):
    from decimetro.linking.services import links_suggest_all

    second = make_project(measures["tram"], title="Tram per la linea 15", synthesis="", comune=comune_a)
    links_suggest_all(by=None)
    page = staff_client.get(QUEUE, {"misura": "M2C2I4.02"})
    groups = table(page, "groups")
    assert groups[0][:2] == ["Misura", "Obiettivo"]
    m31 = next(row for row in groups[1:] if row[1].startswith("M3.1"))
    assert m31[2] == "2"  # both tram projects suggest M3.1
    confirm_url = f"{MATCHING}?misura=M2C2I4.02&amp;obiettivo=M3.1&amp;stato=suggeriti&amp;azione=conferma"
    assert f'href="{confirm_url}"' in page.content.decode()
    response = staff_client.post(
        MATCHING,
        {"misura": "M2C2I4.02", "obiettivo": "M3.1", "stato": "suggeriti", "azione": "conferma", "attesi": 2},
    )
    assert response["Location"] == f"{QUEUE}?misura=M2C2I4.02&stato=suggeriti&regola=M3.1"
    assert linked.link(linked.tram, "M3.1").status == LinkStatus.CONFIRMED
    assert linked.link(second, "M3.1").status == LinkStatus.CONFIRMED
    assert linked.link(linked.tram, "M3.2").status == LinkStatus.SUGGESTED  # another objective: untouched
    html = staff_client.get(response["Location"]).content.decode()
    assert 'id="propose-rule"' in html
    assert f'href="{CROSSWALK}?misura=M2C2I4.02&amp;obiettivo=M3.1"' in html
    assert "Proponi come regola" in html


def test_counters_partial_and_htmx_decision_refresh(staff_client, linked):
    response = staff_client.get(COUNTERS, {"misura": "M6C1I1.01"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-counts"')
    assert 'hx-trigger="queue-changed from:body"' in html
    assert f'hx-get="{COUNTERS}?misura=M6C1I1.01&amp;stato=suggeriti"' in html
    assert '<dd class="col-auto" id="count-suggested">9</dd>' in html
    assert '<dd class="col-auto" id="count-matching">3</dd>' in html
    link = linked.link(linked.casa, "M6.1")
    decided = staff_client.post(f"{QUEUE}{link.pk}/", {"azione": "conferma"}, HTTP_HX_REQUEST="true")
    assert decided["HX-Trigger"] == "queue-changed"
    html = staff_client.get(COUNTERS, {"misura": "M6C1I1.01"}).content.decode()
    assert '<dd class="col-auto" id="count-suggested">8</dd>' in html
    assert '<dd class="col-auto" id="count-confirmed">1</dd>' in html
    assert '<dd class="col-auto" id="count-matching">2</dd>' in html
    # Without htmx the same decision is a redirect (no event header).
    other = linked.link(linked.casa, "M6.2")
    assert "HX-Trigger" not in staff_client.post(f"{QUEUE}{other.pk}/", {"azione": "respingi"})


def test_queue_is_keyboard_operable_with_named_controls(staff_client, linked):
    html = staff_client.get(QUEUE).content.decode()
    for name in (
        "stato",
        "missione",
        "obiettivo",
        "misura",
        "componente",
        "comune",
        "origine",
        "punteggio",
        "ordine",
    ):
        assert f'<label for="f-{name}"' in html and f'id="f-{name}" name="{name}"' in html
    link = linked.link(linked.casa, "M6.1")
    assert f'<label class="visually-hidden" for="sel-{link.pk}">' in html
    assert f'<span class="visually-hidden"> {linked.casa.cup} → M6.1</span>' in html  # the buttons' names
    assert "/static/js/queue.js" in html  # focus moves to the next row after an htmx decision


@pytest.mark.parametrize("n", [1, 3])
def test_queue_query_count_literal(staff_client, plan, measures, comune_a, django_assert_num_queries, n):
    from decimetro.plan.models import Objective

    objective = Objective.objects.get(code="M6.1")
    for i in range(n):
        project = make_project(measures["casa"], title=f"Casa {i}", synthesis="", comune=comune_a)
        ProjectObjectiveLink.objects.create(project=project, objective=objective, origin="model", score=0.5)
    staff_client.get(QUEUE)  # warm caches (content types)
    # session, user; the matching count (the page's and the counters'); the edition; the groups by measure;
    # the rows and their places; the counts by status; missions and their keywords, objectives, components,
    # measures, comuni of the filters
    with django_assert_num_queries(14):
        response = staff_client.get(QUEUE, {"misura": "M6C1I1.01", "ordine": "punteggio"})
    assert len(table(response, "queue")) == 1 + n


def test_queue_filters_the_links_made_by_a_rule(staff_client, linked):
    from decimetro.plan.models import Objective

    ProjectObjectiveLink.objects.create(
        project=linked.casa, objective=Objective.objects.get(code="M6.4"), origin="rule", status="confirmed"
    )
    response = staff_client.get(QUEUE, {"origine": "rule", "stato": "confermati"})
    rows = table(response, "queue")[1:]
    assert len(rows) == 1 and rows[0][3].startswith("M6.4") and "(per regola)" in rows[0][5]
    empty = staff_client.get(QUEUE, {"origine": "rule"}).content.decode()
    assert 'id="queue-empty"' in empty  # no suggestion is a rule's
