"""DUP alignment: writing the DUP (by hand, by CSV), who may, the coverage matrices, the map data, exports."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from decimetro.core.models import AuditEntry
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.models import DupObjective
from decimetro.participation.services_dup import (
    DupCsvError,
    dup_import_csv,
    dup_objective_create,
    dup_objective_delete,
    dup_objective_update,
)
from decimetro.plan.models import Objective
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import DupObjectiveFactory, db_state, upload

pytestmark = pytest.mark.django_db

CREDIT = "Fonte: Città metropolitana di Milano, Piano strategico metropolitano"


def _objs(*codes):
    return list(Objective.objects.filter(code__in=codes))


def test_comune_editor_writes_its_own_dup_with_audit(participation_site):
    a = participation_site["users"]["comune_a_editor"]
    d = dup_objective_create(
        by=a,
        organisation=participation_site["org_a"],
        code="SO.5",
        title="Scuole",
        dup_mission="4",
        year_from=2025,
        year_to=2027,
        plan_objectives=_objs("M1.2", "M2.1"),
    )
    assert sorted(o.code for o in d.plan_objectives.all()) == ["M1.2", "M2.1"]
    dup_objective_update(
        by=a,
        dup_objective=d,
        code="SO.5",
        title="Scuole sicure",
        year_from=2025,
        year_to=2026,
        plan_objectives=_objs("M1.3"),
    )
    d.refresh_from_db()
    assert d.title == "Scuole sicure" and [o.code for o in d.plan_objectives.all()] == ["M1.3"]
    actions = list(
        AuditEntry.objects.filter(target_id=str(d.pk), action__startswith="dup.").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["dup.create", "dup.update"]
    dup_objective_delete(by=a, dup_objective=d)
    assert not DupObjective.objects.filter(pk=d.pk).exists()


@pytest.mark.parametrize("persona", ["comune_b_editor", "association_user"])
def test_nobody_else_writes_comune_a_dup(participation_site, persona):
    user = participation_site["users"][persona]
    before = db_state()
    with pytest.raises(PermissionDenied):
        dup_objective_create(
            by=user,
            organisation=participation_site["org_a"],
            code="X",
            title="X",
            year_from=2025,
            year_to=2025,
        )
    with pytest.raises(PermissionDenied):
        dup_objective_update(
            by=user,
            dup_objective=participation_site["dup"],
            code="X",
            title="X",
            year_from=2025,
            year_to=2025,
        )
    with pytest.raises(PermissionDenied):
        dup_objective_delete(by=user, dup_objective=participation_site["dup"])
    with pytest.raises(PermissionDenied):
        dup_import_csv(
            by=user,
            organisation=participation_site["org_a"],
            data=b"codice,titolo,anno_da,anno_a\nX,X,2025,2025\n",
        )
    assert db_state() == before


def test_an_association_has_no_dup(participation_site):
    with pytest.raises(PermissionDenied):
        dup_objective_create(
            by=participation_site["users"]["association_user"],
            organisation=participation_site["association"],
            code="X",
            title="X",
            year_from=2025,
            year_to=2025,
        )


def test_duplicate_code_and_bad_years_are_refused(participation_site):
    a = participation_site["users"]["comune_a_editor"]
    with pytest.raises(ValidationError) as err:
        dup_objective_create(
            by=a,
            organisation=participation_site["org_a"],
            code=participation_site["dup"].code,
            title="Doppio",
            year_from=2025,
            year_to=2026,
        )
    assert "code" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        dup_objective_create(
            by=a, organisation=participation_site["org_a"], code="N", title="N", year_from=2027, year_to=2025
        )
    assert "year_to" in err.value.message_dict


# CSV --------------------------------------------------------------------------------------------------------

GOOD_CSV = (
    b"codice;titolo;missione_dup;anno_da;anno_a;obiettivi_piano\n"
    b"SO.1;Verde urbano;9;2025;2027;M1.1 M1.2\n"
    b"SO.2;Trasporti;10;2025;2026;m2.1\n"
)


def test_csv_import_creates_and_updates_by_code(participation_site):
    a = participation_site["users"]["comune_a_editor"]
    existing = DupObjectiveFactory(
        organisation=participation_site["org_a"], code="SO.2", title="Vecchio titolo"
    )
    result = dup_import_csv(by=a, organisation=participation_site["org_a"], data=GOOD_CSV)
    assert (result.created, result.updated) == (1, 1)
    existing.refresh_from_db()
    assert existing.title == "Trasporti" and [o.code for o in existing.plan_objectives.all()] == ["M2.1"]
    so1 = DupObjective.objects.get(organisation=participation_site["org_a"], code="SO.1")
    assert sorted(o.code for o in so1.plan_objectives.all()) == ["M1.1", "M1.2"]
    assert so1.dup_mission == "9" and (so1.year_from, so1.year_to) == (2025, 2027)
    assert AuditEntry.objects.filter(action__in=["dup.create", "dup.import"]).count() == 2


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        (
            "codice,titolo,anno_da,anno_a,obiettivi_piano\n"
            "SO.1,Ok,2025,2026,M1.1\nSO.2,Ko,2025,2026,M9.99 M1.2 X.1\n",
            ["riga 3", "obiettivi_piano", "M9.99", "X.1"],
        ),
        ("codice,titolo,anno_da,anno_a\nSO.1,Ok,duemila,2026\n", ["riga 2", "anno_da", "duemila"]),
        (
            "codice,titolo,anno_da,anno_a\nSO.1,Ok,2025,2026\nSO.1,Doppio,2025,2026\n",
            ["riga 3", "codice", "ripetuto"],
        ),
        ("codice,titolo,anno_da\nSO.1,Ok,2025\n", ["riga 1", "anno_a"]),
        ("codice,titolo,anno_da,anno_a,colore\nSO.1,Ok,2025,2026,blu\n", ["Colonne sconosciute", "colore"]),
        ("codice,titolo,anno_da,anno_a\nSO.1,,2025,2026\n", ["riga 2", "titolo", "mancante"]),
        ("codice,titolo,anno_da,anno_a\nSO.1,Ok,2025\n", ["riga 2", "campi"]),
        ("codice,titolo,anno_da,anno_a\n", ["non contiene righe"]),
    ],
)
def test_bad_csv_is_rejected_whole_with_line_and_column(
    participation_site, persona_client, csv_text, expected
):
    a = participation_site["users"]["comune_a_editor"]
    before = db_state()
    with pytest.raises(DupCsvError) as err:
        dup_import_csv(by=a, organisation=participation_site["org_a"], data=csv_text.encode())
    text = " ".join(err.value.messages)
    for part in expected:
        assert part in text, (part, text)
    response = persona_client("comune_a_editor").post(
        reverse("backoffice:dup_import", args=[participation_site["org_a"].comune.codice_istat]),
        {"file": upload("dup.csv", csv_text.encode())},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert all(part in html for part in expected[:1])
    assert db_state() == before


def test_csv_from_excel_in_windows_1252_is_read(participation_site):
    # Excel on Italian Windows saves "CSV" in Windows-1252 with ";" and CRLF.
    data = "codice;titolo;anno_da;anno_a\r\nSO.1;Città più verde \u2013 1 €;2025;2026\r\n".encode("cp1252")
    dup_import_csv(
        by=participation_site["users"]["comune_a_editor"], organisation=participation_site["org_a"], data=data
    )
    assert DupObjective.objects.get(organisation=participation_site["org_a"], code="SO.1").title == (
        "Città più verde \u2013 1 €"
    )


def test_csv_in_damaged_utf8_is_rejected_at_its_line(participation_site):
    data = "codice,titolo,anno_da,anno_a\nSO.1,Città,2025,2026\n".encode() + "SO.2,Perché,2025,2026\n".encode(
        "latin-1"
    )
    before = db_state()
    with pytest.raises(DupCsvError) as err:
        dup_import_csv(
            by=participation_site["users"]["comune_a_editor"],
            organisation=participation_site["org_a"],
            data=data,
        )
    assert err.value.messages == ["riga 3: Il file non è in codifica UTF-8."]
    assert db_state() == before


# Matrices, map, exports -------------------------------------------------------------------------------------


@pytest.fixture
def coverage(participation_site):
    """A covers M1.1 (from participation_site) and M1.2; B covers M1.1; the Ente covers M2.1. M1.3 is covered
    by nobody."""
    DupObjectiveFactory(organisation=participation_site["org_a"]).plan_objectives.set(_objs("M1.2"))
    participation_site["dup_b"].plan_objectives.set(_objs("M1.1"))
    DupObjectiveFactory(organisation=participation_site["ente"]).plan_objectives.set(_objs("M2.1"))
    return participation_site


def test_comune_matrix_says_which_objectives_are_covered(coverage, small_plan):
    rows = {
        o.code: [d.code for d in o.covering]
        for o in dup_sel.organisation_matrix(small_plan, coverage["org_a"])
    }
    assert set(rows) == {"M1.1", "M1.2", "M1.3", "M2.1"}
    assert rows["M1.1"] == [coverage["dup"].code]
    assert len(rows["M1.2"]) == 1 and rows["M1.3"] == [] and rows["M2.1"] == []


def test_territory_matrix_counts_comuni_and_the_ente(coverage, small_plan):
    rows = {o.code: (o.comuni_count, o.ente_covers) for o in dup_sel.territory_matrix(small_plan)}
    assert rows == {"M1.1": (2, False), "M1.2": (1, False), "M1.3": (0, False), "M2.1": (0, True)}
    m11 = Objective.objects.get(code="M1.1")
    assert {c.codice_istat for c in dup_sel.comuni_covering(m11)} == {
        coverage["org_a"].comune.codice_istat,
        coverage["org_b"].comune.codice_istat,
    }


def test_comune_page_and_map_page(coverage, client):
    html = client.get(
        reverse("public:dup_detail", args=[coverage["org_a"].comune.codice_istat])
    ).content.decode()
    assert 'data-code="M1.3"' in html and "uncovered" in html
    assert CREDIT in html
    html = client.get(f"{reverse('public:dup')}?obiettivo=M1.1").content.decode()
    assert "dup-covering-codes" in html
    assert coverage["org_a"].comune.codice_istat in html and coverage["org_b"].comune.codice_istat in html


def test_exports_contain_the_rows_and_the_credit(coverage, client):
    # The Italian CSV (";"), the credit in its `fonte` column; the XLSX's credit on "Fonte e licenza".
    text = client.get(reverse("reports:dup_export", args=["csv"])).content.decode()
    assert CREDIT in text
    line = next(x for x in text.splitlines() if x.startswith("M1.1;"))
    assert ";2;" in line and coverage["org_a"].comune.name in line and coverage["org_b"].comune.name in line
    key = coverage["org_a"].comune.codice_istat
    text = client.get(reverse("reports:dup_detail_export", args=[key, "csv"])).content.decode()
    assert CREDIT in text and coverage["dup"].code in text
    assert any(x.startswith("M1.3;") and ";no;" in x for x in text.splitlines())
    response = client.get(reverse("reports:dup_detail_export", args=[key, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    assert any(row[0] == "M1.1" and row[3] == "sì" for row in values)
    assert any(
        row[1] and CREDIT in str(row[1]) for row in book["Fonte e licenza"].iter_rows(values_only=True)
    )
    response = client.get(reverse("reports:dup_export", args=["xlsx"]))
    values = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert any(row[0] == "M1.1" and row[3] == 2 for row in values)
    assert client.get(reverse("reports:dup_export", args=["exe"])).status_code == 404


def test_dup_pages_have_no_n_plus_one(participation_site, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = participation_site["org_a"].comune.codice_istat
    urls = [
        reverse("public:dup"),
        f"{reverse('public:dup')}?obiettivo=M1.1",
        reverse("public:dup_detail", args=[key]),
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
    for _ in range(3):
        DupObjectiveFactory(organisation=participation_site["org_a"]).plan_objectives.set(
            _objs("M1.1", "M1.2")
        )
        DupObjectiveFactory(organisation=participation_site["org_b"]).plan_objectives.set(_objs("M1.3"))
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        assert len(ctx.captured_queries) == before, url


def test_manage_page_lists_only_the_own_dup(participation_site, persona_client):
    html = (
        persona_client("comune_a_editor")
        .get(reverse("backoffice:dup_manage", args=[participation_site["org_a"].comune.codice_istat]))
        .content.decode()
    )
    assert participation_site["dup"].code in html and participation_site["dup_b"].code not in html
    assert persona_client("comune_a_editor").get(reverse("backoffice:dup_manage_home")).status_code == 302
    assert persona_client("association_user").get(reverse("backoffice:dup_manage_home")).status_code == 403
