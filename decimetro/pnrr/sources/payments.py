"""Italia Domani "Pagamenti di progetto": one row per project, amounts paid so far at `data_di_estrazione`.

A row with neither CUP nor local code is not a project: it is the payments of a whole measure that has no
projects (the tax credits Ecobonus, M2C3I2.01, and Transizione 4.0, M1C2I1.01). It becomes a
`MeasurePaymentRow`, keyed by its sub-measure. A CUP missing while the local code is there is still an
error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from decimetro.pnrr.sources import common as c

KIND = "pagamenti"
LABEL = "Pagamenti di progetto"

COLUMNS = (
    "codice_univoco_submisura",
    "descrizione_submisura",
    "cup",
    "codice_locale_progetto",
    "finanziamento_totale",
    "finanziamento_pnrr",
    "pagamenti_totali",
    "pagamenti_totali_pnrr",
    "pagamenti_totali_stato_foi",
    "pagamento_stato",
    "pagamento_stato_bilancio",
    "pagamenti_totali_prosecuzione_opere_pubbliche_fpop",
    "pagamenti_totali_ue_diverso_da_pnrr",
    "pagamenti_totali_regione",
    "pagamenti_totali_provincia",
    "pagamenti_totali_comune",
    "pagamenti_totali_altro_pubblico",
    "pagamenti_totali_privato",
    "pagamenti_totali_da_reperire",
    "pagamenti_totali_pnc",
    "pagamenti_totali_altri_fondi",
    "data_di_estrazione",
)
# Model field → column. The model keeps the source's names, shortened.
AMOUNT_COLUMNS = {
    "fin_totale": "finanziamento_totale",
    "fin_pnrr": "finanziamento_pnrr",
    "paid_total": "pagamenti_totali",
    "paid_pnrr": "pagamenti_totali_pnrr",
    "paid_stato_foi": "pagamenti_totali_stato_foi",
    "paid_stato": "pagamento_stato",
    "paid_stato_bilancio": "pagamento_stato_bilancio",
    "paid_fpop": "pagamenti_totali_prosecuzione_opere_pubbliche_fpop",
    "paid_ue": "pagamenti_totali_ue_diverso_da_pnrr",
    "paid_regione": "pagamenti_totali_regione",
    "paid_provincia": "pagamenti_totali_provincia",
    "paid_comune": "pagamenti_totali_comune",
    "paid_altro_pubblico": "pagamenti_totali_altro_pubblico",
    "paid_privato": "pagamenti_totali_privato",
    "paid_da_reperire": "pagamenti_totali_da_reperire",
    "paid_pnc": "pagamenti_totali_pnc",
    "paid_altri_fondi": "pagamenti_totali_altri_fondi",
}


AMOUNT_FIELDS = tuple(AMOUNT_COLUMNS)


@dataclass(slots=True)  # not frozen: a frozen dataclass is twice as slow to build
class PaymentRow:
    cup: str
    local_code: str
    structure: c.StructureRef
    values: tuple[Decimal | None, ...]
    """The amounts in `AMOUNT_FIELDS` order (as the import writes them); `amounts` by name."""
    extracted_on: date

    @property
    def amounts(self) -> dict[str, Decimal | None]:
        return dict(zip(AMOUNT_FIELDS, self.values, strict=True))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cup, self.local_code, self.structure.submeasure_code)

    @property
    def release_date(self) -> date:
        return self.extracted_on


@dataclass(slots=True)
class MeasurePaymentRow:
    """Payments of a measure as a whole (a row with no CUP and no local code)."""

    structure: c.StructureRef
    values: tuple[Decimal | None, ...]
    """The amounts in `AMOUNT_FIELDS` order; `amounts` by name."""
    extracted_on: date

    @property
    def amounts(self) -> dict[str, Decimal | None]:
        return dict(zip(AMOUNT_FIELDS, self.values, strict=True))

    @property
    def key(self) -> tuple[str, date]:
        return (self.structure.submeasure_code, self.extracted_on)

    @property
    def release_date(self) -> date:
        return self.extracted_on


_STRUCTURE = c.StructureColumns(
    submeasure_code="codice_univoco_submisura", submeasure_name="descrizione_submisura"
)
_AMOUNTS = c.AmountColumns(AMOUNT_COLUMNS)


def bind(index: Mapping[str, int]) -> Callable[[list[str]], PaymentRow | MeasurePaymentRow]:
    """The builder of a payments row from a row's fields, `index` the file's column name → position."""
    structure, amounts = _STRUCTURE.bind(index), _AMOUNTS.bind(index).values
    cup, local_code, extracted_on = index["cup"], index["codice_locale_progetto"], index["data_di_estrazione"]

    def build(row: list[str]) -> PaymentRow | MeasurePaymentRow:
        extracted = c.iso_date(row, extracted_on)
        if extracted is None:
            raise c.FieldError(extracted_on, "data di estrazione mancante")
        local = row[local_code].strip()
        if not local and not row[cup].strip():
            return MeasurePaymentRow(structure(row), amounts(row), extracted)
        return PaymentRow(c.cup(row, cup), local, structure(row), amounts(row), extracted)

    return build


def parse(stream: Iterable[str], name: str = "file") -> Iterator[PaymentRow | MeasurePaymentRow | c.RowError]:
    return c.parse_rows(stream, columns=COLUMNS, bind=bind, name=name)
