"""Classify a free text (a staff note, a new project, a tender): PNRR mission and component from the trained
classifier, and the plan's objectives ranked by `ranking.rank_objectives` with the predicted components."""

from __future__ import annotations

from dataclasses import dataclass

from decimetro.linking.classifier import ModelError, load_current
from decimetro.linking.ranking import rank_objectives

MAX_TEXT_CHARS = 5000
TOP = 3

__all__ = ["MAX_TEXT_CHARS", "Classification", "ModelError", "classify_text"]


@dataclass(frozen=True)
class Classification:
    mission: list[tuple[str, float]]
    component: list[tuple[str, float]]
    objectives: list[tuple[str, float]]
    model_version: str


def classify_text(text: str, *, limit: int = TOP) -> Classification:
    """Top `limit` missions, components and objectives with scores in [0, 1], best first.

    Raises ModelError when no usable model is installed and ValueError for an empty or oversize text.
    """
    if not text.strip():
        raise ValueError("il testo è vuoto")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"il testo è troppo lungo ({len(text)} caratteri, al massimo {MAX_TEXT_CHARS})")
    model = load_current()
    prediction = model.classify(text, limit=limit)
    objectives = rank_objectives(text=text, component_scores=prediction.component_scores, limit=limit)
    return Classification(
        mission=prediction.mission,
        component=prediction.component,
        objectives=[(code, min(1.0, max(0.0, float(score)))) for code, score in objectives],
        model_version=str(model.manifest.get("model_version", "")),
    )
