"""Every back-office form page is drawn with Bootstrap Italia's markup through the one renderer
(backoffice.forms.base): no Django `---------` empty choice, every <input> with a `type`, every field with a
<label for> naming its id, selects as `form-select`, labels above the fields (not floating over them)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import ComponentFactory, IndicatorFactory, OrganisationFactory
from tests.participation.fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


class _Controls(HTMLParser):
    """The form controls of the page's main content, the labels' `for`, the options' texts."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.selects: list[dict[str, str | None]] = []
        self.textareas: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.options: list[str] = []
        self.select_options: list[int] = []  # the number of options of each select
        self.floating_labels = 0
        self._in_option = False
        self._in_main = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self._in_main += 1
        if not self._in_main:
            return  # the header's search and language forms are the site's, not the back office's
        if tag == "input":
            self.inputs.append(a)
        elif tag == "select":
            self.selects.append(a)
            self.select_options.append(0)
        elif tag == "textarea":
            self.textareas.append(a)
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        elif tag == "option":
            self._in_option = True
            self.options.append("")
            if self.select_options:
                self.select_options[-1] += 1
        elif tag == "div" and "form-group" in (a.get("class") or "").split():
            self.floating_labels += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main -= 1
        elif tag == "option":
            self._in_option = False

    def handle_data(self, data: str) -> None:
        if self._in_option:
            self.options[-1] += data.strip()


def _check(html: str) -> _Controls:
    page = _Controls()
    page.feed(html)
    assert page.inputs or page.selects or page.textareas, "no form on the page"
    assert "---------" not in page.options
    for control in page.inputs:
        assert control.get("type"), f"<input> without type: {control}"
    labelled = [
        *[i for i in page.inputs if i.get("type") not in ("hidden", "submit", "button")],
        *page.selects,
        *page.textareas,
    ]
    for control in labelled:
        assert control.get("id") in page.label_for, f"no <label for> for {control}"
    for select, n in zip(page.selects, page.select_options, strict=True):
        assert "form-select" in (select.get("class") or ""), f"select without form-select: {select}"
        assert n > 0, f"a select without options: {select}"
    assert page.floating_labels == 0, "a floating .form-group label"
    return page


@pytest.fixture
def form_pages(participation_site: dict[str, Any]) -> dict[str, str]:
    w = participation_site
    indicator = IndicatorFactory(objective=w["objective"], comune=w["org_a"].comune)
    component = ComponentFactory(mission=w["objective"].mission)
    body = OrganisationFactory(name="Università")
    key_a = w["org_a"].comune.codice_istat
    pages = {
        "objective_edit": reverse("backoffice:objective_edit", args=[w["objective"].code]),
        "mission_edit": reverse("backoffice:mission_edit", args=[w["objective"].mission.code]),
        "component_edit": reverse("backoffice:component_edit", args=[component.code]),
        "editions": reverse("backoffice:editions"),
        "indicator_create": reverse("backoffice:indicator_create"),
        "indicator_edit": reverse("backoffice:indicator_edit", args=[indicator.pk]),
        "indicator_value_record": reverse("backoffice:indicator_value_record", args=[indicator.pk]),
        "indicator_import": reverse("backoffice:indicator_import"),
        "consultation_create": reverse("backoffice:consultation_create"),
        "consultation_edit": reverse("backoffice:consultation_edit", args=[w["consultation"].pk]),
        "consultation_manage": reverse("backoffice:consultation_manage", args=[w["consultation"].pk]),
        "dup_manage": reverse("backoffice:dup_manage", args=[key_a]),
        "dup_edit": reverse("backoffice:dup_edit", args=[key_a, w["dup"].pk]),
        "users": reverse("backoffice:users"),
        "organisations": reverse("backoffice:organisations"),
        "organisation_create": reverse("backoffice:organisation_create"),
        "organisation_edit": reverse("backoffice:organisation_edit", args=[body.pk]),
        "user_role": reverse("backoffice:user_role", args=[w["users"]["comune_a_editor"].pk]),
        "audit_log": reverse("backoffice:audit_log"),
        "password_change": reverse("backoffice:password_change"),
        "crosswalk": reverse("backoffice:crosswalk"),
        "data_quality": reverse("backoffice:data_quality"),
    }
    return pages


PAGES = [
    "objective_edit",
    "mission_edit",
    "component_edit",
    "editions",
    "indicator_create",
    "indicator_edit",
    "indicator_value_record",
    "indicator_import",
    "consultation_create",
    "consultation_edit",
    "consultation_manage",
    "dup_manage",
    "dup_edit",
    "users",
    "organisations",
    "organisation_create",
    "organisation_edit",
    "user_role",
    "audit_log",
    "password_change",
    "crosswalk",
    "data_quality",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_back_office_form_is_bootstrap_italia_markup(client, participation_site, form_pages, name):
    client.force_login(participation_site["users"]["ente_admin"])
    response = client.get(form_pages[name])
    assert response.status_code == 200
    _check(response.content.decode())


def test_the_new_indicator_form_has_italian_empty_choices_and_typed_inputs(client, participation_site):
    client.force_login(participation_site["users"]["ente_admin"])
    page = _check(client.get(reverse("backoffice:indicator_create")).content.decode())
    assert "— scegli —" in page.options
    types = {i["name"]: i["type"] for i in page.inputs if i.get("name")}
    assert types["baseline_date"] == "date" and types["baseline_value"] == "number"
    assert types["code"] == "text"


def test_errors_are_tied_to_their_field(client, participation_site):
    client.force_login(participation_site["users"]["ente_admin"])
    html = client.post(reverse("backoffice:indicator_create"), {"code": ""}).content.decode()
    assert 'id="id_code-error"' in html
    assert 'aria-describedby="id_code_helptext id_code-error"' in html
