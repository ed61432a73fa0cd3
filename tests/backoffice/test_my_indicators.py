"""A Comune's editor records its comune's indicator values from the back office's indicator list (the form is
right where the indicator is listed), never another comune's; the territory-wide ones are the Ente's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from decimetro.monitoring.models import IndicatorValue
from tests.backoffice.test_form_markup import _check
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

LIST = "/gestione/indicatori/"


@pytest.fixture
def two_comuni(comune_a, comune_b, comune_a_editor, comune_b_editor):
    """An indicator for each comune and one of the whole territory, owned by nobody of the comuni."""
    return {
        "a": IndicatorFactory(code="MI-1", name="Asili nido a Milano", comune=comune_a),
        "b": IndicatorFactory(code="RHO-1", name="Asili nido a Rho", comune=comune_b),
        "territory": IndicatorFactory(code="CM-1", name="Asili nido nel territorio", comune=None),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _value(**extra):
    return {
        "date": "2025-06-30",
        "value": "64.5",
        "source": "Anagrafe",
        "note": "",
        "dopo": "elenco",
        **extra,
    }


def test_comune_editor_lists_only_its_comune_indicators_with_a_value_form_each(comune_a_editor, two_comuni):
    response = _client(comune_a_editor).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    a = two_comuni["a"]
    assert "Asili nido a Milano" in html
    assert "Asili nido a Rho" not in html and "Asili nido nel territorio" not in html
    assert f'action="{reverse("backoffice:indicator_value_record", args=[a.pk])}"' in html
    assert f'id="id_v{a.pk}_date"' in html and f'for="id_v{a.pk}_value"' in html
    _check(html)  # Bootstrap Italia markup, labels for every field, ids unique per indicator


def test_comune_editor_records_its_comune_value_from_the_list(comune_a_editor, two_comuni):
    a = two_comuni["a"]
    url = reverse("backoffice:indicator_value_record", args=[a.pk])
    response = _client(comune_a_editor).post(url, _value())
    assert response.status_code == 302 and response["Location"] == LIST
    value = IndicatorValue.objects.get(indicator=a)
    assert (value.date, value.value, value.entered_by) == (
        date(2025, 6, 30),
        Decimal("64.5"),
        comune_a_editor,
    )


@pytest.mark.parametrize("other", ["b", "territory"])
def test_comune_editor_cannot_record_another_comune_or_the_territory(comune_a_editor, two_comuni, other):
    url = reverse("backoffice:indicator_value_record", args=[two_comuni[other].pk])
    client = _client(comune_a_editor)
    assert client.get(url).status_code == 403
    assert client.post(url, _value()).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_the_other_comune_sees_its_own_and_cannot_record_the_first(comune_b_editor, two_comuni):
    client = _client(comune_b_editor)
    html = client.get(LIST).content.decode()
    assert "Asili nido a Rho" in html and "Asili nido a Milano" not in html
    url = reverse("backoffice:indicator_value_record", args=[two_comuni["a"].pk])
    assert client.post(url, _value()).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_a_comune_without_indicators_gets_an_empty_list_not_a_403(comune_a_editor):
    response = _client(comune_a_editor).get(LIST)
    assert response.status_code == 200
    assert 'id="no-indicators"' in response.content.decode()


def test_an_intermediate_body_has_no_indicator_list(association_user, two_comuni):
    assert _client(association_user).get(LIST).status_code == 403


def test_comune_editor_cannot_manage(comune_a_editor, two_comuni):
    client = _client(comune_a_editor)
    assert client.get(reverse("backoffice:indicator_create")).status_code == 403
    assert client.get(reverse("backoffice:indicator_edit", args=[two_comuni["a"].pk])).status_code == 403


def test_staff_still_see_every_indicator_and_manage(staff_client, two_comuni):
    html = staff_client.get(LIST).content.decode()
    assert all(
        name in html for name in ("Asili nido a Milano", "Asili nido a Rho", "Asili nido nel territorio")
    )
    assert reverse("backoffice:indicator_create") in html


def test_the_list_costs_the_same_queries_for_one_or_three_indicators(
    comune_a, comune_a_editor, django_assert_max_num_queries
):
    client = _client(comune_a_editor)
    IndicatorFactory(comune=comune_a)
    with django_assert_max_num_queries(30) as one:
        client.get(LIST)
    IndicatorFactory(comune=comune_a)
    IndicatorFactory(comune=comune_a)
    with django_assert_max_num_queries(30) as three:
        client.get(LIST)
    assert len(three.captured_queries) == len(one.captured_queries)
