"""Italia Domani "Quadro finanziario - programmazione": the measures and sub-measures with their amounts.

Amounts: `importo_totale` is text with a comma decimal (`900000000,00`, sometimes ` 80.000.000,00 `), the two
other amounts use a `.` decimal. Both are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from decimetro.pnrr.sources import common as c

KIND = "quadro_finanziario"
LABEL = "Quadro finanziario (misure e submisure)"

COLUMNS = (
    "programma",
    "missione",
    "descrizione_missione",
    "componente",
    "descrizione_componente",
    "id_misura",
    "codice_univoco_misura",
    "descrizione_misura",
    "id_submisura",
    "codice_cid",
    "codice_univoco_submisura",
    "descrizione_submisura",
    "tipo_livello",
    "investimento_o_riforma",
    "prestito_o_sovvenzione",
    "amministrazione_titolare",
    "importo_totale",
    "importo_progetti_in_essere",
    "importo_progetti_nuovi",
)


@dataclass(frozen=True, slots=True)
class FrameRow:
    structure: c.StructureRef
    level: str
    kind: str
    loan_or_grant: str
    amount_total: Decimal | None
    amount_existing: Decimal | None
    amount_new: Decimal | None

    @property
    def key(self) -> str:
        return self.structure.submeasure_code

    @property
    def release_date(self) -> None:
        return None


def build(raw: dict[str, str]) -> FrameRow:
    sub = c.submeasure_code(raw, "codice_univoco_submisura")
    measure = c.required(raw, "codice_univoco_misura")
    if not sub.startswith(measure):
        raise c.FieldError("codice_univoco_submisura", f"submisura «{sub}» fuori dalla misura «{measure}»")
    return FrameRow(
        structure=c.StructureRef(
            submeasure_code=sub,
            submeasure_name=c.text(raw, "descrizione_submisura"),
            measure_code=measure,
            measure_name=c.text(raw, "descrizione_misura"),
            measure_id=c.text(raw, "id_misura"),
            submeasure_id=c.text(raw, "id_submisura"),
            cid_code=c.text(raw, "codice_cid"),
            component_name=c.text(raw, "descrizione_componente"),
            mission_name=c.text(raw, "descrizione_missione"),
            administration=c.text(raw, "amministrazione_titolare"),
        ),
        level=c.text(raw, "tipo_livello"),
        kind=c.text(raw, "investimento_o_riforma"),
        loan_or_grant=c.text(raw, "prestito_o_sovvenzione"),
        amount_total=c.amount_it(raw, "importo_totale"),
        amount_existing=c.amount_it(raw, "importo_progetti_in_essere"),
        amount_new=c.amount_it(raw, "importo_progetti_nuovi"),
    )


def parse(stream: Iterable[str], name: str = "file") -> Iterator[FrameRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, build=build, name=name)
