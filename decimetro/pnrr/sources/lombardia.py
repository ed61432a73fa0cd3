"""The derived `progetti_validati_lombardia_localizzati` (a join made for Decimetro of validated projects and
their places in Lombardia). Each row gives a project (fewer columns than the full table) and one of its
places."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from decimetro.pnrr.sources import common as c
from decimetro.pnrr.sources.places import VALIDATED, PlaceRow
from decimetro.pnrr.sources.projects import ProjectRow

KIND = "lombardia_localizzati"
LABEL = "Progetti validati localizzati in Lombardia (derivato)"

COLUMNS = (
    "CUP",
    "Codice Locale Progetto",
    "Missione",
    "Descrizione Missione",
    "Componente",
    "Descrizione Componente",
    "ID Misura",
    "Codice Univoco Misura",
    "Descrizione Misura",
    "Codice Univoco Submisura",
    "Descrizione Submisura",
    "Amministrazione Titolare",
    "CUP Descrizione Natura",
    "CUP Descrizione Settore",
    "CUP Descrizione Categoria",
    "Titolo progetto",
    "Sintesi progetto",
    "Finanziamento PNRR",
    "Finanziamento Totale",
    "Soggetto attuatore",
    "Codice fiscale soggetto attuatore",
    "loc_cod_regione",
    "loc_regione",
    "loc_cod_provincia",
    "loc_provincia",
    "loc_cod_istat_comune",
    "loc_comune",
    "loc_indirizzo",
    "loc_cap",
    "in_cmm",
    "Data aggiornamento",
)
# The project fields this file carries: importing it never blanks the others.
TEXT_FIELDS = {
    "cup_nature": "CUP Descrizione Natura",
    "cup_sector": "CUP Descrizione Settore",
    "cup_category": "CUP Descrizione Categoria",
    "title": "Titolo progetto",
    "synthesis": "Sintesi progetto",
}
AMOUNT_FIELDS = {"fin_pnrr": "Finanziamento PNRR", "fin_totale": "Finanziamento Totale"}


@dataclass(frozen=True, slots=True)
class LombardiaRow:
    project: ProjectRow
    place: PlaceRow

    @property
    def key(self) -> tuple[str, str, str]:
        return self.project.key

    @property
    def release_date(self) -> date | None:
        return self.project.updated_on


def build(raw: dict[str, str]) -> LombardiaRow:
    structure = c.StructureRef(
        submeasure_code=c.submeasure_code(raw, "Codice Univoco Submisura"),
        submeasure_name=c.text(raw, "Descrizione Submisura"),
        measure_code=c.text(raw, "Codice Univoco Misura"),
        measure_name=c.text(raw, "Descrizione Misura"),
        measure_id=c.text(raw, "ID Misura"),
        component_name=c.text(raw, "Descrizione Componente"),
        mission_name=c.text(raw, "Descrizione Missione"),
        administration=c.text(raw, "Amministrazione Titolare"),
    )
    updated = c.iso_date(raw, "Data aggiornamento")
    project = ProjectRow(
        cup=c.cup(raw, "CUP"),
        local_code=c.text(raw, "Codice Locale Progetto"),
        structure=structure,
        texts={f: c.text(raw, col) for f, col in TEXT_FIELDS.items()},
        amounts={f: c.amount(raw, col) for f, col in AMOUNT_FIELDS.items()},
        body_name=c.text(raw, "Soggetto attuatore"),
        body_fiscal_code=c.fiscal_code(raw, "Codice fiscale soggetto attuatore"),
        existing_project=None,
        updated_on=updated,
    )
    istat_code = c.istat(raw, "loc_cod_istat_comune")
    place = PlaceRow(
        dataset=VALIDATED,
        cup=project.cup,
        local_code=project.local_code,
        structure=structure,
        region_code=c.small_code(raw, "loc_cod_regione"),
        region_name=c.text(raw, "loc_regione"),
        province_code=c.small_code(raw, "loc_cod_provincia"),
        province_name=c.text(raw, "loc_provincia"),
        comune_code=str(int(istat_code[3:])) if istat_code else "0",
        comune_name=c.text(raw, "loc_comune"),
        istat_code=istat_code,
        address=c.text(raw, "loc_indirizzo"),
        cap=c.text(raw, "loc_cap"),
        updated_on=updated,
    )
    return LombardiaRow(project=project, place=place)


def parse(stream: Iterable[str], name: str = "file") -> Iterator[LombardiaRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, build=build, name=name)
