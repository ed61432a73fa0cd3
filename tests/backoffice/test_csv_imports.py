"""The user-facing CSV imports (DUP objectives, indicator values) over HTTP: a file saved by Excel on Italian
Windows (Windows-1252, `;`, decimal comma) loads; the one column vocabulary (`codice_obiettivo`,
`codice_indicatore`) with the former names still read; the template on each import page downloads (UTF-8 with
BOM, `;`, header and one example row) and imports back as it is."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from decimetro.monitoring.models import IndicatorValue
from decimetro.monitoring.services import CSV_OPTIONAL, CSV_REQUIRED
from decimetro.participation.models import DupObjective
from decimetro.participation.services_dup import CSV_COLUMNS
from tests.factories import IndicatorFactory
from tests.participation.fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _upload(data: bytes, name: str = "file.csv") -> dict[str, object]:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _template(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


# Indicator values -----------------------------------------------------------------------------------------


@pytest.fixture
def milano_indicator(comune_a):
    return IndicatorFactory(code="MI-RD", comune=comune_a, baseline_date=date(2024, 1, 1))


def test_indicator_import_reads_an_excel_file_from_italian_windows(comune_a_editor, milano_indicator):
    data = (
        "Codice_indicatore;Data;Valore;Fonte;Nota\r\nMI-RD;2025-06-30;1234,5;Comune;più raccolta\r\n".encode(
            "cp1252"
        )
    )
    response = _client(comune_a_editor).post(reverse("backoffice:indicator_import"), _upload(data))
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.value, value.note) == (Decimal("1234.5"), "più raccolta")


def test_indicator_import_still_reads_the_former_column_name(comune_a_editor, milano_indicator):
    data = b"\xef\xbb\xbfindicatore,data,valore\nMI-RD,2025-06-30,12.5\n"
    response = _client(comune_a_editor).post(reverse("backoffice:indicator_import"), _upload(data))
    assert response.status_code == 302
    assert IndicatorValue.objects.get().value == Decimal("12.5")


def test_indicator_template_downloads_and_imports_back(comune_a_editor, milano_indicator):
    client = _client(comune_a_editor)
    page = client.get(reverse("backoffice:indicator_import")).content.decode()
    url = reverse("backoffice:indicator_import_template")
    assert f'href="{url}"' in page
    data = _template(client, url)
    assert data.startswith(codecs.BOM_UTF8)
    lines = data[len(codecs.BOM_UTF8) :].decode("utf-8").splitlines()
    assert lines[0].split(";") == [*CSV_REQUIRED, *CSV_OPTIONAL]
    assert len(lines) == 2 and lines[1].startswith("MI-RD;")
    response = client.post(reverse("backoffice:indicator_import"), _upload(data))
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.indicator, value.date, value.value) == (
        milano_indicator,
        date(2025, 12, 31),
        Decimal("62.5"),
    )


def test_indicator_template_is_for_who_may_import(association_user, milano_indicator):
    assert _client(association_user).get(reverse("backoffice:indicator_import_template")).status_code == 403


# DUP objectives --------------------------------------------------------------------------------------------


def test_dup_import_reads_an_excel_file_from_italian_windows(participation_site):
    org_a = participation_site["org_a"]
    data = (
        "codice_obiettivo;titolo;missione_dup;anno_da;anno_a;obiettivi_piano\r\n"
        "SO.50;Più asili, città più giovane;4;2025;2027;M1.1 M1.2\r\n"
    ).encode("cp1252")
    client = _client(participation_site["users"]["comune_a_editor"])
    response = client.post(reverse("backoffice:dup_import", args=[org_a.comune.codice_istat]), _upload(data))
    assert response.status_code == 302
    dup = DupObjective.objects.get(organisation=org_a, code="SO.50")
    assert dup.title == "Più asili, città più giovane"
    assert sorted(o.code for o in dup.plan_objectives.all()) == ["M1.1", "M1.2"]


def test_dup_import_still_reads_the_former_column_name(participation_site):
    org_a = participation_site["org_a"]
    data = b"codice,titolo,anno_da,anno_a\nSO.51,Casa,2025,2026\n"
    client = _client(participation_site["users"]["comune_a_editor"])
    client.post(reverse("backoffice:dup_import", args=[org_a.comune.codice_istat]), _upload(data))
    assert DupObjective.objects.filter(organisation=org_a, code="SO.51").exists()


def test_dup_template_downloads_and_imports_back(participation_site):
    org_a = participation_site["org_a"]
    client = _client(participation_site["users"]["comune_a_editor"])
    manage = reverse("backoffice:dup_manage", args=[org_a.comune.codice_istat])
    page = client.get(manage).content.decode()
    url = reverse("reports:dup_csv_template")
    assert f'href="{url}"' in page
    assert '<th scope="row">codice_obiettivo</th>' in page
    data = _template(client, url)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].split(";") == list(CSV_COLUMNS)
    response = client.post(reverse("backoffice:dup_import", args=[org_a.comune.codice_istat]), _upload(data))
    assert response.status_code == 302
    assert DupObjective.objects.filter(organisation=org_a, code="SO.1").exists()
