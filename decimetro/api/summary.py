"""The territory's headline figures (`/territory/summary`) and the schemas they share with the objectives'
progress (`/plan/objectives`): each figure with its value, its Italian label and definition
(`insights.definitions`), the allocation rule and the release date of every dataset behind it.

Amounts are decimal strings in euro with two decimals ("121992.00"), as in the rest of the API; the values
are those of the home page (`insights.summary.territory_summary` reads the home page's dashboard)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from decimetro.api.errors import responses
from decimetro.insights import freshness as fresh
from decimetro.insights.allocation import RULE_NOTES
from decimetro.insights.definitions import FIGURES, Dataset, datasets_of
from decimetro.insights.summary import territory_summary
from decimetro.pnrr.credits import PNRR
from decimetro.territory.credits import ISTAT

router = Router()

ATTRIBUTION = f"{PNRR}; {ISTAT}"
DatasetKey = Literal["projects", "places", "payments", "financial_frame", "milestones"]


class DatasetDateOut(Schema):
    dataset: DatasetKey
    label: str = Field(description="Il nome del dataset, in italiano")
    release_date: date | None = Field(
        description="Data del rilascio dei dati (null se i file non la indicano)"
    )
    imported_on: date | None = Field(description="Giorno dell'ultima importazione riuscita")


class FigureOut(Schema):
    key: str
    label: str
    definition: str = Field(description="Come leggere la cifra")
    value: Decimal | int | float | None = Field(
        description="Importi in euro (stringa con due decimali), percentuali con un decimale, conteggi interi"
    )
    unit: Literal["€", "€/residente", "%", "progetti"]
    datasets: list[DatasetKey] = Field(
        description="I dataset da cui è calcolata (le loro date in `datasets`)"
    )


class RuleOut(Schema):
    key: Literal["full", "equal", "population"]
    label: str
    note: str


class TerritorySummaryOut(Schema):
    figures: dict[str, FigureOut]
    population: int | None = Field(description="Residenti dei comuni del territorio (ISTAT)")
    rule: RuleOut
    datasets: list[DatasetDateOut]
    attribution: str


def dataset_dates_out(dates: fresh.DatasetDates, datasets: tuple[Dataset, ...]) -> list[dict[str, Any]]:
    return [
        {
            "dataset": d.dataset.value,
            "label": d.label,
            "release_date": d.release_date,
            "imported_on": d.imported_on,
        }
        for d in dates.of(datasets)
    ]


UNITS = {"per_resident": "€/residente", "progress_pct": "%", "projects": "progetti"}


def _figure(key: str, value: Decimal | int | float | None) -> dict[str, Any]:
    f = FIGURES[key]
    return {
        "key": key,
        "label": str(f.label),
        "definition": str(f.definition),
        "value": value,
        "unit": UNITS.get(key, "€"),
        "datasets": [d.value for d in f.datasets],
    }


@router.get(
    "/summary",
    response=responses(TerritorySummaryOut, 404),
    summary="Le cifre principali del territorio, con definizioni e date dei dati",
    description=(
        "Le cifre della pagina iniziale: i progetti PNRR delle componenti del piano con almeno un luogo in "
        "un comune del territorio. Ogni cifra (`figures`) ha il valore, l'etichetta e la definizione in "
        "italiano e i dataset da cui è calcolata; `datasets` dà la data di rilascio di ciascuno "
        "(progetti, luoghi e pagamenti hanno rilasci diversi); `rule` è la regola di attribuzione dei "
        "progetti con più luoghi. "
        "Cifre: `projects`, `fin_totale` (finanziato, totale nel territorio), `fin_pnrr` (di cui PNRR), "
        "`paid` (pagato), `progress_pct` (pagato sul finanziato, %), `per_resident` (PNRR per residente), "
        "`attributed` (attribuito ai comuni), `not_attributed` (non attribuibile a comuni del territorio). "
        "404 se il piano non è caricato. " + ATTRIBUTION
    ),
)
def territory_summary_view(request: HttpRequest) -> dict[str, Any]:
    s = territory_summary()
    if s is None:
        raise HttpError(404, "Nessuna edizione del piano caricata")
    t = s.totals
    values: dict[str, Decimal | int | float | None] = {
        "projects": t.projects,
        "fin_totale": t.funded,
        "fin_pnrr": t.funded_pnrr,
        "paid": t.paid,
        "progress_pct": t.paid_share,
        "per_resident": s.per_resident,
        "attributed": s.attributed,
        "not_attributed": t.not_attributed,
    }
    return {
        "figures": {key: _figure(key, value) for key, value in values.items()},
        "population": s.population,
        "rule": {"key": s.rule.value, "label": str(s.rule.label), "note": str(RULE_NOTES[s.rule])},
        "datasets": dataset_dates_out(s.dates, datasets_of(*values)),
        "attribution": ATTRIBUTION,
    }
