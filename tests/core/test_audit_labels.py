"""The audit log in words (core.audit_labels): Italian actions and field labels for the back-office log and
the public change history, organisations (never usernames) as authors on public pages, the plan's Markdown
rendered, and the language of the site chosen only by the switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from decimetro.core.audit_labels import ACTION_LABELS, SYSTEM_ACTORS, action_label
from decimetro.core.models import AuditEntry
from decimetro.core.services import membership_set_role
from decimetro.linking.models import LinkAction
from decimetro.plan.models import Mission
from decimetro.plan.services import mission_update
from tests._dom import table
from tests.factories import IndicatorFactory, IndicatorValueFactory

PACKAGE = Path(settings.BASE_DIR) / "decimetro"


def _written_actions() -> set[str]:
    """Every audit action the code writes: the literal ones, the plan's `<kind>.create|update` and the
    links' `linking.<decision>`."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit_record\((.*?)\)\n", text, re.DOTALL):
            found.update(re.findall(r'action="([a-z_.]+)"', call.group(1)))
    kinds = ("edition", "keyword", "direction", "mission", "component", "objective")
    found.update(f"{k}.{verb}" for k in kinds for verb in ("create", "update"))
    found.update(f"linking.{a}" for a in (LinkAction.CONFIRMED, LinkAction.REJECTED, LinkAction.CHOSEN))
    return found


def test_every_action_the_code_writes_has_an_italian_label():
    written = _written_actions()
    assert len(written) > 40  # the scan found the services
    assert sorted(a for a in written if a not in ACTION_LABELS) == []


def test_every_process_that_writes_has_a_name_in_words():
    """The writers that are not a person (`by_label=` of the services and commands) are named in Italian on
    public pages ("caricamento del piano", never `plan_load`)."""
    labels: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        labels.update(re.findall(r'by_label(?:: str)? ?= ?"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert "plan_load" in labels
    assert sorted(label for label in labels if label not in SYSTEM_ACTORS) == []


def test_an_unknown_action_is_shown_as_it_is():
    assert action_label("nuovo.codice") == "nuovo.codice"
    assert action_label("dup.create") == "aggiunta di un obiettivo del DUP"


# Public change history ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_plan_history_says_caricamento_del_piano_never_plan_load(client, plan):
    """The plan loaded by `manage.py plan_load` (no person): the history names the process in words."""
    assert AuditEntry.objects.filter(actor_label="plan_load").exists()
    rows = table(client.get("/piano/missioni/M1/"), "history")
    who = {r[1] for r in rows[1:]}
    assert who == {str(SYSTEM_ACTORS["plan_load"])} == {"caricamento del piano"}
    assert "plan_load" not in client.get("/piano/missioni/M1/").content.decode()
    assert {r[2] for r in rows[1:]} <= {str(v) for v in ACTION_LABELS.values()}


@pytest.mark.django_db
def test_plan_history_signs_with_the_organisation_and_renders_markdown(client, plan, ente_admin):
    mission = Mission.objects.get(code="M1")
    mission_update(
        mission=mission, by=ente_admin, title=mission.title, introduction="Più **agricoltura sostenibile**."
    )
    response = client.get("/piano/missioni/M1/")
    page = response.content.decode()
    history = page[page.index('id="history"') :]
    history = history[: history.index("</table>")]
    assert "<strong>agricoltura sostenibile</strong>" in history
    assert "**" not in history
    rows = table(response, "history")
    edit = next(r for r in rows[1:] if r[2] == "modifica della missione")
    assert edit[1] == ente_admin.membership.organisation.name  # the Ente, not "admin.ente"
    assert "admin.ente" not in page


# Back-office audit log ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_log_is_in_words(client, ente_admin, comune_a_editor):
    membership_set_role(
        by=ente_admin, user=comune_a_editor, organisation=ente_admin.membership.organisation, role="editor"
    )
    client.force_login(ente_admin)
    response = client.get("/gestione/registro/")
    page = response.content.decode()
    rows = table(response, "audit")
    change = next(r for r in rows[1:] if "cambio di organizzazione o ruolo" in r[2])
    assert "Personale dell'Ente: no → sì" in change[4]
    assert "is_staff" not in change[4] and "False" not in change[4]
    assert "redattore.a" in change[3] or "redattore.a" in change[1]  # staff still see who the account is
    # The action filter offers the actions in words, the codes as values.
    assert '<option value="membership_set_role">cambio di organizzazione o ruolo</option>' in page


# Public pages: organisations, not usernames ---------------------------------------------------------------


@pytest.mark.django_db
def test_indicator_page_names_organisations_not_usernames(client, comune_a_editor):
    indicator = IndicatorFactory(owner=comune_a_editor)
    IndicatorValueFactory(indicator=indicator, entered_by=comune_a_editor)
    page = client.get(f"/monitoraggio/indicatori/{indicator.pk}/").content.decode()
    assert comune_a_editor.membership.organisation.name in page
    assert "redattore.a" not in page


# Italian by default, English by the switch ----------------------------------------------------------------


@pytest.mark.django_db
def test_italian_whatever_the_browser_says_english_only_by_the_switch(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="it">' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="it-IT").content.decode()
    assert '<html lang="en">' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"  # an unknown choice: back to Italian
    assert '<html lang="it">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
