"""Rank the plan's strategic objectives for a text (a PNRR project, a staff note, a tender).

Three pieces of evidence, each in [0, 1], are combined by a weighted mean over the evidence available:

- **crosswalk** (weight 0.5): the objective is listed for the project's PNRR measure in the staff-edited
  measure → objective crosswalk (`MeasureObjective`). Only when a measure is given and has crosswalk rows.
- **component** (weight 0.25): the probability that the text belongs to the plan mission of the objective,
  from the PNRR component (declared: the measure's own component; or predicted: `component_scores`). The
  plan's Components carry the PNRR codes (M1C1…) and belong to the plan's missions M1..M6.
- **text** (weight 0.25): TF-IDF cosine similarity between the text and the objective's wording, relative to
  the best-matching objective (so the best one scores 1). Italian tokens, a small stop-word list, a short
  list of PNRR words mapped to the plan's wording (`SYNONYMS`) and a light stemmer; the IDF is fitted on
  the 75 objectives plus the missions' and components' texts, cached.

When a component is known, candidates are the objectives of its mission(s) plus the crosswalk's objectives
(the component restricts); with no component and no measure, every objective is a candidate.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

WEIGHT_CROSSWALK = 0.5
WEIGHT_COMPONENT = 0.25
WEIGHT_TEXT = 0.25

STOP_WORDS = frozenset(
    """
    a ad al alla alle allo agli ai anche ancora che chi con col coi da dal dalla dalle dallo dagli dai
    degli dei del della delle dello di e ed es etc fra gli i il in la le lo loro ma nel nella nelle
    nello negli nei non o od per piu po quale quali quella quelle quello quelli questa queste questo
    questi se si sia sono su sul sulla sulle sullo sugli sui tra tutti tutte tutto un una uno cui come
    dove ecc nonche ovvero oppure presso essere stato stati via viale piazza n nr srl spa scarl snc sas
    progetto progetti intervento interventi realizzazione attivita ambito fine relativo relativa
    relativi relative ogni altre altri altro
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Longest first: light Italian stemming, enough to join digitale/digitali/digitalizzazione's stems.
_SUFFIXES = (
    "izzazioni",
    "atrici",
    "atrice",
    "atori",
    "atore",
    "izzazione",
    "azioni",
    "azione",
    "zioni",
    "zione",
    "mente",
    "menti",
    "mento",
    "ita",
)
_TOKEN = re.compile(r"[a-z]+")
_CODE = re.compile(r"\bm\d+c\d+\S*|\binvestimento\s+\d+(\.\d+)*|\briforma\s+\d+(\.\d+)*", re.I)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def stem(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            token = token[: -len(suffix)]
            break
    stripped = token.rstrip("aeiou")
    return stripped if len(stripped) >= 3 else token


# Words of PNRR project texts → the words the plan uses for the same thing (general vocabulary, per theme,
# never per project). Applied to project texts and objectives alike, after folding, before stemming.
SYNONYMS: dict[str, str] = {
    "cloud": "digitalizzazione piattaforma",
    "sito": "e-government",
    "web": "e-government",
    "pagopa": "e-government",
    "spid": "e-government",
    "anpr": "e-government",
    "software": "digitalizzazione",
    "informatico": "digitalizzazione",
    "informatici": "digitalizzazione",
    "dottorato": "ricerca universita",
    "dottorati": "ricerca universita",
    "ricercatori": "ricerca",
    "prin": "ricerca",
    "ospedale": "sanitari",
    "ospedaliero": "sanitari",
    "ospedaliera": "sanitari",
    "clinica": "sanitari",
    "asst": "sanitari",
    "tram": "trasporto pubblico",
    "tranviaria": "trasporto pubblico",
    "filobus": "trasporto pubblico",
    "autobus": "trasporto pubblico",
    "metrotranvia": "trasporto pubblico",
    "asilo": "servizi prossimita",
    "nido": "servizi prossimita",
    "infanzia": "servizi prossimita",
    "mensa": "cibo",
    "mense": "cibo",
    "fiere": "internazionali competitivita",
    "internazionalizzazione": "internazionali competitivita",
    "export": "internazionali competitivita",
    "imprese": "sistema produttivo",
    "pmi": "sistema produttivo",
}


def analyse(text: str) -> list[str]:
    """Tokens of an Italian text: folded accents, PNRR codes removed, plan synonyms added, stop words out,
    light stems."""
    text = _CODE.sub(" ", _fold(text))
    words: list[str] = []
    for token in _TOKEN.findall(text):
        words.append(token)
        words.extend(SYNONYMS.get(token, "").split())
    return [stem(t) for t in words if len(t) > 2 and t not in STOP_WORDS]


@dataclass(frozen=True)
class ObjectiveDoc:
    code: str
    mission: str
    text: str


@dataclass
class ObjectiveIndex:
    """The fitted text model over one edition's objectives (immutable once built)."""

    objectives: list[ObjectiveDoc]
    component_mission: dict[str, str]
    vectorizer: TfidfVectorizer
    matrix: np.ndarray = field(repr=False)
    prior: dict[str, dict[str, float]] = field(default_factory=dict)  # component → objective share

    @classmethod
    def build(
        cls,
        objectives: list[ObjectiveDoc],
        component_mission: dict[str, str],
        background: Iterable[str] = (),
    ) -> ObjectiveIndex:
        vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, norm="l2")
        corpus = [o.text for o in objectives] + list(background)
        vectorizer.fit(corpus)
        matrix = vectorizer.transform([o.text for o in objectives]).toarray()
        return cls(objectives, component_mission, vectorizer, matrix)

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity (stemmed-word TF-IDF) of the text to each objective."""
        vec = self.vectorizer.transform([text]).toarray()[0]
        return np.asarray(self.matrix @ vec)

    def rank(
        self,
        *,
        text: str,
        component_scores: dict[str, float],
        crosswalk: Iterable[str] = (),
        prior: dict[str, float] | None = None,
        limit: int = 3,
    ) -> list[tuple[str, float]]:
        """`prior` (objective → score, used when no crosswalk is given): the crosswalk predicted from the
        text's component probabilities (`objective_text.soft_crosswalk`), relative to its best objective and
        weighted as the crosswalk."""
        crosswalk_codes = set(crosswalk)
        soft: dict[str, float] = {}
        if not crosswalk_codes and prior:
            top_prior = max(prior.values())
            if top_prior > 0:
                soft = {code: value / top_prior for code, value in prior.items()}
        mission_p: dict[str, float] = {}
        for code, score in component_scores.items():
            mission = self.component_mission.get(code.upper())
            if mission is None and len(code) >= 2:
                mission = code.upper()[:2]  # a PNRR component missing in the plan (M7): keep its mission
            if score > 0 and mission:
                mission_p[mission] = mission_p.get(mission, 0.0) + float(score)
        total = sum(mission_p.values())
        if total > 0:
            mission_p = {m: p / total for m, p in mission_p.items()}

        sims = self.similarities(text) if text.strip() else np.zeros(len(self.objectives))
        top_sim = float(sims.max()) if len(sims) else 0.0
        rel = sims / top_sim if top_sim > 0 else sims

        weights = WEIGHT_TEXT
        if crosswalk_codes or soft:
            weights += WEIGHT_CROSSWALK
        if mission_p:
            weights += WEIGHT_COMPONENT
        ranked: list[tuple[str, float]] = []
        for i, obj in enumerate(self.objectives):
            in_crosswalk = obj.code in crosswalk_codes
            p = mission_p.get(obj.mission, 0.0)
            if mission_p and p <= 0 and not in_crosswalk and not soft.get(obj.code):
                continue  # the component restricts the candidates
            score = WEIGHT_TEXT * float(rel[i])
            if crosswalk_codes and in_crosswalk:
                score += WEIGHT_CROSSWALK
            elif soft:
                score += WEIGHT_CROSSWALK * soft.get(obj.code, 0.0)
            if mission_p:
                score += WEIGHT_COMPONENT * p
            value = round(min(1.0, max(0.0, score / weights)), 4)
            if value > 0:
                ranked.append((obj.code, value))
        ranked.sort(key=lambda pair: (-pair[1], _code_key(pair[0])))
        return ranked[: max(0, limit)]


def component_prior(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """component → {objective: share of the component's crosswalked measures listing it}, from
    (measure code, objective code) pairs."""
    by_measure: dict[str, set[str]] = defaultdict(set)
    for measure, objective in pairs:
        by_measure[measure.upper()].add(objective.upper())
    measures_of: dict[str, list[str]] = defaultdict(list)
    for measure in sorted(by_measure):
        measures_of[measure[:4]].append(measure)
    prior: dict[str, dict[str, float]] = {}
    for component, measures in measures_of.items():
        counts: dict[str, float] = defaultdict(float)
        for measure in measures:
            for objective in by_measure[measure]:
                counts[objective] += 1.0 / len(measures)
        prior[component] = dict(counts)
    return prior


def soft_crosswalk(
    component_scores: dict[str, float], prior: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Σ_c P(c | text) · share(objective | c)."""
    out: dict[str, float] = defaultdict(float)
    for component, p in component_scores.items():
        for objective, share in prior.get(component.upper(), {}).items():
            out[objective] += p * share
    return dict(out)


def rank_text(
    index: ObjectiveIndex, *, text: str, component_scores: dict[str, float], limit: int = 3
) -> list[tuple[str, float]]:
    """A text with no measure: its predicted components, and the crosswalk predicted from them."""
    prior = soft_crosswalk(component_scores, index.prior) if component_scores else None
    return index.rank(text=text, component_scores=component_scores, prior=prior, limit=limit)


def _code_key(code: str) -> tuple[int, int]:
    mission, _, number = code.partition(".")
    try:
        return int(mission.lstrip("M")), int(number)
    except ValueError:
        return (99, 99)


_cache: dict[tuple[object, ...], ObjectiveIndex] = {}
_cache_lock = threading.Lock()


def objective_index() -> ObjectiveIndex | None:
    """The index of the current edition's objectives, rebuilt only when their texts change."""
    from decimetro.plan.models import Component, Mission, Objective
    from decimetro.plan.selectors import current_edition

    edition = current_edition()
    if edition is None:
        return None
    rows = list(
        Objective.objects.filter(edition=edition)
        .order_by("mission__number", "number")
        .values_list("code", "title", "mission__code")
    )
    if not rows:
        return None
    from decimetro.linking.models import MeasureObjective, RuleState

    components = list(Component.objects.filter(edition=edition).values_list("code", "title", "mission__code"))
    crosswalk_pairs = sorted(
        MeasureObjective.objects.filter(objective__edition=edition)
        .exclude(state=RuleState.REVOKED)
        .values_list("measure__code", "objective__code")
    )
    missions = list(Mission.objects.filter(edition=edition).values_list("code", "title", "introduction"))
    key = (edition.pk, tuple(rows), tuple(components), tuple(missions), tuple(crosswalk_pairs))
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            background = [f"{title} {intro}" for _, title, intro in missions]
            background += [title for _, title, _ in components]
            index = ObjectiveIndex.build(
                [ObjectiveDoc(code, mission, title) for code, title, mission in rows],
                {code.upper(): mission for code, _, mission in components},
                background,
            )
            index.prior = component_prior(crosswalk_pairs)
            _cache.clear()
            _cache[key] = index
    return index


def crosswalk_for_measure(measure_code: str | None) -> tuple[str | None, list[str]]:
    """(the measure's PNRR component code, the crosswalk's objective codes) for a measure or sub-measure
    code."""
    from decimetro.linking.models import MeasureObjective
    from decimetro.pnrr.models import Measure, SubMeasure

    if not measure_code:
        return None, []
    code = measure_code.strip().upper()
    measure = Measure.objects.filter(code=code).select_related("component").first()
    if measure is None:
        sub = SubMeasure.objects.filter(code=code).select_related("measure__component").first()
        measure = sub.measure if sub is not None else None
    if measure is None:
        return None, []
    objectives = list(
        MeasureObjective.objects.filter(measure=measure).values_list("objective__code", flat=True)
    )
    return measure.component.code, objectives


def rank_objectives(
    *,
    text: str,
    component_scores: dict[str, float],
    measure_code: str | None = None,
    limit: int = 3,
) -> list[tuple[str, float]]:
    """The plan's objectives that best fit `text`, as (code like "M2.5", score in [0, 1]), best first.

    `component_scores` maps PNRR component codes ("M1C1") to scores (predicted by the classifier; may be
    empty).
    `measure_code` (a PNRR measure or sub-measure code) brings the declared component, which then replaces the
    predicted ones, and the crosswalk's objectives for that measure. Works with no classifier at all.
    """
    index = objective_index()
    if index is None:
        return []
    declared, crosswalk = crosswalk_for_measure(measure_code)
    scores = {declared: 1.0} if declared else dict(component_scores)
    # no measure: the crosswalk predicted from the component probabilities (issue 18)
    prior = soft_crosswalk(scores, index.prior) if not crosswalk and scores else None
    return index.rank(text=text, component_scores=scores, crosswalk=crosswalk, prior=prior, limit=limit)
