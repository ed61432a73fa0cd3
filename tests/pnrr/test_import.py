"""pnrr_import: counts, idempotency, atomic rejection, --skip-invalid with rejects, interruption,
snapshots."""

from __future__ import annotations

import csv
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from decimetro.core.models import AuditEntry
from decimetro.insights import figures
from decimetro.pnrr.models import (
    ImplementingBody,
    ImportRun,
    Measure,
    MeasurePayment,
    Milestone,
    PaymentSnapshot,
    Place,
    Project,
    Provenance,
    SubMeasure,
)
from decimetro.pnrr.services import ImportRejected, pnrr_import_file
from decimetro.territory.models import Comune
from tests.pnrr.conftest import (
    FRAME,
    LOMBARDIA,
    MEASURE_PAYMENTS,
    MILESTONES,
    PAYMENTS,
    PLACES,
    PROJECTS,
    UNIVERSE,
    edited,
    read_rows,
    write_rows,
)

pytestmark = pytest.mark.django_db

NATIONAL_PAYMENTS = (
    Path(__file__).resolve().parents[3] / "shared/data/pnrr/pagamenti_di_progetto_2025-03.csv.gz"
)

ALL = [FRAME, MILESTONES, PROJECTS, PLACES, PAYMENTS, UNIVERSE]


def db_state() -> dict[str, list[tuple]]:
    """Everything the importer writes, as comparable values (ImportRun and audit rows excepted)."""
    return {
        "projects": list(Project.objects.order_by("pk").values_list()),
        "places": list(Place.objects.order_by("pk").values_list()),
        "payments": list(PaymentSnapshot.objects.order_by("pk").values_list()),
        "bodies": list(ImplementingBody.objects.order_by("pk").values_list()),
        "submeasures": list(SubMeasure.objects.order_by("pk").values_list()),
        "measures": list(Measure.objects.order_by("pk").values_list()),
        "milestones": list(Milestone.objects.order_by("pk").values_list()),
        "milestone_links": list(Milestone.submeasures.through.objects.order_by("pk").values_list()),
    }


def test_projects_file_inserts_every_row_with_amounts_and_body():
    header, rows = read_rows(PROJECTS)
    col = {n: i for i, n in enumerate(header)}
    summary = pnrr_import_file(path=PROJECTS)
    assert (summary.rows_read, summary.inserted, summary.updated, summary.unchanged, summary.rejected) == (
        len(rows),
        len(rows),
        0,
        0,
        0,
    )
    first = rows[0]
    project = Project.objects.get(cup=first[col["CUP"]], local_code=first[col["Codice Locale Progetto"]])
    assert project.provenance == Provenance.VALIDATED
    assert project.fin_pnrr == Decimal(first[col["Finanziamento PNRR"]])
    assert project.fin_totale == Decimal(first[col["Finanziamento Totale"]])
    assert project.title == first[col["Titolo progetto"]]
    assert project.implementing_body.name == first[col["Soggetto attuatore"]]
    assert project.submeasure.code == first[col["Codice Univoco Submisura"]]
    assert project.submeasure.measure.component.mission.code == first[col["Missione"]]


def test_same_files_twice_leave_the_database_identical():
    for path in ALL:
        pnrr_import_file(path=path)
    before = db_state()
    summaries = [pnrr_import_file(path=path) for path in ALL]
    assert db_state() == before
    assert all(s.inserted == 0 and s.updated == 0 for s in summaries)
    assert [s.unchanged for s in summaries[2:]] == [len(read_rows(p)[1]) for p in ALL[2:]]


def test_changed_row_in_a_new_release_is_updated(tmp_path):
    pnrr_import_file(path=PROJECTS)
    header, rows = read_rows(PROJECTS)
    cup = rows[3][header.index("CUP")]
    newer = edited(PROJECTS, tmp_path / "progetti_v2.csv.gz", 3, "Titolo progetto", "Titolo corretto")
    summary = pnrr_import_file(path=newer)
    assert (summary.updated, summary.unchanged, summary.inserted) == (1, len(rows) - 1, 0)
    assert Project.objects.get(cup=cup, local_code=rows[3][header.index("Codice Locale Progetto")]).title == (
        "Titolo corretto"
    )


def test_bad_last_row_rejects_the_whole_file_and_keeps_the_previous_state(tmp_path):
    pnrr_import_file(path=PROJECTS)
    before = db_state()
    bad = edited(PROJECTS, tmp_path / "progetti_v2.csv.gz", 0, "Titolo progetto", "Nuovo titolo")
    bad = edited(bad, tmp_path / "progetti_v3.csv.gz", -1, "Finanziamento PNRR", "12.345,67")
    with pytest.raises(ImportRejected) as exc:
        pnrr_import_file(path=bad)
    assert "progetti_v3.csv.gz: 1 righe non valide, file rifiutato" in str(exc.value)
    assert f"riga {len(read_rows(PROJECTS)[1]) + 1}, colonna «Finanziamento PNRR»" in str(exc.value)
    assert db_state() == before
    run = ImportRun.objects.get(file_name="progetti_v3.csv.gz")
    assert (run.status, run.rejected, run.inserted, run.updated) == (ImportRun.Status.REJECTED, 1, 0, 0)
    assert AuditEntry.objects.filter(action="pnrr.import.rejected", target_id=str(run.pk)).exists()


def test_bad_file_is_rejected_with_an_import_run(tmp_path):
    header, rows = read_rows(PLACES)
    path = write_rows(tmp_path / "luoghi.csv", header, rows, delimiter=";")
    with pytest.raises(ImportRejected, match="delimitatore errato"):
        pnrr_import_file(path=path)
    assert not Place.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REJECTED


def test_skip_invalid_imports_the_valid_rows_and_writes_the_rejects(tmp_path):
    bad = edited(PAYMENTS, tmp_path / "pagamenti_a.csv.gz", 1, "cup", "NON-UN-CUP")
    bad = edited(bad, tmp_path / "pagamenti_b.csv.gz", 5, "pagamenti_totali", "tanti")
    rejects = tmp_path / "scarti.csv"
    summary = pnrr_import_file(path=bad, skip_invalid=True, reject_file=rejects)
    n = len(read_rows(PAYMENTS)[1])
    assert (summary.rows_read, summary.inserted, summary.rejected, summary.status) == (n, n - 2, 2, "partial")
    assert PaymentSnapshot.objects.count() == n - 2
    with open(rejects, encoding="utf-8", newline="") as f:
        written = list(csv.DictReader(f))
    assert [(r["riga"], r["colonna"]) for r in written] == [("3", "cup"), ("7", "pagamenti_totali")]
    assert "CUP malformato" in written[0]["motivo"] and written[0]["cup"] == "NON-UN-CUP"
    assert ImportRun.objects.get().status == ImportRun.Status.PARTIAL


def test_duplicate_key_with_different_values_is_a_rejected_row(tmp_path):
    header, rows = read_rows(PROJECTS)
    twin = list(rows[0])
    twin[header.index("Titolo progetto")] = "Altro titolo"
    path = write_rows(tmp_path / "doppi.csv.gz", header, [*rows, twin])
    with pytest.raises(ImportRejected, match="chiave duplicata"):
        pnrr_import_file(path=path)


def test_identical_duplicate_row_is_merged_and_counted(tmp_path):
    header, rows = read_rows(PLACES)
    path = write_rows(tmp_path / "luoghi.csv", header, [*rows, rows[2]])
    summary = pnrr_import_file(path=path)
    assert summary.extra["righe_duplicate_unite"] == 1
    assert summary.inserted == len(rows)


def test_interrupted_import_leaves_the_previous_state(tmp_path):
    pnrr_import_file(path=PROJECTS)
    before = db_state()
    newer = edited(PROJECTS, tmp_path / "progetti_v2.csv.gz", 0, "Titolo progetto", "Cambiato")

    def interrupt(phase: str, fraction: float) -> None:
        if phase == "progetti":  # while writing: as if Ctrl-C were pressed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pnrr_import_file(path=newer, progress=interrupt)
    assert db_state() == before
    assert ImportRun.objects.count() == 1


def test_two_payment_releases_make_two_snapshots_and_the_same_release_twice_one(tmp_path):
    pnrr_import_file(path=PAYMENTS)
    pnrr_import_file(path=PAYMENTS)
    n = len(read_rows(PAYMENTS)[1])
    assert PaymentSnapshot.objects.count() == n
    header, rows = read_rows(PAYMENTS)
    for r in rows:
        r[header.index("data_di_estrazione")] = "2025-06-30"
    rows[0][header.index("pagamenti_totali")] = "1.00"
    later = write_rows(tmp_path / "pagamenti_2025-06.csv.gz", header, rows)
    summary = pnrr_import_file(path=later)
    assert summary.inserted == n and summary.release_date.isoformat() == "2025-06-30"
    assert PaymentSnapshot.objects.count() == 2 * n
    project = Project.objects.get(
        cup=rows[0][header.index("cup")], local_code=rows[0][header.index("codice_locale_progetto")]
    )
    assert [
        (s.release_date.isoformat(), s.paid_total) for s in project.payments.order_by("release_date")
    ] == [
        ("2025-03-31", Decimal(read_rows(PAYMENTS)[1][0][header.index("pagamenti_totali")])),
        ("2025-06-30", Decimal("1.00")),
    ]


def test_payments_of_unknown_projects_create_universe_stubs_later_validated():
    pnrr_import_file(path=PAYMENTS)
    assert set(Project.objects.values_list("provenance", flat=True)) == {Provenance.UNIVERSE}
    assert Project.objects.filter(title="").count() == Project.objects.count()
    pnrr_import_file(path=PROJECTS)
    header, rows = read_rows(PAYMENTS)
    cup = rows[0][header.index("cup")]
    project = Project.objects.get(cup=cup, local_code=rows[0][header.index("codice_locale_progetto")])
    assert project.provenance == Provenance.VALIDATED and project.title
    assert project.payments.count() == 1


def with_measure_rows(tmp_path, name: str = "pagamenti_nazionali.csv.gz") -> tuple[int, object]:
    """The payments fixture plus the two measure-level rows (no CUP) of the national file."""
    header, rows = read_rows(PAYMENTS)
    _header, measure_rows = read_rows(MEASURE_PAYMENTS)
    return len(rows), write_rows(tmp_path / name, header, [*rows, *measure_rows])


def test_measure_level_payments_are_payments_of_their_measure_and_nothing_is_rejected(tmp_path):
    n, path = with_measure_rows(tmp_path)
    summary = pnrr_import_file(path=path)
    assert (summary.status, summary.rejected, summary.rows_read, summary.inserted) == ("ok", 0, n + 2, n + 2)
    assert summary.extra["pagamenti_a_livello_di_misura"] == 2
    run = ImportRun.objects.get()
    assert (run.status, run.rejected, run.message) == (ImportRun.Status.OK, 0, "")
    stored = {
        (mp.submeasure.measure.code, mp.release_date.isoformat()): (mp.fin_pnrr, mp.paid_total, mp.paid_pnrr)
        for mp in MeasurePayment.objects.select_related("submeasure__measure")
    }
    assert stored == {
        ("M2C3I2.01", "2025-03-31"): (Decimal("13950000000.00"),) * 3,
        ("M1C2I1.01", "2025-03-31"): (Decimal("13381000000.00"),) * 3,
    }
    # No project, no place: the payments file's projects only.
    assert PaymentSnapshot.objects.count() == n
    assert not Project.objects.filter(cup="").exists()
    assert Project.objects.count() == len({(r[2], r[3], r[0]) for r in read_rows(PAYMENTS)[1]})
    assert (
        SubMeasure.objects.get(code="M2C3I2.01.00").name
        == "Rafforzamento dell'Ecobonus per l'efficienza energetica"
    )
    again = pnrr_import_file(path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, n + 2)
    assert MeasurePayment.objects.count() == 2


def test_measure_level_payments_of_a_new_release_make_a_new_row_and_a_corrected_one_is_updated(tmp_path):
    header, rows = read_rows(MEASURE_PAYMENTS)
    pnrr_import_file(path=MEASURE_PAYMENTS)
    later = [list(r) for r in rows]
    for r in later:
        r[header.index("data_di_estrazione")] = "2025-06-30"
    pnrr_import_file(path=write_rows(tmp_path / "giugno.csv", header, later))
    assert MeasurePayment.objects.count() == 4
    later[0][header.index("pagamenti_totali")] = "14000000000.00"
    summary = pnrr_import_file(path=write_rows(tmp_path / "giugno_v2.csv", header, later))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    ecobonus = MeasurePayment.objects.filter(submeasure__code="M2C3I2.01.00").order_by("release_date")
    assert [p.paid_total for p in ecobonus] == [Decimal("13950000000.00"), Decimal("14000000000.00")]


def test_measure_level_payments_leave_the_territory_figures_unchanged(territory, tmp_path):
    for path in (PROJECTS, PLACES, PAYMENTS):
        pnrr_import_file(path=path)

    def territory_figures() -> tuple:
        located = Project.objects.filter(places__comune__isnull=False).distinct()
        return (
            figures.area_totals(comuni=Comune.objects.all(), rule="equal"),
            figures.project_set_data(located).totals(),
        )

    before = territory_figures()
    _n, path = with_measure_rows(tmp_path)
    pnrr_import_file(path=path)
    assert MeasurePayment.objects.count() == 2
    assert territory_figures() == before


@pytest.mark.skipif(not NATIONAL_PAYMENTS.exists(), reason="national payments file not available")
def test_the_national_payments_file_imports_with_no_rejected_row():
    summary = pnrr_import_file(path=NATIONAL_PAYMENTS)
    assert (summary.status, summary.rejected) == ("ok", 0)
    assert summary.extra["pagamenti_a_livello_di_misura"] == 2
    assert dict(MeasurePayment.objects.values_list("submeasure__measure__code", "paid_total")) == {
        "M2C3I2.01": Decimal("13950000000.00"),
        "M1C2I1.01": Decimal("13381000000.00"),
    }
    assert PaymentSnapshot.objects.count() == summary.rows_read - 2


def test_universe_projects_take_their_funding_from_their_latest_payments_validated_ones_keep_theirs(tmp_path):
    header, rows = read_rows(PAYMENTS)
    col = {n: i for i, n in enumerate(header)}
    first = rows[0]
    key = {"cup": first[col["cup"]], "local_code": first[col["codice_locale_progetto"]]}
    summary = pnrr_import_file(path=PAYMENTS)
    assert summary.extra["progetti_universo_finanziati_dai_pagamenti"] == len(rows)
    stub = Project.objects.get(**key)
    assert (stub.provenance, stub.fin_totale, stub.fin_pnrr) == (
        Provenance.UNIVERSE,
        Decimal(first[col["finanziamento_totale"]]),
        Decimal(first[col["finanziamento_pnrr"]]),
    )
    later = [list(r) for r in rows]
    for r in later:
        r[col["data_di_estrazione"]] = "2025-06-30"
    later[0][col["finanziamento_totale"]] = "999.00"
    pnrr_import_file(path=write_rows(tmp_path / "giugno.csv.gz", header, later))
    assert Project.objects.get(**key).fin_totale == Decimal("999.00")  # the latest release
    assert "progetti_universo_finanziati_dai_pagamenti" not in pnrr_import_file(path=PAYMENTS).extra
    assert Project.objects.get(**key).fin_totale == Decimal("999.00")  # an older release changes nothing
    pnrr_import_file(path=PROJECTS)
    p_header, p_rows = read_rows(PROJECTS)
    source = next(r for r in p_rows if r[p_header.index("CUP")] == key["cup"])
    validated = Project.objects.get(**key)
    assert validated.provenance == Provenance.VALIDATED
    assert validated.fin_totale == Decimal(source[p_header.index("Finanziamento Totale")])
    pnrr_import_file(path=write_rows(tmp_path / "giugno_bis.csv.gz", header, later))
    assert Project.objects.get(**key).fin_totale == validated.fin_totale  # payments never overwrite it


def test_a_new_project_takes_the_funding_of_its_latest_row_in_a_file_of_several_releases(tmp_path):
    """One file with two extraction dates, the later one first for one project and last for another: each
    stub is created with the funding of its latest row, whatever the order of the rows."""
    header, rows = read_rows(PAYMENTS)
    col = {n: i for i, n in enumerate(header)}
    first, second = (list(r) for r in rows[:2])

    def release(row: list[str], day: str, funding: str) -> list[str]:
        out = list(row)
        out[col["data_di_estrazione"]], out[col["finanziamento_totale"]] = day, funding
        return out

    mixed = [
        release(first, "2025-06-30", "999.00"),
        release(first, "2025-03-31", "111.00"),
        release(second, "2025-03-31", "222.00"),
        release(second, "2025-06-30", "888.00"),
    ]
    summary = pnrr_import_file(path=write_rows(tmp_path / "due_rilasci.csv.gz", header, mixed))
    assert (summary.inserted, summary.extra["progetti_creati"]) == (4, 2)
    funding = {
        cup: fin
        for cup, fin in Project.objects.filter(
            cup__in=[first[col["cup"]].upper(), second[col["cup"]].upper()]
        ).values_list("cup", "fin_totale")
    }
    assert funding == {
        first[col["cup"]].upper(): Decimal("999.00"),
        second[col["cup"]].upper(): Decimal("888.00"),
    }
    assert PaymentSnapshot.objects.count() == 4


def test_places_link_comuni_of_the_territory_and_keep_national_rows(territory):
    pnrr_import_file(path=UNIVERSE)
    header, rows = read_rows(UNIVERSE)
    national = Place.objects.filter(region_code="0")
    assert national.count() == sum(1 for r in rows if r[header.index("Regione")] == "0")
    assert all(
        p.comune is None and p.scope == "nazionale" and p.region_name == "AMBITO NAZIONALE" for p in national
    )
    cmm = Place.objects.filter(istat_code__startswith="015")
    assert cmm.exists() and not cmm.filter(comune__isnull=True).exists()
    assert cmm.first().comune.codice_istat == cmm.first().istat_code
    assert Place.objects.filter(region_code="3", istat_code="").first().scope in {"regione", "provincia"}


def test_places_of_a_new_release_replace_the_dropped_ones(tmp_path):
    pnrr_import_file(path=PLACES)
    header, rows = read_rows(PLACES)
    key = header.index("CUP")
    multi = next(r[key] for r in rows if sum(1 for x in rows if x[key] == r[key]) > 1)
    dropped_index = next(i for i, r in enumerate(rows) if r[key] == multi)
    kept = [r for i, r in enumerate(rows) if i != dropped_index]
    summary = pnrr_import_file(path=write_rows(tmp_path / "luoghi_v2.csv", header, kept))
    assert summary.extra["localizzazioni_rimosse"] == 1
    assert Place.objects.count() == len(rows) - 1


def test_structure_and_milestones_are_imported_and_linked():
    pnrr_import_file(path=FRAME)
    summary = pnrr_import_file(path=MILESTONES)
    header, rows = read_rows(MILESTONES)
    codes = {r[header.index("codice_univoco_milestonetarget")] for r in rows}
    assert summary.inserted == len(codes) == Milestone.objects.count()
    shared = Milestone.objects.get(code="M1C1-10")  # one milestone, two sub-measures in the source
    assert sorted(shared.submeasures.values_list("code", flat=True)) == ["M1C1R1.02.01", "M1C1R1.02.02"]
    assert shared.quarter == "Q4" and shared.year == 2022
    header, rows = read_rows(FRAME)
    assert SubMeasure.objects.filter(in_frame=True).count() == len(rows)
    assert Measure.objects.filter(component__mission__code="M7").exists()


def test_lombardia_derived_file_imports_projects_and_places():
    summary = pnrr_import_file(path=LOMBARDIA)
    header, rows = read_rows(LOMBARDIA)
    assert summary.inserted == len(rows) == Place.objects.count()
    assert Project.objects.count() == len(
        {(r[0], r[1], r[header.index("Codice Univoco Submisura")]) for r in rows}
    )


def test_command_prints_a_summary_per_file_and_fails_on_a_rejected_file(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("pnrr_import", str(PROJECTS), str(PAYMENTS), stdout=out, stderr=err)
    text = out.getvalue()
    n = len(read_rows(PROJECTS)[1])
    assert "progetti_validati.csv.gz (progetti, rilascio" in text and f"lette {n}, inserite {n}" in text
    assert "pagamenti.csv.gz (pagamenti, rilascio 2025-03-31)" in text
    bad = edited(PAYMENTS, tmp_path / "pag.csv.gz", 0, "cup", "X")
    with pytest.raises(CommandError, match="1 file su 1 rifiutati"):
        call_command("pnrr_import", str(bad), stdout=out, stderr=err)
    assert "RIFIUTATO pag.csv.gz" in err.getvalue()
    call_command(
        "pnrr_import", str(bad), "--skip-invalid", "--reject-file", str(tmp_path / "s.csv"), stdout=out
    )
    assert (tmp_path / "s.csv").exists()


def test_skip_imported_skips_a_file_already_imported():
    pnrr_import_file(path=PROJECTS)
    summary = pnrr_import_file(path=PROJECTS, skip_if_imported=True)
    assert summary.status == "skipped"
    assert ImportRun.objects.count() == 1
    run = ImportRun.objects.get()
    assert run.checksum and run.release_date and run.duration_s >= 0 and run.by_label == "pnrr_import"
    assert AuditEntry.objects.filter(action="pnrr.import", target_id=str(run.pk)).count() == 1


def test_validated_places_promote_the_universe_projects_they_name(tmp_path):
    """A project first met in the universe places (a `universe` stub) and then in the validated places becomes
    `validated`, counted as promoted; the other universe stubs stay as they were."""
    pnrr_import_file(path=UNIVERSE)
    header, rows = read_rows(UNIVERSE)
    first = rows[0]
    key = (first[header.index("CUP")].strip().upper(), first[header.index("Codice Locale Progetto")].strip())
    promoted = Project.objects.get(cup=key[0], local_code=key[1])
    assert promoted.provenance == Provenance.UNIVERSE
    universe_before = Project.objects.filter(provenance=Provenance.UNIVERSE).count()
    # A validated places file naming that project (and one project never seen before).
    v_header, v_rows = read_rows(PLACES)
    row = v_rows[0][:]
    row[v_header.index("CUP")] = key[0]
    row[v_header.index("Codice Locale Progetto")] = key[1]
    row[v_header.index("Codice Univoco Submisura")] = promoted.submeasure.code
    other = v_rows[0][:]
    other[v_header.index("CUP")] = "Z99Z99999999999"
    summary = pnrr_import_file(
        path=write_rows(tmp_path / "localizzazioni_validate.csv", v_header, [row, other])
    )
    assert summary.extra["progetti_promossi_a_validati"] == 1
    assert summary.extra["progetti_creati"] == 1
    promoted.refresh_from_db()
    assert promoted.provenance == Provenance.VALIDATED
    assert Project.objects.get(cup="Z99Z99999999999").provenance == Provenance.VALIDATED
    assert Project.objects.filter(provenance=Provenance.UNIVERSE).count() == universe_before - 1
    # Again: nothing more to promote or create.
    again = pnrr_import_file(path=tmp_path / "localizzazioni_validate.csv")
    assert "progetti_promossi_a_validati" not in again.extra and again.extra["progetti_creati"] == 0
