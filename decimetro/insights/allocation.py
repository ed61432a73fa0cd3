"""The allocation rule of multi-place projects: which part of a project's amount each of its places gets.

Every figure that splits a project among places goes through this module, so the rule is written once here,
in its two forms side by side:
- the Python form (`split`), used by the area totals and the dashboards (`insights.figures`);
- the SQL form (`PROJECT_STATS_SQL`, `share_sql`, `not_attributed_sql`), used by the Web GIS aggregate
  (`insights.map`), which computes every comune of the map in one statement.
`tests/insights/test_allocation.py` checks that both forms give the same shares on the same data, for each
rule.

The rules (`AllocationRule`; the reader chooses one with `?ripartizione=`, every total states its rule):
- FULL ("importo pieno"): each place gets the whole amount; a project counts once in an area's total, but
  the same euro is counted again in every other comune or zone of the project.
- EQUAL ("ripartizione uguale", the default): the amount is split equally among the project's n places. The
  shares of the places that are not a comune (AMBITO NAZIONALE, a whole region or province) are *not
  attributed* to any comune: they are counted apart (`not_attributed`), not dropped.
- POPULATION ("ripartizione per popolazione"): the shares of the non-comune places are set aside as under
  EQUAL; the rest is split among the project's comuni in proportion to their residents. When a comune of the
  project has no known population, the project falls back to EQUAL (`Split.fallback`, counted by the area
  totals in `population_fallbacks`).

A project's places are those of its own provenance (`Place.dataset == Project.provenance`). For the rule a
place is `(comune id or None, ISTAT comune code or "", residents or None)`; the callers say what counts as a
comune place. The area totals and the map take every place with an ISTAT comune code (a comune outside the
loaded territory has no population: POPULATION falls back); the dashboards take only the comuni of the
territory (a place elsewhere counts as not a comune). Under EQUAL (the default) the two give the same shares.

"Not attributed" (`Split.outside`, `outside_sql`) is one figure everywhere: the part of a project that goes
to no comune of the territory (national, regional, provincial places and comuni of other territories),
counted for the projects located in the area — on a comune's page, not the shares of the other comuni of the
territory. The home page and the API state it on the total funding, the map and the area pages on the PNRR
share (their label says "PNRR"). `Split.not_attributed` (non-comune places only) is what the rule sets
aside before splitting by population.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class AllocationRule(models.TextChoices):
    FULL = "full", _("importo pieno a ogni luogo")
    EQUAL = "equal", _("ripartizione uguale tra i luoghi")
    POPULATION = "population", _("ripartizione per popolazione residente")


DEFAULT_ALLOCATION_RULE = AllocationRule.EQUAL

# The rule as the pages, the API and the exports state it to the reader.
RULE_NOTES = {
    AllocationRule.EQUAL: _(
        "L'importo di ogni progetto è diviso in parti uguali tra i suoi luoghi; la quota dei luoghi non "
        "comunali "
        "(ambito nazionale, regione, provincia) non è attribuita a nessun comune ed è contata a parte."
    ),
    AllocationRule.FULL: _(
        "Ogni luogo riceve l'intero importo del progetto: lo stesso euro è contato anche negli altri comuni "
        "del "
        "progetto, quindi i totali di comuni diversi non vanno sommati."
    ),
    AllocationRule.POPULATION: _(
        "L'importo è diviso tra i luoghi; la quota dei luoghi non comunali (ambito nazionale, regione, "
        "provincia) non è attribuita a nessun comune; il resto è diviso tra i comuni del progetto in "
        "proporzione "
        "ai residenti."
    ),
}

ZERO = Decimal("0")
ONE = Decimal(1)

# One place of a project: (comune id or None, ISTAT comune code or "" for a non-comune place, residents).
PlaceKey = tuple[int | None, str, int | None]


# The Python form --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One project's places under a rule. Every amount is computed as `amount * count / n` (EQUAL and the
    POPULATION fallback) or `(amount - not attributed) * residents / residents of the project's comuni`
    (POPULATION), in Decimal, so that a total is the same to the cent wherever it is computed."""

    rule: AllocationRule
    places: Sequence[PlaceKey]
    n: int  # places
    non_comune: int  # places that are not a comune
    population: int  # residents of the project's comune places (POPULATION only)
    by_population: bool  # POPULATION with every comune place's population known

    @property
    def fallback(self) -> bool:
        """POPULATION fell back to EQUAL (a comune of the project has no known population)."""
        return self.rule == AllocationRule.POPULATION and not self.by_population

    def not_attributed(self, amount: Decimal) -> Decimal:
        """The part of `amount` that goes to no comune (the non-comune places' shares; none under FULL)."""
        if self.rule == AllocationRule.FULL:
            return ZERO
        return amount * self.non_comune / self.n

    def outside(self, amount: Decimal, territory: Container[int | None]) -> Decimal:
        """The part of `amount` that goes to no comune of `territory` (the comune ids of the territory): the
        non-comune places' shares and those of comuni of other territories ("non attribuito a comuni del
        territorio"; none under FULL). The same whatever area of the territory the project is counted in."""
        if self.rule == AllocationRule.FULL:
            return ZERO
        return amount - self.share(amount, territory)

    def share(self, amount: Decimal, area: Container[int | None]) -> Decimal:
        """The part of `amount` that goes to the places whose comune id is in `area`."""
        mine = [residents for comune, _istat, residents in self.places if comune in area]
        return self._part(amount, len(mine), sum(r or 0 for r in mine))

    def fraction(self, area: Container[int | None]) -> Decimal:
        """The fraction of the project (0..1) that goes to `area`, by which the dashboards weigh its amounts
        and payments: `share(1, area)` — `k / n` under EQUAL, the same arithmetic as the area totals."""
        return min(self.share(ONE, area), ONE)

    def parts(self, amount: Decimal) -> dict[int, Decimal]:
        """The part of `amount` that goes to each comune of the project (comune id → part): the same as
        `share(amount, {comune})` for each, in one pass."""
        return {c: self._part(amount, 1, r or 0) for c, _istat, r in self.places if c is not None}

    def _part(self, amount: Decimal, places: int, residents: int) -> Decimal:
        if self.rule == AllocationRule.FULL:
            return amount if places else ZERO
        if self.by_population:
            return (amount - self.not_attributed(amount)) * residents / self.population
        return amount * places / self.n


def split(places: Sequence[PlaceKey], rule: AllocationRule | str) -> Split:
    """The rule applied to a project's places (at least one)."""
    rule = AllocationRule(rule)
    comune_residents = [residents for _c, istat, residents in places if istat]
    population = sum(r or 0 for r in comune_residents)
    return Split(
        rule=rule,
        places=places,
        n=len(places),
        non_comune=len(places) - len(comune_residents),
        population=population,
        by_population=rule == AllocationRule.POPULATION and all(comune_residents) and population > 0,
    )


# The SQL form -----------------------------------------------------------------------------------------------

FLOAT = "DOUBLE PRECISION"  # a REAL column on SQLite, float8 on PostgreSQL

# Per project (GROUP BY the project) over its own places `o` — columns `istat_code` ('' for a non-comune
# place) and `pop` (the comune's residents, NULL when unknown) —: what the rule needs to know of the project.
PROJECT_STATS_SQL = """COUNT(*) AS n,
         SUM(CASE WHEN o.istat_code = '' THEN 1 ELSE 0 END) AS nonc,
         SUM(CASE WHEN o.istat_code <> '' AND (o.pop IS NULL OR o.pop = 0) THEN 1 ELSE 0 END) AS missing,
         SUM(CASE WHEN o.istat_code <> '' THEN o.pop ELSE 0 END) AS popsum"""


def share_sql(rule: AllocationRule) -> str:
    """The fraction of its project's amount that a place `o` gets, `s` being its project's row of
    `PROJECT_STATS_SQL` (`split(...).parts(1)` in Python)."""
    if rule == AllocationRule.FULL:
        return "1.0"
    equal = f"1.0 / CAST(s.n AS {FLOAT})"
    if rule == AllocationRule.EQUAL:
        return equal
    return (
        f"CASE WHEN s.missing = 0 AND s.popsum > 0 THEN CAST(s.n - s.nonc AS {FLOAT}) / s.n "
        f"* CAST(o.pop AS {FLOAT}) / s.popsum ELSE {equal} END"
    )


def outside_sql(rule: AllocationRule, amount: str = "amount", inside: str = "inside") -> str:
    """The part of a project's `amount` that goes to no comune of the territory, `inside` being the sum of
    `share_sql(rule)` over its places in a comune of the territory (`split(...).outside(amount, territory)`
    in Python)."""
    if rule == AllocationRule.FULL:
        return "0.0"
    return f"({amount} - {amount} * {inside})"


def not_attributed_sql(rule: AllocationRule, amount: str = "amount") -> str:
    """The part of a project's `amount` that goes to no comune, from its row of `PROJECT_STATS_SQL` (columns
    `n`, `nonc`; `split(...).not_attributed(amount)` in Python)."""
    if rule == AllocationRule.FULL:
        return "0.0"
    return f"{amount} * nonc / CAST(n AS {FLOAT})"
