"""The headline figures, defined once: each one's key, Italian label and definition ("Come leggere"), and the
PNRR datasets behind it (whose release dates the pages and the API print beside it).

The pages' labels and "how to read" lines, the API's `/territory/summary` and the dates under every figure
block read these definitions, so that a figure has one name and one meaning wherever it appears. The values
are computed by the figures engine (`insights.figures`); this module only says what they are."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE


class Dataset(StrEnum):
    """The PNRR open datasets behind the figures (each with its own release date: `insights.freshness`)."""

    PROJECTS = "projects"
    PLACES = "places"
    PAYMENTS = "payments"
    FINANCIAL_FRAME = "financial_frame"
    MILESTONES = "milestones"


# How a dataset is named in a dates line ("progetti al 24/02/2023 · pagamenti al 31/03/2025").
DATASET_LABELS: dict[Dataset, Promise] = {
    Dataset.PROJECTS: _lazy("progetti"),
    Dataset.PLACES: _lazy("luoghi"),
    Dataset.PAYMENTS: _lazy("pagamenti"),
    Dataset.FINANCIAL_FRAME: _lazy("quadro finanziario"),
    Dataset.MILESTONES: _lazy("milestone e target"),
}

# Which projects count and how much of each goes to the territory: the projects file and their places.
_FUNDING = (Dataset.PROJECTS, Dataset.PLACES)
_PAYMENTS = (Dataset.PROJECTS, Dataset.PLACES, Dataset.PAYMENTS)


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    definition: Promise
    datasets: tuple[Dataset, ...]


def default_rule_label() -> str:
    """The name of the default allocation rule, as the pages say it."""
    return str(DEFAULT_ALLOCATION_RULE.label)


def how_funded() -> str:
    """The "how to read" line of the funding totals of the dashboards."""
    return _(
        "Finanziato non vuol dire pagato: il pagato è quello dell'ultimo rilascio dei pagamenti di ogni "
        "progetto. I progetti in più luoghi contano per la parte attribuita ai comuni del territorio "
        "(regola: %(rule)s)."
    ) % {"rule": default_rule_label()}


FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure(
            "projects",
            _lazy("Progetti"),
            _lazy(
                "Progetti PNRR con almeno un luogo in un comune del territorio, ciascuno contato una volta "
                "anche quando ha più luoghi."
            ),
            _FUNDING,
        ),
        Figure(
            "fin_totale",
            _lazy("Finanziato (totale, nel territorio)"),
            _lazy(
                "Finanziamento totale dei progetti (tutte le fonti), per la parte attribuita ai comuni del "
                "territorio secondo la regola di attribuzione. Finanziato non vuol dire pagato."
            ),
            _FUNDING,
        ),
        Figure(
            "fin_pnrr",
            _lazy("di cui PNRR"),
            _lazy(
                "La parte PNRR del finanziamento, attribuita ai comuni del territorio con la stessa regola."
            ),
            _FUNDING,
        ),
        Figure(
            "paid",
            _lazy("Pagato"),
            _lazy(
                "Pagamenti totali dell'ultimo rilascio dei pagamenti di ogni progetto (zero per i progetti "
                "senza pagamenti), attribuiti al territorio nella stessa proporzione del finanziamento."
            ),
            _PAYMENTS,
        ),
        Figure(
            "progress_pct",
            _lazy("Pagato sul finanziato"),
            _lazy("Il pagato diviso il finanziato (totale, nel territorio), in percentuale con un decimale."),
            _PAYMENTS,
        ),
        Figure(
            "per_resident",
            _lazy("Importo PNRR per residente"),
            _lazy(
                "La parte PNRR del finanziamento attribuita ai comuni del territorio divisa per i loro "
                "residenti (ISTAT)."
            ),
            _FUNDING,
        ),
        Figure(
            "attributed",
            _lazy("Attribuito ai comuni del territorio"),
            _lazy(
                "La somma delle parti del finanziamento totale attribuite ai singoli comuni del territorio: "
                "è il finanziato nel territorio, comune per comune."
            ),
            _FUNDING,
        ),
        Figure(
            "not_attributed",
            _lazy("Non attribuiti a comuni del territorio"),
            _lazy(
                "La parte del finanziamento totale di questi progetti che va a luoghi nazionali, regionali o "
                "di altri territori: non è compresa nel finanziato nel territorio."
            ),
            _FUNDING,
        ),
    )
}

# The datasets of a dashboard's figure block (the totals and the tables beside them).
DASHBOARD_DATASETS: tuple[Dataset, ...] = _PAYMENTS
MILESTONE_DATASETS: tuple[Dataset, ...] = (Dataset.MILESTONES,)


def datasets_of(*keys: str) -> tuple[Dataset, ...]:
    """The datasets behind these figures, each once, in the order of `Dataset`."""
    used = {d for k in keys for d in FIGURES[k].datasets}
    return tuple(d for d in Dataset if d in used)
