"""The row type shared by the two "Localizzazione" files (validated and universe): one row per project x
place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from decimetro.pnrr.sources import common as c

VALIDATED = "validated"
UNIVERSE = "universe"


@dataclass(frozen=True, slots=True)
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


def build_place(raw: dict[str, str], *, dataset: str, names: dict[str, str]) -> PlaceRow:
    """`names` maps our field names to the file's column names (the two files spell them differently)."""
    istat_code = c.istat(raw, names["istat_code"])
    region_code = c.small_code(raw, names["region_code"])
    province_code = c.small_code(raw, names["province_code"])
    comune_code = c.small_code(raw, names["comune_code"])
    if (
        istat_code
        and comune_code
        and province_code
        and istat_code != f"{int(province_code):03d}{int(comune_code):03d}"
    ):
        raise c.FieldError(
            names["istat_code"], f"codice ISTAT «{istat_code}» incoerente con provincia/comune"
        )
    return PlaceRow(
        dataset=dataset,
        cup=c.cup(raw, "CUP"),
        local_code=c.text(raw, "Codice Locale Progetto"),
        structure=c.StructureRef(
            submeasure_code=c.submeasure_code(raw, names["submeasure_code"]),
            submeasure_name=c.text(raw, "Descrizione Submisura"),
        ),
        region_code=region_code,
        region_name=c.text(raw, names["region_name"]),
        province_code=province_code,
        province_name=c.text(raw, names["province_name"]),
        comune_code=comune_code,
        comune_name=c.text(raw, names["comune_name"]),
        istat_code=istat_code,
        address=c.text(raw, "Indirizzo"),
        cap=c.text(raw, names["cap"]),
        updated_on=c.iso_date(raw, names["updated_on"]),
    )
