"""The DUP editor: the plan objectives grouped by mission with their full titles and a search box (hidden
without JavaScript, everything visible), and for each DUP objective's text the plan objectives it suggests
(linking's text ranking/classifier) shown as suggestions, never saved by themselves."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from decimetro.core.models import AuditEntry
from decimetro.participation.models import DupObjective
from decimetro.plan.models import Mission, Objective
from tests.participation.fixtures import DupObjectiveFactory

pytestmark = pytest.mark.django_db

CHILDCARE = "asili nido e scuole dell'infanzia"


@pytest.fixture(autouse=True)
def _no_trained_model(settings, tmp_path):
    """No component model installed: the suggestions come from the objectives' texts alone (the classifier,
    when installed, adds its component scores; the tests must not depend on a model on this machine)."""
    settings.DECIMETRO_MODEL_DIR = tmp_path / "models"


@pytest.fixture
def editor(plan, comune_a_editor) -> Client:
    client = Client()
    client.force_login(comune_a_editor)
    return client


def _key(comune_a_editor) -> str:
    return comune_a_editor.membership.organisation.comune.codice_istat


def _groups(html: str) -> list[tuple[str, list[str]]]:
    """(mission legend, the objectives' labels) of each mission group, in page order."""
    out = []
    for block in re.findall(
        r"<fieldset class=\"mb-3 dup-mission\" data-dup-mission>(.*?)</fieldset>", html, re.S
    ):
        legend = re.search(r"<legend[^>]*>(.*?)</legend>", block, re.S)
        labels = re.findall(r"<label for=\"id_plan_objectives_\d+\">(.*?)</label>", block, re.S)
        out.append((legend.group(1).strip() if legend else "", labels))
    return out


def test_the_plan_objectives_are_grouped_by_mission_with_full_titles(editor, comune_a_editor):
    html = editor.get(reverse("backoffice:dup_manage", args=[_key(comune_a_editor)])).content.decode()
    groups = _groups(html)
    missions = list(Mission.objects.filter(edition__is_current=True).order_by("number"))
    assert [legend for legend, _ in groups] == [
        f"{m.code} · {m.title}".replace("'", "&#x27;") for m in missions
    ]
    for mission, (_legend, labels) in zip(missions, groups, strict=True):
        objectives = Objective.objects.filter(mission=mission).order_by("number")
        assert labels == [escape(f"{o.code} {o.title}") for o in objectives]
    longest = max(Objective.objects.filter(edition__is_current=True), key=lambda o: len(o.title))
    assert len(longest.title) > 110  # the old form cut titles at 110 characters
    assert escape(longest.title) in html


def test_the_search_box_is_hidden_without_javascript_and_its_script_is_a_file(editor, comune_a_editor):
    html = editor.get(reverse("backoffice:dup_manage", args=[_key(comune_a_editor)])).content.decode()
    assert re.search(r"<div class=\"mb-3\" data-dup-search hidden>", html)
    assert 'type="search" id="dup-objective-search"' in html
    assert "js/dup_editor.js" in html
    assert "<script>" not in html.split("<main", 1)[1]  # no inline script in the page's content


def test_suggestions_endpoint_returns_plan_objectives_for_a_clear_text(editor, comune_a_editor):
    url = reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)])
    fragment = editor.get(url, {"title": CHILDCARE}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    codes = re.findall(r'data-code="([^"]+)"', fragment.content.decode())
    assert 1 <= len(codes) <= 3
    assert set(codes) <= set(
        Objective.objects.filter(edition__is_current=True).values_list("code", flat=True)
    )
    assert "<html" not in fragment.content.decode()  # the htmx fragment only
    assert "<title>" not in fragment.content.decode()
    # Without JavaScript: the plain link opens a page with the same suggestions and its own form.
    page = editor.get(url, {"testo": CHILDCARE})
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r'data-code="([^"]+)"', html) == codes
    assert 'id="dup-suggest-form"' in html and 'name="testo"' in html


def test_suggestions_save_nothing(editor, comune_a_editor):
    before = (DupObjective.objects.count(), AuditEntry.objects.count())
    url = reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)])
    editor.get(url, {"title": CHILDCARE}, HTTP_HX_REQUEST="true")
    editor.get(url, {"testo": CHILDCARE})
    assert (DupObjective.objects.count(), AuditEntry.objects.count()) == before
    # Only GET: a POST is refused (nothing to write here).
    assert editor.post(url, {"testo": CHILDCARE}).status_code == 405


def test_the_edit_page_shows_the_suggestions_of_the_saved_text_without_ticking_them(editor, comune_a_editor):
    organisation = comune_a_editor.membership.organisation
    dup = DupObjectiveFactory(organisation=organisation, title="Nuovi asili nido e scuole dell'infanzia")
    html = editor.get(reverse("backoffice:dup_edit", args=[_key(comune_a_editor), dup.pk])).content.decode()
    codes = re.findall(r'data-code="([^"]+)"', html)
    assert codes, "the saved title's suggestions are on the page"
    assert (
        " checked"
        not in html.split('id="dup-plan-objective-groups"', 1)[1].split("</fieldset>\n</fieldset>")[0]
    )
    assert 'hx-get="' + reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)]) + '"' in html
    assert "?testo=Nuovi%20asili%20nido" in html  # the plain-link fallback
    # Saving the form without ticking anything links nothing: suggestions are never saved by themselves.
    response = editor.post(
        reverse("backoffice:dup_edit", args=[_key(comune_a_editor), dup.pk]),
        {"code": dup.code, "title": dup.title, "year_from": 2025, "year_to": 2027},
    )
    assert response.status_code == 302
    assert not dup.plan_objectives.exists()


def test_empty_text_asks_for_a_title(editor, comune_a_editor):
    url = reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)])
    html = editor.get(url, {"title": "  "}, HTTP_HX_REQUEST="true").content.decode()
    assert "Scrivi il titolo" in html and "data-code" not in html


def test_suggestions_are_only_for_who_writes_that_dup(
    plan, comune_a_editor, comune_b_editor, association_user
):
    url = reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)])
    assert Client().get(url, {"testo": CHILDCARE}).status_code == 302  # to the login
    for user in (comune_b_editor, association_user):
        client = Client()
        client.force_login(user)
        assert client.get(url, {"testo": CHILDCARE}).status_code in (403, 404)
    other = reverse("backoffice:dup_suggest", args=["999999"])
    client = Client()
    client.force_login(comune_a_editor)
    assert client.get(other, {"testo": CHILDCARE}).status_code in (403, 404)


def test_each_listed_dup_objective_links_to_its_suggestions(editor, comune_a_editor):
    organisation = comune_a_editor.membership.organisation
    DupObjectiveFactory(organisation=organisation, title="Scuole sicure")
    html = editor.get(reverse("backoffice:dup_manage", args=[_key(comune_a_editor)])).content.decode()
    assert reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)]) + "?testo=Scuole%20sicure" in html


@pytest.fixture(scope="module")
def _trained_base(tmp_path_factory):
    from pathlib import Path

    from decimetro.linking import classifier as clf
    from decimetro.linking.training import train_artefact
    from decimetro.linking.training_data import find_files

    base = tmp_path_factory.mktemp("dup-models")
    fixtures = Path(__file__).resolve().parents[1] / "linking" / "fixtures" / "classifier"
    train_artefact(
        files=find_files(fixtures), params=clf.Params(seed=7), directory=clf.model_dir(base), data_label="t"
    )
    return base


def test_with_a_model_a_nonsense_text_is_marked_non_so_and_a_clear_one_is_not(
    editor, comune_a_editor, settings, _trained_base
):
    """Issue 18: the classifier's abstain reaches the DUP editor ("Non so:" above the suggestions)."""
    settings.DECIMETRO_MODEL_DIR = _trained_base
    url = reverse("backoffice:dup_suggest", args=[_key(comune_a_editor)])
    unclear = editor.get(url, {"title": "xqzw plorf vantrix gubbel"}, HTTP_HX_REQUEST="true")
    assert 'id="dup-suggestion-abstain"' in unclear.content.decode()
    clear = editor.get(
        url,
        {"title": "Casa della comunità e ospedale di comunità: assistenza sanitaria territoriale"},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="dup-suggestion-abstain"' not in clear.content.decode()
    assert re.findall(r'data-code="([^"]+)"', clear.content.decode())
