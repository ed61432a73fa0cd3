"""The territory loader (`territory_load` and the `territory_load` command) on the real bundled files.

Expected figures come from /work/shared/data/SOURCES.md. `tests/territory/data/comuni_cmm.csv` is the shared
derived file (SITUAS 2026 joined to the ISTAT population and area file by someone else): it is compared with
what the loader stores, so the loader's own join is checked against an independent one.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from decimetro.core.models import AuditEntry
from decimetro.territory import sources
from decimetro.territory.models import Comune, Zone
from decimetro.territory.services import territory_load

SHARED_CMM = Path(__file__).parent / "data" / "comuni_cmm.csv"

ZONE_COUNTS = {
    "Adda Martesana": 29,
    "Alto Milanese": 22,
    "Magentino e Abbiatense": 28,
    "Nord Milano": 6,
    "Nord Ovest": 16,
    "Sud Est": 15,
    "Sud Ovest": 16,
    "Milano": 1,
}
ZONE_POPULATION = {
    "Adda Martesana": 392_148,
    "Alto Milanese": 257_121,
    "Magentino e Abbiatense": 218_565,
    "Nord Milano": 266_489,
    "Nord Ovest": 318_288,
    "Sud Est": 177_027,
    "Sud Ovest": 239_948,
    "Milano": 1_358_420,
}


def shared_rows() -> dict[str, dict[str, str]]:
    with SHARED_CMM.open(encoding="utf-8", newline="") as fh:
        return {row["codice_istat"]: row for row in csv.DictReader(fh)}


def db_state() -> tuple[int, int, int, list[tuple[str, int | None]]]:
    """Everything a failed load must leave as it was."""
    return (
        Comune.objects.count(),
        Zone.objects.count(),
        AuditEntry.objects.count(),
        list(Comune.objects.order_by("codice_istat").values_list("codice_istat", "population_resident")),
    )


# The Milano load --------------------------------------------------------------------------------------------


def test_load_cmm_gives_the_133_comuni_with_015_codes(territory):
    assert territory.comuni_created == 133
    codes = list(Comune.objects.values_list("codice_istat", flat=True))
    assert len(codes) == 133
    assert all(len(c) == 6 and c.startswith("015") and c.isdigit() for c in codes)
    assert set(Comune.objects.values_list("codice_uts", flat=True)) == {"215"}


def test_load_cmm_milano_is_capoluogo_in_its_own_zone(territory):
    milano = Comune.objects.select_related("zone").get(codice_istat="015146")
    assert milano.name == "Milano"
    assert milano.is_capoluogo
    assert milano.codice_catastale == "F205"
    assert milano.zone is not None
    assert milano.zone.name == "Milano"
    assert milano.zone.kind == Zone.Kind.CAPOLUOGO
    assert list(Comune.objects.filter(is_capoluogo=True).values_list("codice_istat", flat=True)) == ["015146"]


def test_load_cmm_creates_7_zone_omogenee_and_milano_with_their_comuni(territory):
    counts = {z.name: z.comuni.count() for z in Zone.objects.all()}
    assert counts == ZONE_COUNTS
    assert Zone.objects.filter(kind=Zone.Kind.ZONA_OMOGENEA).count() == 7
    assert set(Zone.objects.values_list("slug", flat=True)) == {
        "adda-martesana", "alto-milanese", "magentino-e-abbiatense", "nord-milano",
        "nord-ovest", "sud-est", "sud-ovest", "milano",
    }  # fmt: skip
    assert not Comune.objects.filter(zone__isnull=True).exists()


def test_load_cmm_resident_population_matches_the_published_totals(territory):
    assert Comune.objects.aggregate(t=Sum("population_resident"))["t"] == 3_228_006
    per_zone = dict(Zone.objects.annotate(p=Sum("comuni__population_resident")).values_list("name", "p"))
    assert per_zone == ZONE_POPULATION


def test_load_cmm_gives_every_comune_a_rfc7946_polygon(territory):
    geometries = list(Comune.objects.values_list("codice_istat", "geometry"))
    assert len(geometries) == 133
    for code, geometry in geometries:
        assert geometry["type"] in {"Polygon", "MultiPolygon"}, code
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for rings in polygons:
            exterior = rings[0]
            assert exterior[0] == exterior[-1], code
            assert len(exterior) >= 4, code
            for lon, lat in exterior:
                assert 8.4 < lon < 9.6 and 45.1 < lat < 45.7, code  # around Milano
            # RFC 7946: exterior ring counterclockwise (positive shoelace area)
            area2 = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(exterior))
            assert area2 > 0, code


def test_load_cmm_values_equal_the_shared_source_rows(territory):
    rows = shared_rows()
    assert set(rows) == set(Comune.objects.values_list("codice_istat", flat=True))
    for c in Comune.objects.all():
        row = rows[c.codice_istat]
        assert (c.name, c.codice_catastale, c.codice_fiscale, c.sigla) == (
            row["comune"], row["codice_catastale"], row["codice_fiscale"], row["sigla"],
        ), c.codice_istat  # fmt: skip
        assert c.codice_uts == row["codice_uts"] == "215"
        assert c.uts_name == row["uts"]
        assert c.is_capoluogo == (row["capoluogo"] == "1")
        assert c.population_legal == int(row["popolazione_legale_2021"])
        assert c.population_resident == int(row["popolazione_residente_2022"])
        assert c.area_kmq == Decimal(row["superficie_kmq"])


def test_load_cmm_one_comune_equals_its_rows_in_the_bundled_istat_files(territory):
    """Rho, read here with the csv module straight from the two ISTAT files the loader reads."""
    with sources.SITUAS_FILE.open(encoding="utf-8-sig", newline="") as fh:
        situas = next(
            r for r in csv.DictReader(fh, delimiter=";") if r["Codice Comune (alfanumerico)"] == "015182"
        )
    with sources.POPULATION_FILE.open(encoding="utf-8", newline="") as fh:
        pop = next(r for r in csv.DictReader(fh) if r["PRO_COM_T"] == "015182")
    rho = Comune.objects.select_related("zone").get(codice_istat="015182")
    assert rho.name == situas["Comune"] == "Rho"
    assert rho.codice_catastale == situas["Codice catasto"] == "H264"
    assert rho.codice_fiscale == situas["Codice fiscale"]
    assert rho.population_legal == int(pop["POP_LEG"])
    assert rho.population_resident == int(pop["POP_RES"])
    assert rho.area_kmq == Decimal(pop["AREA_KMQ"])
    assert rho.zone.name == "Nord Ovest"


def test_load_cmm_writes_one_audit_row_per_created_object(territory):
    assert AuditEntry.objects.filter(action="comune.create").count() == 133
    assert AuditEntry.objects.filter(action="zone.create").count() == 8
    entry = AuditEntry.objects.get(
        action="comune.create", target_id=str(Comune.objects.get(codice_istat="015146").pk)
    )
    assert entry.actor_label == "territory_load"
    assert entry.after["population_resident"] == 1_358_420


def test_load_twice_changes_nothing_and_writes_no_audit_rows(territory):
    before = db_state()
    summary = territory_load(uts="215")
    assert (summary.comuni_created, summary.comuni_updated, summary.zones_created, summary.zones_updated) == (
        0,
        0,
        0,
        0,
    )
    assert summary.comuni_unchanged == 133
    assert db_state() == before


def test_load_again_restores_a_changed_comune_with_one_audit_row(territory):
    Comune.objects.filter(codice_istat="015182").update(population_resident=1, geometry=None)
    audits = AuditEntry.objects.count()
    summary = territory_load(uts="215")
    assert (summary.comuni_created, summary.comuni_updated, summary.comuni_unchanged) == (0, 1, 132)
    expected = int(shared_rows()["015182"]["popolazione_residente_2022"])
    rho = Comune.objects.get(codice_istat="015182")
    assert rho.population_resident == expected
    assert rho.geometry is not None
    entry = AuditEntry.objects.get(action="comune.update")
    assert entry.target_id == str(rho.pk)
    assert entry.before["population_resident"] == 1
    assert entry.before["has_geometry"] is False
    assert entry.after["population_resident"] == expected
    assert entry.after["has_geometry"] is True
    assert AuditEntry.objects.count() == audits + 1


# Another territory ------------------------------------------------------------------------------------------


def test_load_torino_from_situas_without_zones_or_geometry(db):
    summary = territory_load(uts="201")
    comuni = Comune.objects.filter(codice_uts="201")
    assert summary.comuni_created == comuni.count() == 312
    assert all(code.startswith("001") for code in comuni.values_list("codice_istat", flat=True))
    assert not comuni.filter(zone__isnull=False).exists()
    assert not comuni.filter(geometry__isnull=False).exists()
    assert not Zone.objects.exists()
    assert list(comuni.filter(is_capoluogo=True).values_list("name", flat=True)) == ["Torino"]
    assert comuni.get(name="Torino").population_resident > 800_000


def test_load_torino_leaves_milano_alone(territory):
    milano_state = db_state()[3]
    territory_load(uts="201")
    assert Comune.objects.filter(codice_uts="215").count() == 133
    assert (
        list(
            Comune.objects.filter(codice_uts="215")
            .order_by("codice_istat")
            .values_list("codice_istat", "population_resident")
        )
        == milano_state
    )


def test_command_loads_the_uts_given_with_uts(db):
    out = io.StringIO()
    call_command("territory_load", "--uts", "201", stdout=out)
    assert "Territorio UTS 201: 312 comuni (creati 312" in out.getvalue()
    assert Comune.objects.filter(codice_uts="201").count() == 312
    assert not Comune.objects.filter(codice_uts="215").exists()


def test_command_defaults_to_the_setting(db, settings):
    settings.DECIMETRO_TERRITORY_UTS = "215"
    out = io.StringIO()
    call_command("territory_load", stdout=out)
    assert "Territorio UTS 215: 133 comuni (creati 133" in out.getvalue()
    assert "con confini 133" in out.getvalue()
    out = io.StringIO()
    call_command("territory_load", stdout=out)
    assert "creati 0, aggiornati 0, invariati 133" in out.getvalue()


# Bad inputs: each is rejected with the file and line, and the database stays as it was -------------------


def situas_lines(*codes: str) -> list[str]:
    """The SITUAS header and the rows of the given comuni, as text lines (without the BOM)."""
    text = sources.SITUAS_FILE.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    return [lines[0]] + [ln for ln in lines[1:] if ln.split(";")[4] in codes]


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def case_situas_missing_column(tmp: Path) -> tuple[list[str], str]:
    lines = situas_lines("015146", "015182")
    header = lines[0].split(";")
    drop = header.index("Codice catasto")
    bad = [";".join(f for i, f in enumerate(ln.split(";")) if i != drop) for ln in lines]
    path = write(tmp / "situas.csv", bad)
    return ["--situas", str(path)], "situas.csv, riga 1: colonne mancanti: Codice catasto"


def case_situas_latin1(tmp: Path) -> tuple[list[str], str]:
    """A file saved as latin-1 (as a spreadsheet may do): the accented name on line 3 is not UTF-8."""
    lines = situas_lines("015146", "015182")
    lines[2] = lines[2].replace(";Rho;Rho;", ";Rhò;Rhò;", 1)
    assert "Rhò" in lines[2]
    path = write(tmp / "situas.csv", lines, encoding="latin-1")
    return ["--situas", str(path)], "situas.csv, riga 3: codifica non valida"


def case_situas_bad_istat_code(tmp: Path) -> tuple[list[str], str]:
    lines = situas_lines("015146", "015182")
    lines[2] = lines[2].replace(";015182;", ";15182;", 1)
    path = write(tmp / "situas.csv", lines)
    return ["--situas", str(path)], "situas.csv, riga 3: codice ISTAT non valido '15182'"


def case_zones_unknown_comune(tmp: Path) -> tuple[list[str], str]:
    lines = sources.ZONES_FILE.read_text(encoding="utf-8").splitlines()
    lines.insert(10, "015999,Comune inesistente,Sud Est")
    path = write(tmp / "zone.csv", lines)
    return ["--zones", str(path)], "zone.csv, riga 11: comune 015999 non appartiene al territorio"


def case_zones_bad_istat_code(tmp: Path) -> tuple[list[str], str]:
    lines = sources.ZONES_FILE.read_text(encoding="utf-8").splitlines()
    lines[5] = "01500X" + lines[5][6:]
    path = write(tmp / "zone.csv", lines)
    return ["--zones", str(path)], "zone.csv, riga 6: codice ISTAT non valido '01500X'"


def case_zones_missing_comune(tmp: Path) -> tuple[list[str], str]:
    lines = sources.ZONES_FILE.read_text(encoding="utf-8").splitlines()
    del lines[3]
    path = write(tmp / "zone.csv", lines)
    return ["--zones", str(path)], "zone.csv, riga 133: 1 comuni senza zona"


def case_zones_inconsistent_name(tmp: Path) -> tuple[list[str], str]:
    lines = sources.ZONES_FILE.read_text(encoding="utf-8").splitlines()
    n = max(i for i, ln in enumerate(lines) if ln.endswith(",Sud Est"))  # the last of the 15
    lines[n] = lines[n].removesuffix("Sud Est") + "Sud-Est"
    path = write(tmp / "zone.csv", lines)
    return [
        "--zones",
        str(path),
    ], f"zone.csv, riga {n + 1}: zona 'Sud-Est' scritta diversamente altrove ('Sud Est')"


def case_geojson_syntax(tmp: Path) -> tuple[list[str], str]:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"com_istat_code": "015146"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[9.1, 45.4], [9.2, 45.4], [9.2, 45.5], [9.1, 45.4]]],
                },
            }
        ],
    }
    text = json.dumps(doc, indent=1)
    path = tmp / "confini.geojson"
    path.write_text(text[: text.index('"geometry"')], encoding="utf-8")  # truncated
    line = text[: text.index('"geometry"')].count("\n") + 1
    return ["--geometries", str(path)], f"confini.geojson, riga {line}: GeoJSON non valido"


def case_geojson_point(tmp: Path) -> tuple[list[str], str]:
    point = {"type": "Point", "coordinates": [9.1, 45.4]}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"com_istat_code": "015146"}, "geometry": point}
    ]}  # fmt: skip
    path = tmp / "confini.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return [
        "--geometries",
        str(path),
    ], "confini.geojson: feature 1: attesa una geometria Polygon o MultiPolygon"


def case_geojson_open_ring(tmp: Path) -> tuple[list[str], str]:
    open_ring = {"type": "Polygon", "coordinates": [[[9.1, 45.4], [9.2, 45.4], [9.2, 45.5], [9.3, 45.6]]]}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"com_istat_code": "015146"}, "geometry": open_ring}
    ]}  # fmt: skip
    path = tmp / "confini.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return ["--geometries", str(path)], "confini.geojson: feature 1: coordinate non valide"


def case_population_bad_number(tmp: Path) -> tuple[list[str], str]:
    lines = sources.POPULATION_FILE.read_text(encoding="utf-8").splitlines()
    n = next(i for i, ln in enumerate(lines) if ",015146," in ln)
    lines[n] = lines[n].replace(",1358420,", ",1.358.420,")
    path = write(tmp / "popolazione.csv", lines)
    return ["--population", str(path)], f"popolazione.csv, riga {n + 1}: colonna POP_RES: intero non valido"


def case_unknown_uts(tmp: Path) -> tuple[list[str], str]:
    return ["--uts", "999"], "situas_comuni_2026-08-14.csv: nessun comune con codice UTS '999'"


def case_malformed_uts(tmp: Path) -> tuple[list[str], str]:
    return ["--uts", "MI"], "situas_comuni_2026-08-14.csv: codice UTS non valido 'MI'"


def case_missing_file(tmp: Path) -> tuple[list[str], str]:
    return ["--situas", str(tmp / "manca.csv")], "manca.csv: file non trovato"


BAD_INPUTS = [
    case_situas_missing_column,
    case_situas_latin1,
    case_situas_bad_istat_code,
    case_zones_unknown_comune,
    case_zones_bad_istat_code,
    case_zones_missing_comune,
    case_zones_inconsistent_name,
    case_geojson_syntax,
    case_geojson_point,
    case_geojson_open_ring,
    case_population_bad_number,
    case_unknown_uts,
    case_malformed_uts,
    case_missing_file,
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.__name__.removeprefix("case_"))
def test_command_rejects_bad_input_naming_file_and_line_and_writes_nothing(db, tmp_path, case):
    args, message = case(tmp_path)
    with pytest.raises(CommandError) as exc:
        call_command("territory_load", "--uts", "215", *args, stdout=io.StringIO())
    assert message in str(exc.value)
    assert db_state() == (0, 0, 0, [])


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.__name__.removeprefix("case_"))
def test_service_rejects_bad_input_and_leaves_a_loaded_territory_unchanged(territory, tmp_path, case):
    # A change that a good load would repair: a rejected load must not repair it (nor anything else).
    Comune.objects.filter(codice_istat="015146").update(population_resident=7)
    before = db_state()
    args, message = case(tmp_path)
    options = dict(zip(args[::2], args[1::2], strict=True))
    kwargs: dict[str, object] = {"uts": options.pop("--uts", "215")}
    kwargs.update({k.removeprefix("--"): Path(v) for k, v in options.items()})
    with pytest.raises(sources.TerritoryDataError) as exc:
        territory_load(**kwargs)  # type: ignore[arg-type]
    assert message in str(exc.value)
    assert exc.value.path.name in str(exc.value)
    assert db_state() == before
    assert Comune.objects.get(codice_istat="015146").population_resident == 7
