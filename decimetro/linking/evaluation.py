"""Quality of the objective suggestions on a hand-labelled set of projects (recall@1 and recall@3).

The gold file (tests/linking/data/gold_objectives.csv) has one row per project: cup, local_code, submeasure,
objectives (codes separated by ";", best first), note. A project counts as a hit at k when one of its gold
objectives is among the first k suggestions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from decimetro.linking.ranking import objective_index
from decimetro.linking.services import crosswalk_map, project_text
from decimetro.pnrr.models import Project

VARIANTS = {
    "completo": "testo + componente dichiarata + corrispondenze",
    "senza_corrispondenze": "testo + componente dichiarata",
    "solo_testo": "solo similarità testuale",
}


@dataclass(frozen=True)
class GoldRow:
    line: int
    cup: str
    local_code: str
    submeasure: str
    objectives: tuple[str, ...]
    note: str


class GoldError(ValueError):
    pass


def read_gold(path: Path) -> list[GoldRow]:
    rows: list[GoldRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        expected = {"cup", "local_code", "submeasure", "objectives", "note"}
        if set(reader.fieldnames or []) != expected:
            raise GoldError(f"{path.name}: intestazioni attese {sorted(expected)}")
        for line, rec in enumerate(reader, start=2):
            codes = tuple(c.strip().upper() for c in rec["objectives"].split(";") if c.strip())
            if not codes:
                raise GoldError(f"{path.name}, riga {line}, colonna objectives: nessun obiettivo")
            rows.append(
                GoldRow(
                    line,
                    rec["cup"].strip(),
                    rec["local_code"].strip(),
                    rec["submeasure"].strip(),
                    codes,
                    rec["note"],
                )
            )
    return rows


@dataclass
class Result:
    variant: str
    total: int = 0
    hit1: int = 0
    hit3: int = 0
    missing: list[str] = field(default_factory=list)
    misses: list[tuple[GoldRow, list[str]]] = field(default_factory=list)

    @property
    def recall1(self) -> float:
        return self.hit1 / self.total if self.total else 0.0

    @property
    def recall3(self) -> float:
        return self.hit3 / self.total if self.total else 0.0


def evaluate(gold: list[GoldRow], *, variant: str = "completo") -> Result:
    if variant not in VARIANTS:
        raise ValueError(f"variante sconosciuta: {variant}")
    index = objective_index()
    result = Result(variant=variant)
    if index is None:
        return result
    crosswalk = crosswalk_map() if variant == "completo" else {}
    projects = {
        (p.cup, p.local_code, p.submeasure.code): p
        for p in Project.objects.filter(cup__in={g.cup for g in gold}).select_related(
            "submeasure__measure__component"
        )
    }
    for row in gold:
        project = projects.get((row.cup, row.local_code, row.submeasure))
        if project is None:
            result.missing.append(f"riga {row.line}: {row.cup} {row.local_code} {row.submeasure}")
            continue
        measure = project.submeasure.measure
        ranked = index.rank(
            text=project_text(project),
            component_scores={} if variant == "solo_testo" else {measure.component.code: 1.0},
            crosswalk=crosswalk.get(measure.pk, set()),
            limit=3,
        )
        codes = [code for code, _ in ranked]
        result.total += 1
        result.hit1 += bool(codes[:1] and codes[0] in row.objectives)
        hit3 = any(code in row.objectives for code in codes[:3])
        result.hit3 += hit3
        if not hit3:
            result.misses.append((row, codes))
    return result
