"""The labelled texts the component classifier learns from, read with the pure PNRR parsers.

Sources (all real, all labelled by their own PNRR codes):
- `progetti` (national validated projects table, or the bundled CMM extract): text = title + synthesis;
- `quadro_finanziario`: the measure and sub-measure names;
- `milestone_target`: the name and the description of every milestone and target.

Texts are deduplicated *before* any split (`dedup`): two texts with the same words (after leakage stripping)
become one example, with the label most of their copies carry, so the same text can never sit in both the
training and the test split. M7 (REPowerEU, only in the 2023 revision of the structure files) is left out: the
plan's components are the 16 of missions 1-6 and no validated project carries M7.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from decimetro.linking.text import dedup_key
from decimetro.pnrr.importing import read_file
from decimetro.pnrr.sources import BadFile, RowError

SOURCE_PROJECTS = "progetti"
SOURCE_STRUCTURE = "quadro_finanziario"
SOURCE_MILESTONES = "milestone_target"
SOURCES = (SOURCE_PROJECTS, SOURCE_STRUCTURE, SOURCE_MILESTONES)
COMPONENTS = tuple(
    f"M{m}C{c}" for m, n in ((1, 3), (2, 4), (3, 2), (4, 2), (5, 3), (6, 2)) for c in range(1, n + 1)
)
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "pnrr" / "data"


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    component: str  # M1C1 … M6C2
    measure: str  # M1C1I1.02, "" when unknown
    source: str  # one of SOURCES

    @property
    def mission(self) -> str:
        return self.component[:2]


@dataclass(frozen=True, slots=True)
class Example:
    """One distinct text (after dedup) with its label and the sources/measures its copies came from."""

    key: str
    text: str
    component: str
    measure: str
    sources: frozenset[str]
    copies: int

    @property
    def mission(self) -> str:
        return self.component[:2]


@dataclass(frozen=True, slots=True)
class DataFile:
    path: Path
    kind: str
    sha256: str


def find_files(data_dir: Path) -> list[DataFile]:
    """The labelled files under `data_dir` (recursively), recognised by their header; others are ignored."""
    from decimetro.pnrr.sources import checksum

    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.name.endswith((".csv", ".csv.gz"))):
        try:
            kind = read_file(path).kind
        except BadFile:
            continue
        if kind in SOURCES:
            found.append(DataFile(path=path, kind=kind, sha256=checksum(path)))
    return found


def bundled_files() -> list[DataFile]:
    return find_files(BUNDLED_DIR)


def _join(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return " * ".join(seen)


def read_texts(files: Iterable[DataFile]) -> Iterator[LabelledText]:
    """Every labelled text of the files, in file order. Rows the parsers reject are skipped."""
    for df in files:
        seen_measures: set[str] = set()
        for row in read_file(df.path).rows():
            if isinstance(row, RowError):
                continue
            ref = row.structure
            component = ref.component_code
            if component not in COMPONENTS:
                continue
            measure = ref.derived_measure_code
            if df.kind == SOURCE_PROJECTS:
                yield LabelledText(
                    _join(row.texts["title"], row.texts["synthesis"]), component, measure, df.kind
                )
            elif df.kind == SOURCE_STRUCTURE:
                if measure not in seen_measures:
                    seen_measures.add(measure)
                    yield LabelledText(ref.measure_name, component, measure, df.kind)
                yield LabelledText(ref.submeasure_name, component, measure, df.kind)
            else:
                yield LabelledText(_join(row.name, row.description), component, measure, df.kind)


def dedup(texts: Iterable[LabelledText]) -> list[Example]:
    """One Example per distinct key, labelled by the majority of its copies (ties: smallest code)."""
    groups: dict[str, list[LabelledText]] = defaultdict(list)
    for item in texts:
        key = dedup_key(item.text)
        if key:  # nothing left once the codes are stripped: no signal, no example
            groups[key].append(item)
    out = []
    for key in sorted(groups):
        items = groups[key]
        component = _majority(i.component for i in items)
        measure = _majority(i.measure for i in items if i.component == component)
        out.append(
            Example(
                key=key,
                text=min(i.text for i in items),
                component=component,
                measure=measure,
                sources=frozenset(i.source for i in items),
                copies=len(items),
            )
        )
    return out


def _majority(values: Iterable[str]) -> str:
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)


MIN_TEST_PROJECTS = 5  # held-out project texts per component, at least (at most half of the component's)


def split(
    examples: Sequence[Example], *, seed: int, test_share: float = 0.2, min_test_projects: int = 0
) -> tuple[list[int], list[int]]:
    """Stratified by component and, inside it, by kind (project texts / structure and milestone texts):
    indices of (train, test). Deterministic for a given seed and data.

    A class with a single example goes to train. Each class keeps at least one example in train. With
    `min_test_projects`, each component holds out at least that many project texts (never more than half of
    them): the out-of-domain tender objects are made from held-out projects only, and a mission with three
    texts cannot be measured (M3 has 15 projects in the national table).
    """
    strata: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        strata[(ex.component, SOURCE_PROJECTS in ex.sources)].append(i)
    train: list[int] = []
    test: list[int] = []
    for component, is_project in sorted(strata):
        idx = sorted(strata[(component, is_project)], key=lambda i: _stable_hash(seed, examples[i].key))
        n_test = round(len(idx) * test_share)
        if is_project:
            n_test = max(n_test, min(min_test_projects, len(idx) // 2))
        n_test = min(len(idx) - 1, n_test)
        test.extend(idx[:n_test])
        train.extend(idx[n_test:])
    return sorted(train), sorted(test)


def _stable_hash(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def group_split(
    examples: Sequence[Example], *, seed: int, test_share: float = 0.2
) -> tuple[list[int], list[int]]:
    """Whole measures held out: every text of a test measure is in test, none in train.

    Per component, measures are shuffled (seeded) and taken until about `test_share` of the component's
    measures are out; a component with one measure keeps it in train (nothing to learn it from otherwise).
    """
    measures: dict[str, set[str]] = defaultdict(set)
    for ex in examples:
        measures[ex.component].add(ex.measure)
    held: set[str] = set()
    for component in sorted(measures):
        codes = sorted(measures[component], key=lambda m: _stable_hash(seed, m))
        n = min(len(codes) - 1, max(1, round(len(codes) * test_share))) if len(codes) > 1 else 0
        held.update(codes[:n])
    train = [i for i, ex in enumerate(examples) if ex.measure not in held]
    test = [i for i, ex in enumerate(examples) if ex.measure in held]
    return train, test
