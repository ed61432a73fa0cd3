"""The back office of the indicators (/gestione/indicatori/): who may enter, creating and editing, recording a
value, the CSV import, the overdue list."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from decimetro.core.models import AuditEntry
from decimetro.monitoring.models import Indicator, IndicatorValue
from tests.factories import IndicatorFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


# Back office: access ----------------------------------------------------------------------------------------

# (/gestione/indicatori/ itself is also the list of a Comune's editor: test_my_indicators.py.)
MANAGE_URLS = [
    "/gestione/indicatori/nuovo/",
    "/gestione/indicatori/in-ritardo/",
]


@pytest.mark.parametrize("url", MANAGE_URLS)
def test_manage_pages_are_for_ente_staff(staff_client, comune_a_editor, url):
    client = Client()
    assert client.get(url).status_code == 302  # to the login
    client.force_login(comune_a_editor)
    assert client.get(url).status_code == 403
    assert staff_client.get(url).status_code == 200


def _form(indicator=None, **kw):
    objective = indicator.objective if indicator else ObjectiveFactory()
    data = {
        "code": "m5.1-occ",
        "name": "Tasso di occupazione",
        "objective": objective.pk,
        "comune": "",
        "unit": "%",
        "source": "ISTAT, Rilevazione forze di lavoro",
        "description": "",
        "baseline_value": "68.1",
        "baseline_date": "2023-12-31",
        "target_value": "72",
        "target_date": "2026-12-31",
        "polarity": "higher",
        "frequency": "yearly",
        "owner": indicator.owner_id if indicator else "",
    }
    data.update(kw)
    return data


def test_staff_creates_an_indicator(staff_client, staff_user):
    response = staff_client.post("/gestione/indicatori/nuovo/", _form(owner=staff_user.pk))
    ind = Indicator.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoraggio/indicatori/{ind.pk}/"
    assert ind.code == "M5.1-OCC"
    assert AuditEntry.objects.filter(action="monitoring.indicator.create").count() == 1


def test_create_form_shows_field_errors(staff_client, staff_user):
    response = staff_client.post(
        "/gestione/indicatori/nuovo/", _form(owner=staff_user.pk, target_value="50", target_date="2020-01-01")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "deve essere successiva" in html
    assert "deve essere maggiore del valore di partenza" in html
    assert not Indicator.objects.exists()


def test_forged_post_without_csrf_is_refused(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post("/gestione/indicatori/nuovo/", _form(owner=staff_user.pk)).status_code == 403
    assert not Indicator.objects.exists()


def test_staff_edits_and_deactivates(staff_client, indicator):
    response = staff_client.post(
        f"/gestione/indicatori/{indicator.pk}/modifica/", _form(indicator, code="MI-RD", name="Nuovo nome")
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "Nuovo nome"
    staff_client.post(f"/gestione/indicatori/{indicator.pk}/disattiva/")
    indicator.refresh_from_db()
    assert indicator.active is False


def test_comune_editor_cannot_edit_or_deactivate(client, comune_a_editor, indicator):
    client.force_login(comune_a_editor)
    assert client.post(f"/gestione/indicatori/{indicator.pk}/modifica/", _form(indicator)).status_code == 403
    assert client.post(f"/gestione/indicatori/{indicator.pk}/disattiva/").status_code == 403
    indicator.refresh_from_db()
    assert indicator.active and indicator.name == "Raccolta differenziata a Milano"


# Recording a value ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["plain_user", "comune_a_editor", "staff_user"])
def test_owner_comune_editor_and_staff_record_a_value(client, request, persona, indicator):
    client.force_login(request.getfixturevalue(persona))
    url = f"/gestione/indicatori/{indicator.pk}/valori/nuovo/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": "2025-06-30", "value": "64", "source": "ISPRA", "note": ""})
    assert response.status_code == 302
    assert IndicatorValue.objects.filter(indicator=indicator, date=date(2025, 6, 30), value=64).exists()


@pytest.mark.parametrize("persona", ["comune_b_editor", "association_user"])
def test_others_cannot_record_a_value(client, request, persona, indicator):
    client.force_login(request.getfixturevalue(persona))
    url = f"/gestione/indicatori/{indicator.pk}/valori/nuovo/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"date": "2025-06-30", "value": "64"}).status_code == 403
    assert IndicatorValue.objects.count() == 1


def test_value_out_of_range_is_shown_on_the_form(staff_client, indicator):
    response = staff_client.post(
        f"/gestione/indicatori/{indicator.pk}/valori/nuovo/", {"date": "2020-01-01", "value": "64"}
    )
    assert response.status_code == 200
    assert "precedente alla data di partenza" in response.content.decode()


def test_record_button_only_for_who_may_record(client, comune_b_editor, comune_a_editor, indicator):
    url = f"/monitoraggio/indicatori/{indicator.pk}/"
    assert "Registra un valore" not in client.get(url).content.decode()
    client.force_login(comune_b_editor)
    assert "Registra un valore" not in client.get(url).content.decode()
    client.force_login(comune_a_editor)
    assert "Registra un valore" in client.get(url).content.decode()


# CSV import -------------------------------------------------------------------------------------------------


def _upload(text: str) -> dict[str, object]:
    return {"file": SimpleUploadedFile("valori.csv", text.encode(), content_type="text/csv")}


def test_import_page_documents_columns_and_reports_problems(staff_client, indicator):
    html = staff_client.get("/gestione/indicatori/importa/").content.decode()
    for column in ("codice_indicatore", "data", "valore", "fonte", "nota"):
        assert f"<code>{column}</code>" in html
    response = staff_client.post(
        "/gestione/indicatori/importa/",
        _upload("indicatore,data,valore\nMI-RD,2025-06-30,64\nMI-RD,2025-07-31,x\n"),
    )
    html = response.content.decode()
    assert "riga 3, colonna «valore»: numero non valido «x»" in html
    assert "nessun valore scritto" in html
    assert IndicatorValue.objects.count() == 1


def test_import_good_file(staff_client, indicator):
    response = staff_client.post(
        "/gestione/indicatori/importa/", _upload("indicatore,data,valore\nMI-RD,2025-06-30,64\n")
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.count() == 2


def test_import_forbidden_without_any_indicator(client, association_user, indicator):
    client.force_login(association_user)
    assert client.get("/gestione/indicatori/importa/").status_code == 403


# Overdue list -----------------------------------------------------------------------------------------------


def test_overdue_list_shows_due_indicators_only(staff_client, indicator):
    IndicatorFactory(code="NON-DUE", name="Non ancora atteso", baseline_date=date.today())
    html = staff_client.get("/gestione/indicatori/in-ritardo/").content.decode()
    assert 'id="overdue-table"' in html
    assert "Raccolta differenziata a Milano" in html  # last value 2024-12-31, yearly → due 2025-12-31
    assert "31/12/2025" in html
    assert "Non ancora atteso" not in html
