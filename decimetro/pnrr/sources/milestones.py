"""Italia Domani "Milestone e Target - programmazione". A milestone shared by several sub-measures is
repeated,
one row per sub-measure, with the same texts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from decimetro.pnrr.sources import common as c

KIND = "milestone_target"
LABEL = "Milestone e target"

COLUMNS = (
    "missione",
    "descrizione_missione",
    "componente",
    "descrizione_componente",
    "codice_univoco_misura",
    "descrizione_misura",
    "codice_univoco_submisura",
    "descrizione_submisura",
    "amministrazione_titolare",
    "codice_univoco_milestonetarget",
    "milestonetarget",
    "nome_milestonetarget",
    "descrizione_specifica_di_ogni_milestone_e_target",
    "itaue",
    "indicat_qualitativo",
    "unita_di_misura_target_riclassificata",
    "riferimento_di_partenza_target",
    "valoreobiettivo_target",
    "trimestre_di_conseguimento",
    "anno_di_conseguimento",
    "oa_meccanismo_di_verifica",
    "oa_ulteriori_informazioni",
)
QUARTER_RE = re.compile(r"^Q[1-4]$")


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    code: str
    structure: c.StructureRef
    kind: str
    name: str
    description: str
    scope: str
    qualitative_indicator: str
    unit: str
    baseline: Decimal | None
    target_value: Decimal | None
    quarter: str
    year: int | None
    verification: str
    notes: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.structure.submeasure_code)

    @property
    def release_date(self) -> None:
        return None


def build(raw: dict[str, str]) -> MilestoneRow:
    kind = c.required(raw, "milestonetarget")
    if kind not in {"Milestone", "Target"}:
        raise c.FieldError("milestonetarget", f"atteso Milestone o Target, trovato «{kind}»")
    quarter = c.text(raw, "trimestre_di_conseguimento")
    if quarter and not QUARTER_RE.match(quarter):
        raise c.FieldError("trimestre_di_conseguimento", f"trimestre malformato «{quarter}»")
    return MilestoneRow(
        code=c.required(raw, "codice_univoco_milestonetarget"),
        structure=c.StructureRef(
            submeasure_code=c.submeasure_code(raw, "codice_univoco_submisura"),
            submeasure_name=c.text(raw, "descrizione_submisura"),
            measure_code=c.required(raw, "codice_univoco_misura"),
            measure_name=c.text(raw, "descrizione_misura"),
            component_name=c.text(raw, "descrizione_componente"),
            mission_name=c.text(raw, "descrizione_missione"),
        ),
        kind=kind,
        name=c.text(raw, "nome_milestonetarget"),
        description=c.text(raw, "descrizione_specifica_di_ogni_milestone_e_target"),
        scope=c.text(raw, "itaue"),
        qualitative_indicator=c.text(raw, "indicat_qualitativo"),
        unit=c.text(raw, "unita_di_misura_target_riclassificata"),
        baseline=c.number(raw, "riferimento_di_partenza_target"),
        target_value=c.number(raw, "valoreobiettivo_target"),
        quarter=quarter,
        year=c.year(raw, "anno_di_conseguimento"),
        verification=c.text(raw, "oa_meccanismo_di_verifica"),
        notes=c.text(raw, "oa_ulteriori_informazioni"),
    )


def parse(stream: Iterable[str], name: str = "file") -> Iterator[MilestoneRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, build=build, name=name)
