"""insights.allocation: the Python form and the SQL form of the rule give the same shares on the same data."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection

from decimetro.insights.allocation import (
    PROJECT_STATS_SQL,
    AllocationRule,
    not_attributed_sql,
    share_sql,
    split,
)
from decimetro.pnrr.models import Place
from decimetro.territory.models import Comune
from tests.factories import ComuneFactory, PlaceFactory, ProjectFactory, ZoneFactory

ONE = Decimal(1)


def _national(project):
    return PlaceFactory(project=project, comune=None, istat_code="", region_code="0", province_code="")


@pytest.fixture
def projects(db):
    """Alfa (10 000 residents), Beta (30 000), Gamma (population unknown). Projects:
    p1 in Alfa only; p2 in Alfa, Beta and a national place; p3 in Beta and Gamma (POPULATION falls back);
    p4 in Alfa and a comune that is not in the database (POPULATION falls back); p5 only a national and a
    regional place (nothing to any comune)."""
    zone = ZoneFactory()
    alfa = ComuneFactory(zone=zone, population_resident=10_000)
    beta = ComuneFactory(zone=zone, population_resident=30_000)
    gamma = ComuneFactory(zone=zone, population_resident=None)
    p1, p2, p3, p4, p5 = (ProjectFactory() for _ in range(5))
    PlaceFactory(project=p1, comune=alfa)
    PlaceFactory(project=p2, comune=alfa)
    PlaceFactory(project=p2, comune=beta)
    _national(p2)
    PlaceFactory(project=p3, comune=beta)
    PlaceFactory(project=p3, comune=gamma)
    PlaceFactory(project=p4, comune=alfa)
    PlaceFactory(project=p4, comune=None, istat_code="058091", comune_name="ROMA", region_code="12")
    _national(p5)
    PlaceFactory(project=p5, comune=None, istat_code="", region_code="3", province_code="0")
    return {"comuni": (alfa, beta, gamma), "projects": (p1, p2, p3, p4, p5)}


def _python(project_ids, rule):
    """Per project: (comune id → fraction of the amount, fraction not attributed, fallback), Python form."""
    places = defaultdict(list)
    rows = Place.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "comune_id", "istat_code", "comune__population_resident"
    )
    for pid, cid, istat, pop in rows:
        places[pid].append((cid, istat, pop))
    out = {}
    for pid, project_places in places.items():
        s = split(project_places, rule)
        out[pid] = (s.parts(ONE), s.not_attributed(ONE), s.fallback)
    return out


def _sql(project_ids, rule):
    """The same from the SQL form (as the Web GIS aggregate uses it)."""
    place, comune = Place._meta.db_table, Comune._meta.db_table
    ids = ", ".join(str(int(pk)) for pk in project_ids)
    with_ = f"""
WITH o AS (
  SELECT pl.project_id, pl.comune_id, pl.istat_code, c.population_resident AS pop
  FROM {place} pl LEFT JOIN {comune} c ON c.id = pl.comune_id
  WHERE pl.project_id IN ({ids})
), s AS (
  SELECT o.project_id, {PROJECT_STATS_SQL} FROM o GROUP BY o.project_id
)"""  # noqa: S608 (table names and integer ids)
    parts: dict[int, dict[int, float]] = defaultdict(dict)
    not_attributed: dict[int, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"{with_} SELECT o.project_id, o.comune_id, {share_sql(rule)} "  # noqa: S608
            "FROM o JOIN s ON s.project_id = o.project_id WHERE o.comune_id IS NOT NULL"
        )
        for pid, cid, share in cursor.fetchall():
            parts[pid][cid] = float(share)  # a Decimal on PostgreSQL, a float on SQLite
        cursor.execute(f"{with_} SELECT project_id, {not_attributed_sql(rule, '1.0')} FROM s")  # noqa: S608
        for pid, value in cursor.fetchall():
            not_attributed[pid] = value
    return parts, not_attributed


@pytest.mark.parametrize("rule", list(AllocationRule))
def test_python_and_sql_forms_give_the_same_shares(projects, rule):
    ids = [p.pk for p in projects["projects"]]
    python = _python(ids, rule)
    sql_parts, sql_not_attributed = _sql(ids, rule)
    assert set(python) == set(sql_not_attributed) == set(ids)
    for pid in ids:
        parts, not_attributed, _fallback = python[pid]
        assert {c: float(v) for c, v in parts.items()} == pytest.approx(sql_parts.get(pid, {}), rel=1e-12)
        assert float(not_attributed) == pytest.approx(float(sql_not_attributed[pid]), rel=1e-12, abs=1e-12)


def test_the_shares_of_each_rule(projects):
    alfa, beta, gamma = (c.pk for c in projects["comuni"])
    p1, p2, p3, p4, p5 = (p.pk for p in projects["projects"])
    equal = _python([p1, p2, p3, p4, p5], AllocationRule.EQUAL)
    assert equal[p2][0] == {alfa: ONE / 3, beta: ONE / 3} and equal[p2][1] == ONE / 3
    assert equal[p5] == ({}, ONE, False)  # only non-comune places: all of it is not attributed
    population = _python([p1, p2, p3, p4], AllocationRule.POPULATION)
    # p2: the national third is set apart, the rest split 1:3 by residents.
    assert population[p2][0] == {alfa: ONE * 2 / 3 * 10_000 / 40_000, beta: ONE * 2 / 3 * 30_000 / 40_000}
    assert population[p2][2] is False
    assert population[p3] == ({beta: ONE / 2, gamma: ONE / 2}, 0, True)  # Gamma has no population
    assert population[p4][2] is True  # Roma is not in the database: no population
    full = _python([p2], AllocationRule.FULL)
    assert full[p2] == ({alfa: ONE, beta: ONE}, 0, False)


@pytest.mark.parametrize("rule", [AllocationRule.EQUAL, AllocationRule.POPULATION])
def test_an_area_gets_the_sum_of_its_comuni(projects, rule):
    """`share` of an area is the sum of its comuni's `parts`; under FULL it is the whole amount, once."""
    alfa, beta, _gamma = projects["comuni"]
    p2 = projects["projects"][1]
    places = [
        (p.comune_id, p.istat_code, p.comune.population_resident if p.comune else None)
        for p in p2.places.all()
    ]
    s = split(places, rule)
    amount = Decimal("90000")
    assert s.share(amount, {alfa.pk, beta.pk}) == pytest.approx(sum(s.parts(amount).values()))
    assert s.share(amount, {alfa.pk, beta.pk}) + s.not_attributed(amount) == pytest.approx(amount)
    assert split(places, AllocationRule.FULL).share(amount, {alfa.pk, beta.pk}) == amount
