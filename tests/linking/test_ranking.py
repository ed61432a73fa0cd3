"""The objective ranking: real project texts rank sensible objectives; the component restricts; the
crosswalk brings its objectives first; scores are in [0, 1] and sorted; the index is cached."""

from __future__ import annotations

import pytest

from decimetro.linking import ranking
from decimetro.linking.ranking import analyse, objective_index, rank_objectives
from decimetro.plan.models import Objective


def codes(ranked: list[tuple[str, float]]) -> list[str]:
    return [code for code, _ in ranked]


def test_analyse_folds_accents_strips_codes_and_stems():
    tokens = analyse("Digitalizzazione dei servizi digitali (M1C1I1.02, Investimento 1.2) — Comunità")
    assert tokens == ["digital", "serviz", "digital", "comun"]


@pytest.mark.django_db
def test_no_plan_no_ranking():
    assert rank_objectives(text="casa della comunità", component_scores={}) == []


def test_text_alone_ranks_the_objective_that_says_it(plan):
    # A cycle-path project text, with no component and no measure.
    ranked = rank_objectives(text="Realizzazione di una pista ciclabile tra Rho e Pero", component_scores={})
    assert codes(ranked)[0] == "M3.6"


def test_real_project_with_declared_measure_and_crosswalk(linked):
    text = "REALIZZAZIONE DI UNA CASA DI COMUNITÀ NELL'AREA DI VIALE JENNER 44 A MILANO"
    ranked = rank_objectives(text=text, component_scores={}, measure_code="M6C1I1.01")
    assert codes(ranked)[0] == "M6.1"
    # A sub-measure code works as well.
    assert codes(rank_objectives(text=text, component_scores={}, measure_code="M6C1I1.01.00"))[0] == "M6.1"


def test_predicted_component_ranks_within_its_mission(plan):
    # As the classifier would call it: no measure, predicted component scores.
    ranked = rank_objectives(
        text="Migrazione al cloud dei servizi digitali dell'amministrazione comunale",
        component_scores={"M1C1": 0.9, "M4C2": 0.1},
        limit=5,
    )
    assert codes(ranked)[0].startswith("M1.")
    assert all(code.split(".")[0] in {"M1", "M4"} for code in codes(ranked))


@pytest.mark.parametrize("component", ["M2C4", "M3C1", "M6C1", "M5C2"])
def test_component_restricts_the_candidates_to_its_mission(plan, component):
    ranked = rank_objectives(
        text="Realizzazione di una pista ciclabile e di un parco", component_scores={component: 1.0}, limit=10
    )
    assert ranked, component
    assert {code.split(".")[0] for code in codes(ranked)} == {component[:2]}


def test_crosswalk_brings_an_objective_of_another_mission(linked):
    # M2C2I4.02 (tram) is a PNRR M2 measure; the crosswalk sends it to the plan's M3 objectives.
    ranked = rank_objectives(
        text="FORNITURA DI 14 TRAM BIDIREZIONALI", component_scores={}, measure_code="M2C2I4.02", limit=3
    )
    assert set(codes(ranked)[:2]) == {"M3.1", "M3.2"}


def test_scores_in_unit_interval_sorted_and_limited(linked):
    for limit in (1, 3, 7):
        ranked = rank_objectives(
            text="casa di comunità e servizi sociali",
            component_scores={"M6C1": 0.7, "M5C2": 0.3},
            limit=limit,
        )
        assert len(ranked) <= limit
        scores = [score for _, score in ranked]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_unknown_measure_falls_back_to_the_components(plan):
    ranked = rank_objectives(text="pista ciclabile", component_scores={"M3C1": 1.0}, measure_code="M9C9I9.99")
    assert codes(ranked)[0] == "M3.6"


def test_index_is_cached_and_rebuilt_when_an_objective_changes(plan):
    first = objective_index()
    assert objective_index() is first
    objective = Objective.objects.get(code="M3.6")
    objective.title = "Rete di piste per le biciclette"
    objective.save()
    second = objective_index()
    assert second is not first
    assert ranking.rank_objectives(text="biciclette", component_scores={})[0][0] == "M3.6"


def test_plan_synonyms_bridge_pnrr_words_to_the_plan_wording(plan):
    # "filobus" never appears in the plan: the synonyms map it to "trasporto pubblico"; without them the text
    # shares only generic words ("nuovi") with the objectives.
    assert "pubblic" in analyse("Acquisto di 10 nuovi filobus")
    ranked = rank_objectives(text="Acquisto di 10 nuovi filobus da 18 metri", component_scores={})
    assert {"M3.1", "M3.2"} & set(codes(ranked))
