"""Pure readers of the bundled ISTAT / openpolis files: paths in, typed rows out. No database.

Every problem in a file raises `TerritoryDataError`, whose message names the file and, when it can be known,
the line (`riga N`), so that whoever prepared the file can fix it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.text import slugify

DATA_DIR = Path(__file__).resolve().parent / "data"
SITUAS_FILE = DATA_DIR / "situas_comuni_2026-08-14.csv"
POPULATION_FILE = DATA_DIR / "comuni_popolazione_superficie.csv"
ZONES_FILE = DATA_DIR / "zone_omogenee_cmm.csv"
GEOMETRY_FILE = DATA_DIR / "limits_P_15_municipalities.geojson"

# Zones and boundaries are bundled only for Città metropolitana di Milano (UTS 215).
BUNDLED_ZONES = {"215": ZONES_FILE}
BUNDLED_GEOMETRIES = {"215": GEOMETRY_FILE}

SITUAS_COLUMNS = {
    "Codice Provincia/Uts",
    "Codice Comune (alfanumerico)",
    "Comune",
    "Provincia/Uts",
    "Capoluogo di provincia/uts",
    "Sigla automobilistica",
    "Codice catasto",
    "Codice fiscale",
}
POPULATION_COLUMNS = {"PRO_COM_T", "POP_LEG", "POP_RES", "AREA_KMQ"}
ZONE_COLUMNS = {"codice_istat", "zona_omogenea"}


class TerritoryDataError(ValueError):
    """A problem in a territory data file. `path` and `line` (1-based, None if unknown) say where."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        where = f"{self.path.name}, riga {line}" if line else self.path.name
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ComuneRow:
    codice_istat: str
    name: str
    codice_catastale: str
    codice_fiscale: str
    sigla: str
    codice_uts: str
    uts_name: str
    is_capoluogo: bool


@dataclass(frozen=True)
class PopulationRow:
    population_legal: int | None
    population_resident: int | None
    area_kmq: Decimal | None


def _read_text(path: Path, *, encoding: str) -> str:
    """The whole file as text. A decoding error names the line of the first bad byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TerritoryDataError(path, None, "file non trovato") from exc
    except OSError as exc:
        raise TerritoryDataError(path, None, f"file non leggibile ({exc.strerror})") from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TerritoryDataError(path, line, f"codifica non valida ({exc.reason}), atteso UTF-8") from exc


def _reader(
    path: Path, required: set[str], *, delimiter: str, encoding: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; the header is checked first."""
    reader = csv.DictReader(io.StringIO(_read_text(path, encoding=encoding), newline=""), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames or []
        missing = required - {f.strip() for f in fieldnames}
        if missing:
            raise TerritoryDataError(path, 1, f"colonne mancanti: {', '.join(sorted(missing))}")
        for raw in reader:
            # reader.line_num is the physical line where the row ends (a quoted field may span lines).
            yield reader.line_num, {k.strip(): v or "" for k, v in raw.items() if isinstance(k, str)}
    except csv.Error as exc:
        raise TerritoryDataError(path, reader.line_num, f"CSV non valido: {exc}") from exc


def _istat_code(path: Path, line: int, value: str) -> str:
    value = (value or "").strip()
    if not (len(value) == 6 and value.isdigit()):
        raise TerritoryDataError(path, line, f"codice ISTAT non valido {value!r} (attese 6 cifre)")
    return value


def read_situas(path: Path = SITUAS_FILE, *, uts: str) -> list[ComuneRow]:
    """The comuni of one UTS (metropolitan city / province) from the SITUAS list."""
    uts = (uts or "").strip()
    if not (len(uts) == 3 and uts.isdigit()):
        raise TerritoryDataError(path, None, f"codice UTS non valido {uts!r} (attese 3 cifre, es. 215)")
    rows = []
    seen: dict[str, int] = {}
    last_line = 1
    for line, raw in _reader(path, SITUAS_COLUMNS, delimiter=";", encoding="utf-8-sig"):
        last_line = line
        if raw["Codice Provincia/Uts"].strip() != uts:
            continue
        code = _istat_code(path, line, raw["Codice Comune (alfanumerico)"])
        if code in seen:
            raise TerritoryDataError(path, line, f"comune {code} ripetuto (già alla riga {seen[code]})")
        seen[code] = line
        name = raw["Comune"].strip()
        if not name:
            raise TerritoryDataError(path, line, f"comune {code} senza nome")
        rows.append(
            ComuneRow(
                codice_istat=code,
                name=name,
                codice_catastale=raw["Codice catasto"].strip(),
                codice_fiscale=raw["Codice fiscale"].strip(),
                sigla=raw["Sigla automobilistica"].strip(),
                codice_uts=uts,
                uts_name=raw["Provincia/Uts"].strip(),
                is_capoluogo=raw["Capoluogo di provincia/uts"].strip() == "1",
            )
        )
    if not rows:
        raise TerritoryDataError(
            path, None, f"nessun comune con codice UTS {uts!r} nelle righe 2-{last_line}"
        )
    return rows


def _int(path: Path, line: int, column: str, value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise TerritoryDataError(path, line, f"colonna {column}: intero non valido {value!r}") from exc
    if number < 0:
        raise TerritoryDataError(path, line, f"colonna {column}: valore negativo {value!r}")
    return number


def read_population(path: Path = POPULATION_FILE, *, codes: set[str]) -> dict[str, PopulationRow]:
    """comune code → population and area, for the comuni in `codes` (others are skipped)."""
    result: dict[str, PopulationRow] = {}
    for line, raw in _reader(path, POPULATION_COLUMNS, delimiter=",", encoding="utf-8"):
        code = (raw["PRO_COM_T"] or "").strip()
        if code not in codes:
            continue
        area_raw = (raw["AREA_KMQ"] or "").strip()
        try:
            area = Decimal(area_raw).quantize(Decimal("0.0001")) if area_raw else None
        except InvalidOperation as exc:
            raise TerritoryDataError(path, line, f"colonna AREA_KMQ: numero non valido {area_raw!r}") from exc
        if area is not None and not area.is_finite():
            raise TerritoryDataError(path, line, f"colonna AREA_KMQ: numero non valido {area_raw!r}")
        result[code] = PopulationRow(
            population_legal=_int(path, line, "POP_LEG", raw["POP_LEG"]),
            population_resident=_int(path, line, "POP_RES", raw["POP_RES"]),
            area_kmq=area,
        )
    return result


def read_zones(path: Path = ZONES_FILE, *, codes: set[str]) -> dict[str, str]:
    """comune code → zone name. Every code must be a comune of the territory, once, and every comune must
    have a zone: a zone file that does not match the territory is rejected rather than half applied."""
    result: dict[str, str] = {}
    lines: dict[str, int] = {}
    names_by_slug: dict[str, str] = {}
    last_line = 1
    for line, raw in _reader(path, ZONE_COLUMNS, delimiter=",", encoding="utf-8"):
        last_line = line
        code = _istat_code(path, line, raw["codice_istat"])
        if code not in codes:
            raise TerritoryDataError(path, line, f"comune {code} non appartiene al territorio")
        if code in result:
            raise TerritoryDataError(path, line, f"comune {code} ripetuto (già alla riga {lines[code]})")
        zone = " ".join((raw["zona_omogenea"] or "").split())
        if not zone:
            raise TerritoryDataError(path, line, "zona_omogenea vuota")
        slug = zone_slug(zone)
        if not slug:
            raise TerritoryDataError(path, line, f"nome di zona non valido {zone!r}")
        if names_by_slug.setdefault(slug, zone) != zone:
            raise TerritoryDataError(
                path, line, f"zona {zone!r} scritta diversamente altrove ({names_by_slug[slug]!r})"
            )
        result[code] = zone
        lines[code] = line
    missing = sorted(codes - result.keys())
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise TerritoryDataError(path, last_line, f"{len(missing)} comuni senza zona: {shown}")
    return result


def _round_coords(coords: Any, digits: int = 5) -> Any:
    if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
        return [round(c, digits) for c in coords]
    return [_round_coords(c, digits) for c in coords]


def _signed_area(ring: list[list[float]]) -> float:
    """Twice the signed area (shoelace); positive when the ring runs counterclockwise."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))


def _rewind_polygon(rings: list[Any]) -> list[Any]:
    """RFC 7946 §3.1.6 winding: exterior ring counterclockwise, holes clockwise."""
    out = []
    for i, ring in enumerate(rings):
        ccw = _signed_area(ring) > 0
        out.append(ring if ccw == (i == 0) else list(reversed(ring)))
    return out


def _valid_position(p: Any) -> bool:
    return (
        isinstance(p, list)
        and len(p) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
        and -180 <= p[0] <= 180
        and -90 <= p[1] <= 90
    )


def _valid_polygon(rings: Any) -> bool:
    return (
        isinstance(rings, list)
        and bool(rings)
        and all(
            isinstance(r, list) and len(r) >= 4 and all(_valid_position(p) for p in r) and r[0] == r[-1]
            for r in rings
        )
    )


def _geometry(path: Path, i: int, geometry: Any) -> dict[str, Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise TerritoryDataError(path, None, f"feature {i}: attesa una geometria Polygon o MultiPolygon")
    coords = geometry.get("coordinates")
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or not all(_valid_polygon(p) for p in polygons):
        raise TerritoryDataError(path, None, f"feature {i}: coordinate non valide (anelli chiusi in WGS84)")
    rewound = [_rewind_polygon(_round_coords(p)) for p in polygons]
    return {"type": geometry["type"], "coordinates": rewound[0] if geometry["type"] == "Polygon" else rewound}


def read_geometries(path: Path = GEOMETRY_FILE) -> dict[str, dict[str, Any]]:
    """comune code → GeoJSON geometry: coordinates rounded to 5 decimals (about 1 m) and rewound to the
    RFC 7946 winding order (the openpolis files use the older GeoJSON 2008 one)."""
    text = _read_text(path, encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TerritoryDataError(
            path, exc.lineno, f"GeoJSON non valido: {exc.msg} (colonna {exc.colno})"
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise TerritoryDataError(path, None, "atteso un FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise TerritoryDataError(path, None, "FeatureCollection senza elenco 'features'")
    result: dict[str, dict[str, Any]] = {}
    for i, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = str((properties or {}).get("com_istat_code", "")).strip()
        if not (len(code) == 6 and code.isdigit()):
            raise TerritoryDataError(
                path, None, f"feature {i}: codice ISTAT (com_istat_code) mancante o non valido"
            )
        if code in result:
            raise TerritoryDataError(path, None, f"feature {i}: comune {code} ripetuto")
        result[code] = _geometry(path, i, feature.get("geometry"))
    return result


def zone_slug(name: str) -> str:
    return slugify(name)
