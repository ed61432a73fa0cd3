"""Objective suggestions from text alone (issue 18): measured on projects labelled by plan objective.

The labels: a project's objectives are the crosswalk's objectives of its PNRR measure
(`data/crosswalk.yaml`, the staff's measure → objective rules, the same rows `setup_data` loads). The texts:
title + synthesis of the held-out projects (never seen by the classifier), **without** the measure, its name
or the crosswalk: the ranking gets only the text and the classifier's component probabilities.

`component_prior` turns the crosswalk into a text-free prior: for a component, the share of its crosswalked
measures that list each objective. With the classifier's component probabilities it gives a soft crosswalk
(Σ_c P(c | text) · share(objective | c)) for a text that has no measure — what the ranking uses when no
measure is declared (`ranking.component_prior`, `ranking.ObjectiveIndex.rank(prior=…)`).

Pure of the database: the plan's objectives are read from the plan file, so the benchmark runs anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from decimetro.linking.ranking import ObjectiveDoc, ObjectiveIndex, component_prior, soft_crosswalk

__all__ = ["component_prior", "crosswalk", "objective_recall", "plan_index", "soft_crosswalk"]

PLAN_FILE = Path(__file__).resolve().parents[1] / "plan" / "data" / "psttm_2022_2024.yaml"
CROSSWALK_FILE = Path(__file__).resolve().parent / "data" / "crosswalk.yaml"


def plan_index(path: Path = PLAN_FILE) -> ObjectiveIndex:
    """The objective index of the plan file (the same texts the database holds after `setup_data`)."""
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    objectives: list[ObjectiveDoc] = []
    component_mission: dict[str, str] = {}
    background: list[str] = []
    for mission in plan["missions"]:
        code = mission["code"]
        background.append(f"{mission['title']} {mission.get('introduction', '')}")
        for component in mission.get("components", []):
            component_mission[component["code"].upper()] = code
            background.append(component["title"])
        for objective in mission.get("objectives", []):
            objectives.append(ObjectiveDoc(f"{code}.{objective['number']}", code, objective["title"]))
    return ObjectiveIndex.build(objectives, component_mission, background)


def crosswalk(path: Path = CROSSWALK_FILE) -> dict[str, set[str]]:
    """measure code → objective codes."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(m).upper(): {str(e["objective"]).upper() for e in entries} for m, entries in data.items()}


@dataclass
class Recall:
    n: int = 0
    hit1: int = 0
    hit3: int = 0

    @property
    def at1(self) -> float:
        return self.hit1 / self.n if self.n else 0.0

    @property
    def at3(self) -> float:
        return self.hit3 / self.n if self.n else 0.0


class _Example(Protocol):  # training_data.Example
    @property
    def text(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def sources(self) -> frozenset[str]: ...


def objective_recall(
    model,
    examples: Sequence[_Example],
    *,
    index: ObjectiveIndex,
    labels: dict[str, set[str]],
    prior: dict[str, dict[str, float]] | None,
) -> Recall:
    """Recall@1/@3 of the text-only ranking on the projects whose measure has crosswalk objectives."""
    result = Recall()
    for ex in examples:
        gold = labels.get(ex.measure.upper())
        if not gold or "progetti" not in ex.sources:
            continue
        scores = model.classify(ex.text).component_scores if model is not None else {}
        soft = soft_crosswalk(scores, prior) if prior is not None else None
        ranked = [code for code, _ in index.rank(text=ex.text, component_scores=scores, prior=soft, limit=3)]
        result.n += 1
        result.hit1 += bool(ranked[:1] and ranked[0] in gold)
        result.hit3 += any(code in gold for code in ranked[:3])
    return result
