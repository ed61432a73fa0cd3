"""Italia Domani "Localizzazione dei progetti PNRR" (dati validati), with the republisher's
COD_ISTAT_COMUNE."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from decimetro.pnrr.sources import common as c
from decimetro.pnrr.sources.places import VALIDATED, PlaceColumns, PlaceRow

KIND = "localizzazioni_validate"
LABEL = "Localizzazioni validate"

COLUMNS = (
    "Codice Univoco Submisura",
    "Descrizione Submisura",
    "CUP",
    "Codice Locale Progetto",
    "Codice Regione",
    "Descrizione Regione",
    "Codice Provincia",
    "Descrizione Provincia",
    "Codice Comune",
    "Descrizione Comune",
    "Indirizzo",
    "Cap",
    "Data di aggiornamento",
    "COD_ISTAT_COMUNE",
)
NAMES = {
    "submeasure_code": "Codice Univoco Submisura",
    "region_code": "Codice Regione",
    "region_name": "Descrizione Regione",
    "province_code": "Codice Provincia",
    "province_name": "Descrizione Provincia",
    "comune_code": "Codice Comune",
    "comune_name": "Descrizione Comune",
    "cap": "Cap",
    "updated_on": "Data di aggiornamento",
    "istat_code": "COD_ISTAT_COMUNE",
}


build = PlaceColumns(dataset=VALIDATED, names=NAMES)


def parse(stream: Iterable[str], name: str = "file") -> Iterator[PlaceRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, bind=build.bind, name=name)
