"""insights.areas and the rule reader of insights.params: the figures of a comune or zone page, outside the
views (the views add only their links)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from decimetro.insights.allocation import AllocationRule
from decimetro.insights.areas import area_pnrr, area_where
from decimetro.insights.params import allocation_rule_from


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("ripartizione=full", AllocationRule.FULL),
        ("ripartizione=population", AllocationRule.POPULATION),
        ("ripartizione=nope", AllocationRule.EQUAL),
        ("", AllocationRule.EQUAL),
    ],
)
def test_allocation_rule_from_the_query_string(query, rule):
    assert allocation_rule_from(QueryDict(query)) == rule


def test_area_pnrr_and_where_it_stands_under_the_same_rule(map_projects):
    alfa = map_projects["alfa"]
    with CaptureQueriesContext(connection) as ctx:
        pnrr = area_pnrr(comuni=[alfa], rule=AllocationRule.FULL)
    assert len(ctx) == 2  # the area's places, the largest projects
    assert pnrr["rule"] == pnrr["totals"].rule == AllocationRule.FULL
    assert pnrr["totals"].total == Decimal("190000.00")  # p1 and p2, each in full
    assert [(m["code"], m["projects"], m["per_resident"]) for m in pnrr["missions"]] == [
        ("M1", 2, Decimal("19.00"))
    ]
    assert "list_url" not in pnrr  # the view's link, not a figure
    where = area_where(key=alfa.codice_istat, totals=pnrr["totals"])
    assert where["data"].rule == AllocationRule.FULL
    assert where["area"].key == alfa.codice_istat
    assert where["mix"]["spec"]["labels"] == ["M1 Missione M1"]
