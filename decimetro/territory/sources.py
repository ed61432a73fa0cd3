"""Pure readers of the bundled ISTAT / openpolis files: paths in, typed rows out. No database."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
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

SITUAS_COLUMNS = {
    "Codice Provincia/Uts", "Codice Comune (alfanumerico)", "Comune", "Provincia/Uts",
    "Capoluogo di provincia/uts", "Sigla automobilistica", "Codice catasto", "Codice fiscale",
}
POPULATION_COLUMNS = {"PRO_COM_T", "POP_LEG", "POP_RES", "AREA_KMQ"}
ZONE_COLUMNS = {"codice_istat", "zona_omogenea"}


class TerritoryDataError(ValueError):
    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        where = f"{Path(path).name}, riga {line}" if line else Path(path).name
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


def _reader(path: Path, required: set[str], *, delimiter: str, encoding: str) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            missing = required - set(reader.fieldnames or [])
            if missing:
                raise TerritoryDataError(path, 1, f"colonne mancanti: {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                yield line, row
    except UnicodeDecodeError as exc:
        raise TerritoryDataError(path, None, f"codifica non valida ({exc.reason}), atteso UTF-8") from exc
    except FileNotFoundError as exc:
        raise TerritoryDataError(path, None, "file non trovato") from exc


def _istat_code(path: Path, line: int, value: str) -> str:
    value = (value or "").strip()
    if not (len(value) == 6 and value.isdigit()):
        raise TerritoryDataError(path, line, f"codice ISTAT non valido {value!r} (attese 6 cifre)")
    return value


def read_situas(path: Path = SITUAS_FILE, *, uts: str) -> list[ComuneRow]:
    """The comuni of one UTS (metropolitan city / province) from the SITUAS list."""
    rows = []
    for line, raw in _reader(path, SITUAS_COLUMNS, delimiter=";", encoding="utf-8-sig"):
        if raw["Codice Provincia/Uts"].strip() != uts:
            continue
        rows.append(
            ComuneRow(
                codice_istat=_istat_code(path, line, raw["Codice Comune (alfanumerico)"]),
                name=raw["Comune"].strip(),
                codice_catastale=raw["Codice catasto"].strip(),
                codice_fiscale=raw["Codice fiscale"].strip(),
                sigla=raw["Sigla automobilistica"].strip(),
                codice_uts=uts,
                uts_name=raw["Provincia/Uts"].strip(),
                is_capoluogo=raw["Capoluogo di provincia/uts"].strip() == "1",
            )
        )
    if not rows:
        raise TerritoryDataError(path, None, f"nessun comune con codice UTS {uts!r}")
    return rows


def _int(path: Path, line: int, column: str, value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise TerritoryDataError(path, line, f"colonna {column}: intero non valido {value!r}") from exc


def read_population(path: Path = POPULATION_FILE, *, codes: set[str]) -> dict[str, PopulationRow]:
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
        result[code] = PopulationRow(
            population_legal=_int(path, line, "POP_LEG", raw["POP_LEG"]),
            population_resident=_int(path, line, "POP_RES", raw["POP_RES"]),
            area_kmq=area,
        )
    return result


def read_zones(path: Path = ZONES_FILE, *, codes: set[str]) -> dict[str, str]:
    """comune code → zone name, for the comuni in `codes`. Unknown codes are an error."""
    result: dict[str, str] = {}
    for line, raw in _reader(path, ZONE_COLUMNS, delimiter=",", encoding="utf-8"):
        code = _istat_code(path, line, raw["codice_istat"])
        if code not in codes:
            raise TerritoryDataError(path, line, f"comune {code} non appartiene al territorio")
        zone = (raw["zona_omogenea"] or "").strip()
        if not zone:
            raise TerritoryDataError(path, line, "zona_omogenea vuota")
        result[code] = zone
    return result


def _round_coords(coords: Any, digits: int = 5) -> Any:
    if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
        return [round(c, digits) for c in coords]
    return [_round_coords(c, digits) for c in coords]


def read_geometries(path: Path = GEOMETRY_FILE) -> dict[str, dict[str, Any]]:
    """comune code → GeoJSON geometry (coordinates rounded to 5 decimals, about 1 m)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TerritoryDataError(path, None, f"GeoJSON non valido: {exc}") from exc
    if doc.get("type") != "FeatureCollection":
        raise TerritoryDataError(path, None, "atteso un FeatureCollection")
    result = {}
    for i, feature in enumerate(doc.get("features", []), start=1):
        code = str((feature.get("properties") or {}).get("com_istat_code", ""))
        geometry = feature.get("geometry") or {}
        if len(code) != 6 or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
            raise TerritoryDataError(path, None, f"feature {i}: codice o geometria mancanti")
        result[code] = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
    return result


def zone_slug(name: str) -> str:
    return slugify(name)
