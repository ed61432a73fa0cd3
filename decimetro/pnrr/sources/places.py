"""The row type shared by the two "Localizzazione" files (validated and universe): one row per project x
place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from decimetro.pnrr.sources import common as c

VALIDATED = "validated"
UNIVERSE = "universe"


@dataclass(slots=True)  # not frozen: a frozen dataclass is twice as slow to build
class PlaceRow:
    dataset: str
    cup: str
    local_code: str
    structure: c.StructureRef
    region_code: str
    region_name: str
    province_code: str
    province_name: str
    comune_code: str
    comune_name: str
    istat_code: str
    address: str
    cap: str
    updated_on: date | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cup, self.local_code, self.structure.submeasure_code)

    @property
    def place_key(self) -> tuple[str, str, str]:
        return (self.region_code, self.province_code, self.comune_code)

    @property
    def release_date(self) -> date | None:
        return self.updated_on


class PlaceColumns:
    """Builds `PlaceRow`s of one file. `names` maps our field names to the file's column names (the two files
    spell them differently). The codes of a place (ISTAT, region, province, comune) repeat across rows: each
    distinct combination is checked once.

    Called with a row as a mapping column name → text; `bind(index)` gives the same builder for rows read as
    lists (`index` the file's column name → position), as `common.parse_rows` reads the national files."""

    def __init__(
        self, *, dataset: str, names: dict[str, str], index: Mapping[str, int] | None = None
    ) -> None:
        self.dataset = dataset
        self.names = names
        col: Callable[[str], c.Column] = index.__getitem__ if index is not None else str
        self.columns = {field: col(column) for field, column in names.items()}
        cols = self.columns
        self.geo_getter = itemgetter(
            cols["istat_code"], cols["region_code"], cols["province_code"], cols["comune_code"]
        )
        self.structure = c.StructureColumns(
            submeasure_code=cols["submeasure_code"], submeasure_name=col("Descrizione Submisura")
        )
        self.geo: dict[tuple[str, ...], tuple[str, str, str, str]] = {}
        self.texts_getter = itemgetter(
            col("Codice Locale Progetto"),
            cols["region_name"],
            cols["province_name"],
            cols["comune_name"],
            col("Indirizzo"),
            cols["cap"],
        )
        self.cup = col("CUP")
        self.updated_on = cols["updated_on"]

    def bind(self, index: Mapping[str, int]) -> PlaceColumns:
        return PlaceColumns(dataset=self.dataset, names=self.names, index=index)

    def _codes(self, raw: c.Cells) -> tuple[str, str, str, str]:
        cols = self.columns
        istat_code = c.istat(raw, cols["istat_code"])
        region_code = c.small_code(raw, cols["region_code"])
        province_code = c.small_code(raw, cols["province_code"])
        comune_code = c.small_code(raw, cols["comune_code"])
        if (
            istat_code
            and comune_code
            and province_code
            and istat_code != f"{int(province_code):03d}{int(comune_code):03d}"
        ):
            raise c.FieldError(
                cols["istat_code"], f"codice ISTAT «{istat_code}» incoerente con provincia/comune"
            )
        return istat_code, region_code, province_code, comune_code

    def __call__(self, raw: c.Cells) -> PlaceRow:
        key = self.geo_getter(raw)
        codes = self.geo.get(key)
        if codes is None:
            codes = self._codes(raw)
            if len(self.geo) < 200_000:
                self.geo[key] = codes
        istat_code, region_code, province_code, comune_code = codes
        local_code, region_name, province_name, comune_name, address, cap = map(
            str.strip, self.texts_getter(raw)
        )
        return PlaceRow(
            self.dataset,
            c.cup(raw, self.cup),
            local_code,
            self.structure(raw),
            region_code,
            region_name,
            province_code,
            province_name,
            comune_code,
            comune_name,
            istat_code,
            address,
            cap,
            c.iso_date(raw, self.updated_on),
        )
