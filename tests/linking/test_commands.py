"""Commands: linking_suggest (territory or --all, --if-missing, summary) and linking_evaluate_objectives on
the committed gold set (well-formed; recall@3 of the full ranking reaches the goal of 9 projects in 10)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from decimetro.linking.evaluation import evaluate, read_gold
from decimetro.linking.management.commands.linking_evaluate_objectives import DEFAULT_GOLD
from decimetro.linking.models import ProjectObjectiveLink
from decimetro.linking.services import crosswalk_load
from decimetro.plan.models import Objective
from decimetro.pnrr.services import BUNDLED_FILES, pnrr_import_file
from tests.linking.fixtures import make_project


def test_linking_suggest_territory_only_unless_all(plan, measures, comune_a):
    inside = make_project(measures["casa"], title="Casa della comunità", synthesis="", comune=comune_a)
    outside = make_project(measures["casa"], title="Casa della comunità altrove", synthesis="")
    out = StringIO()
    call_command("linking_suggest", stdout=out)
    assert "progetti 1, creati 3" in out.getvalue()
    assert ProjectObjectiveLink.objects.filter(project=inside).count() == 3
    assert not ProjectObjectiveLink.objects.filter(project=outside).exists()
    out = StringIO()
    call_command("linking_suggest", if_missing=True, stdout=out)
    assert "già presenti" in out.getvalue()
    call_command("linking_suggest", all=True, stdout=StringIO())
    assert ProjectObjectiveLink.objects.filter(project=outside).count() == 3


@pytest.fixture
def bundled(plan):
    for path in (BUNDLED_FILES[0], BUNDLED_FILES[2]):
        pnrr_import_file(path=path)
    crosswalk_load()


def test_gold_set_is_well_formed(bundled):
    gold = read_gold(DEFAULT_GOLD)
    assert len(gold) >= 100
    codes = set(Objective.objects.values_list("code", flat=True))
    assert all(set(row.objectives) <= codes for row in gold)
    assert len({(r.cup, r.local_code, r.submeasure) for r in gold}) == len(gold)
    missions = {code.split(".")[0] for row in gold for code in row.objectives}
    assert missions == {"M1", "M2", "M3", "M4", "M5", "M6"}
    result = evaluate(gold)
    assert result.missing == []  # every gold row is a project of the bundled extract


def test_recall_at_3_reaches_the_goal(bundled):
    result = evaluate(read_gold(DEFAULT_GOLD))
    assert result.recall3 >= 0.9
    out = StringIO()
    call_command("linking_evaluate_objectives", stdout=out)
    assert "recall@3" in out.getvalue() and "completo" in out.getvalue()
