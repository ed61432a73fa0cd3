"""The two hand-labelled sets of project → plan objectives (first labeller and independent second labeller,
tests/linking/data/README.md) parse with the evaluation's own reader, name only objectives of the shipped plan
and label exactly the same 108 projects, so their recall figures and agreement are comparable."""

from __future__ import annotations

from pathlib import Path

import pytest

from decimetro.linking.evaluation import GoldRow, read_gold
from decimetro.plan.models import Objective

DATA = Path(__file__).resolve().parent / "data"
GOLD_FILES = ["gold_objectives.csv", "gold_objectives_b.csv"]


def _keys(rows: list[GoldRow]) -> list[tuple[str, str, str]]:
    return [(r.cup, r.local_code, r.submeasure) for r in rows]


@pytest.mark.parametrize("name", GOLD_FILES)
def test_gold_file_parses_with_one_to_three_distinct_objectives(name):
    rows = read_gold(DATA / name)
    assert len(rows) == 108
    keys = _keys(rows)
    assert len(set(keys)) == len(keys), f"{name}: progetti ripetuti"
    for row in rows:
        assert row.cup and row.submeasure, f"{name}, riga {row.line}: chiave incompleta"
        assert 1 <= len(row.objectives) <= 3, f"{name}, riga {row.line}: {row.objectives}"
        assert len(set(row.objectives)) == len(row.objectives), f"{name}, riga {row.line}: obiettivo ripetuto"
        assert row.note.strip(), f"{name}, riga {row.line}: nota mancante"


@pytest.mark.django_db
@pytest.mark.parametrize("name", GOLD_FILES)
def test_gold_file_names_only_objectives_of_the_plan(plan, name):
    known = set(Objective.objects.filter(edition=plan).values_list("code", flat=True))
    assert len(known) == 75
    unknown = {
        (row.line, code) for row in read_gold(DATA / name) for code in row.objectives if code not in known
    }
    assert not unknown, f"{name}: codici obiettivo sconosciuti {sorted(unknown)}"


def test_both_gold_files_label_the_same_projects():
    first, second = (_keys(read_gold(DATA / name)) for name in GOLD_FILES)
    assert set(first) == set(second)
