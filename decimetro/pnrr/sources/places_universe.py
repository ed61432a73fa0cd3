"""Italia Domani "Universo ReGiS - Localizzazione": projects not (yet) validated too. No titles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from decimetro.pnrr.sources import common as c
from decimetro.pnrr.sources.places import UNIVERSE, PlaceColumns, PlaceRow

KIND = "localizzazioni_universo"
LABEL = "Localizzazioni universo ReGiS"

COLUMNS = (
    "Codice Univoco submisura",
    "Descrizione Submisura",
    "CUP",
    "Codice Locale Progetto",
    "Regione",
    "Descrizione Regione",
    "Provincia",
    "Descrizione Provincia",
    "Comune",
    "Descrizione Comune",
    "Indirizzo",
    "CAP",
    "Data di Estrazione",
    "COD_ISTAT_COMUNE",
)
NAMES = {
    "submeasure_code": "Codice Univoco submisura",
    "region_code": "Regione",
    "region_name": "Descrizione Regione",
    "province_code": "Provincia",
    "province_name": "Descrizione Provincia",
    "comune_code": "Comune",
    "comune_name": "Descrizione Comune",
    "cap": "CAP",
    "updated_on": "Data di Estrazione",
    "istat_code": "COD_ISTAT_COMUNE",
}


build = PlaceColumns(dataset=UNIVERSE, names=NAMES)


def parse(stream: Iterable[str], name: str = "file") -> Iterator[PlaceRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, bind=build.bind, name=name)
