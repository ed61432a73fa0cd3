"""CSV import of values: all or nothing, each bad input named by line and column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from decimetro.core.models import AuditEntry
from decimetro.monitoring import services
from decimetro.monitoring.models import IndicatorValue
from decimetro.monitoring.services import CsvImportError, indicator_values_import_csv
from tests.factories import IndicatorValueFactory

pytestmark = pytest.mark.django_db


def _import(user, text, *, raw: bytes | None = None):
    return indicator_values_import_csv(
        by=user, name="valori.csv", content=raw if raw is not None else text.encode()
    )


def _fails(user, text, *, raw: bytes | None = None) -> str:
    with pytest.raises(CsvImportError) as exc:
        _import(user, text, raw=raw)
    assert not IndicatorValue.objects.exists(), "nothing may be written"
    assert not AuditEntry.objects.filter(action__startswith="monitoring.value").exists()
    return "\n".join(str(p) for p in exc.value.problems)


def test_imports_by_code_and_by_id_with_audit(staff_user, indicator_a, indicator_b):
    text = (
        "indicatore,data,valore,fonte,nota\n"
        f"MI-1,2025-03-31,12.5,Anagrafe,primo\n"
        f"{indicator_b.pk},2025-03-31,7,,\n"
    )
    result = _import(staff_user, text)
    assert (result.created, result.unchanged) == (2, 0)
    assert IndicatorValue.objects.get(indicator=indicator_a).value == Decimal("12.5")
    assert IndicatorValue.objects.get(indicator=indicator_b).source == ""
    assert AuditEntry.objects.filter(action="monitoring.value.import").count() == 2


def test_semicolon_with_decimal_comma_and_bom_and_header_case(staff_user, indicator_a):
    raw = "\ufeffIndicatore;Data;Valore\nmi-1;2025-03-31;12,5\n".encode()
    _import(staff_user, "", raw=raw)
    assert IndicatorValue.objects.get().value == Decimal("12.5")


def test_reimporting_the_same_file_changes_nothing(staff_user, indicator_a):
    text = "indicatore,data,valore\nMI-1,2025-03-31,12.5\n"
    _import(staff_user, text)
    result = _import(staff_user, text)
    assert (result.created, result.unchanged) == (0, 1)
    assert AuditEntry.objects.filter(action="monitoring.value.import").count() == 1


def test_a_different_value_already_recorded_is_a_conflict(staff_user, indicator_a):
    from datetime import date

    IndicatorValueFactory(indicator=indicator_a, date=date(2025, 3, 31), value=10)
    with pytest.raises(CsvImportError) as exc:
        _import(staff_user, "indicatore,data,valore\nMI-1,2025-03-31,12.5\nMI-1,2025-04-30,13\n")
    assert "riga 2, colonna «valore»: esiste già un valore diverso (10)" in str(exc.value.problems[0])
    assert IndicatorValue.objects.count() == 1  # the good row 3 was not written either


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file vuoto"),
        ("indicatore,data,valore\n", "nessuna riga di dati"),
        ("indicatore,data\nMI-1,2025-03-31\n", "colonna «valore»: colonne obbligatorie mancanti"),
        ("indicatore\tdata\tvalore\nMI-1\t2025-03-31\t1\n", "colonne obbligatorie mancanti"),
        (
            "indicatore,data,valore\nMI-1,2025-03-31,abc\n",
            "riga 2, colonna «valore»: numero non valido «abc»",
        ),
        ("indicatore,data,valore\nMI-1,2025-03-31,\n", "riga 2, colonna «valore»: numero non valido"),
        ("indicatore,data,valore\nMI-1,2025-03-31,1e400\n", "riga 2, colonna «valore»"),
        ("indicatore,data,valore\nMI-1,2025-03-31,0.123456\n", "riga 2, colonna «valore»"),
        (
            "indicatore,data,valore\nMI-1,31/03/2025,1\n",
            "riga 2, colonna «data»: data non valida «31/03/2025»",
        ),
        ("indicatore,data,valore\nMI-1,2025-02-30,1\n", "riga 2, colonna «data»: data non valida"),
        (
            "indicatore,data,valore\nXX-9,2025-03-31,1\n",
            "riga 2, colonna «codice_indicatore»: indicatore sconosciuto «XX-9»",
        ),
        ("indicatore,data,valore\n,2025-03-31,1\n", "riga 2, colonna «codice_indicatore»: valore mancante"),
        (
            "indicatore,data,valore\nMI-1,2023-12-31,1\n",
            "riga 2, colonna «data»: la data 2023-12-31 è precedente",
        ),
        (
            "indicatore,data,valore\nMI-1,2099-01-01,1\n",
            "riga 2, colonna «data»: la data 2099-01-01 è nel futuro",
        ),
        ("indicatore,data,valore\nMI-1,2025-03-31,1,extra\n", "riga 2: più campi dell'intestazione"),
        (
            "indicatore,data,valore\nMI-1,2025-03-31,1\nMI-1,2025-03-31,2\n",
            "riga 3, colonna «data»: valore duplicato: l'indicatore MI-1 ha già un valore per il 2025-03-31 "
            "alla riga 2",
        ),
        # one good row and one bad row: nothing is written
        ("indicatore,data,valore\nMI-1,2025-03-31,1\nMI-1,2025-04-30,x\n", "riga 3, colonna «valore»"),
    ],
)
def test_bad_files_name_the_problem_and_write_nothing(staff_user, indicator_a, text, expected):
    assert expected in _fails(staff_user, text)


def test_excel_file_in_windows_1252_is_read(staff_user, indicator_a):
    # Excel on Italian Windows: "CSV (delimitato dal separatore di elenco)" is Windows-1252 with ";" and CRLF.
    raw = "indicatore;data;valore;fonte;nota\r\nMI-1;2025-03-31;12,5;Comune;città \u2013 10 €\r\n".encode(
        "cp1252"
    )
    _import(staff_user, "", raw=raw)
    value = IndicatorValue.objects.get()
    assert (value.value, value.note) == (Decimal("12.5"), "città \u2013 10 €")


def test_damaged_utf8_names_the_line(staff_user, indicator_a):
    # A UTF-8 file with one line in another encoding: refused at that line rather than garbled.
    raw = (
        "indicatore,data,valore,nota\nMI-1,2025-03-31,1,città\n".encode()
        + "MI-1,2025-04-30,2,perché\n".encode("latin-1")
    )
    assert "riga 3: codifica non valida: il file deve essere in UTF-8" in _fails(staff_user, "", raw=raw)


def test_binary_file_is_refused(staff_user, indicator_a):
    raw = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))  # the start of an .xlsx (a zip)
    assert "riga 1: il file non è un file di testo" in _fails(staff_user, "", raw=raw)


def test_oversize_file_is_refused(staff_user, indicator_a, monkeypatch):
    monkeypatch.setattr(services, "CSV_MAX_BYTES", 50)
    text = "indicatore,data,valore\n" + "MI-1,2025-03-31,1\n" * 5
    assert "file troppo grande" in _fails(staff_user, text)


def test_too_many_rows_is_refused(staff_user, indicator_a, monkeypatch):
    monkeypatch.setattr(services, "CSV_MAX_ROWS", 2)
    text = "indicatore,data,valore\nMI-1,2025-01-31,1\nMI-1,2025-02-28,1\nMI-1,2025-03-31,1\n"
    assert "riga 4: troppe righe (massimo 2)" in _fails(staff_user, text)


def test_comune_editor_imports_own_comune_only(comune_a_editor, indicator_a, indicator_b):
    text = "indicatore,data,valore\nMI-1,2025-03-31,1\nRHO-1,2025-03-31,1\n"
    assert "riga 3, colonna «codice_indicatore»: non è consentito registrare valori per «RHO-1»" in _fails(
        comune_a_editor, text
    )
    _import(comune_a_editor, "indicatore,data,valore\nMI-1,2025-03-31,1\n")
    assert IndicatorValue.objects.get().entered_by == comune_a_editor


@pytest.mark.parametrize("persona", ["association_user", "comune_b_editor"])
def test_users_without_any_indicator_cannot_import(request, persona, indicator_a):
    with pytest.raises(PermissionDenied):
        _import(request.getfixturevalue(persona), "indicatore,data,valore\nMI-1,2025-03-31,1\n")
    assert not IndicatorValue.objects.exists()


def test_anonymous_cannot_import(indicator_a):
    with pytest.raises(PermissionDenied):
        _import(AnonymousUser(), "indicatore,data,valore\nMI-1,2025-03-31,1\n")
