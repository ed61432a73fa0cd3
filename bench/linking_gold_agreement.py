#!/usr/bin/env python3
"""Inter-annotator agreement between the two hand-labelled sets of project → plan objectives
(tests/linking/data/gold_objectives.csv, first labeller; gold_objectives_b.csv, independent second labeller;
rules in tests/linking/data/README.md).

Prints: share of projects whose first objective agrees, share whose label sets overlap, Cohen's kappa on the
first objective, agreement by plan mission and by PNRR measure, and the list of first-choice disagreements.
Reads only the two CSV files (no database):

    .venv/bin/python bench/linking_gold_agreement.py

Never run by the test suite.
"""

from __future__ import annotations

import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")

DATA = ROOT / "tests" / "linking" / "data"

Key = tuple[str, str, str]


def kappa(first: list[str], second: list[str]) -> tuple[float, float, float]:
    """Observed agreement, chance agreement and Cohen's kappa of two nominal labelings."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    ca, cb = Counter(first), Counter(second)
    expected = sum(ca[c] * cb[c] for c in ca.keys() | cb.keys()) / n**2
    return observed, expected, (observed - expected) / (1 - expected)


def main() -> None:
    import django

    django.setup()
    from decimetro.linking.evaluation import read_gold

    rows_a = read_gold(DATA / "gold_objectives.csv")
    rows_b = read_gold(DATA / "gold_objectives_b.csv")
    a: dict[Key, tuple[str, ...]] = {(r.cup, r.local_code, r.submeasure): r.objectives for r in rows_a}
    b: dict[Key, tuple[str, ...]] = {(r.cup, r.local_code, r.submeasure): r.objectives for r in rows_b}
    if set(a) != set(b):
        sys.exit("i due insiemi non etichettano gli stessi progetti")
    keys = [(r.cup, r.local_code, r.submeasure) for r in rows_b]
    n = len(keys)

    first_a = [a[k][0] for k in keys]
    first_b = [b[k][0] for k in keys]
    observed, expected, k1 = kappa(first_a, first_b)
    overlap = sum(bool(set(a[k]) & set(b[k])) for k in keys)
    b_in_a = sum(b[k][0] in a[k] for k in keys)
    a_in_b = sum(a[k][0] in b[k] for k in keys)
    _, _, k_mission = kappa([c.split(".")[0] for c in first_a], [c.split(".")[0] for c in first_b])

    print(f"Progetti etichettati da entrambi: {n}")
    print(f"primo obiettivo uguale            {round(observed * n)}/{n} = {observed:.3f}")
    print(f"insiemi con almeno un obiettivo comune  {overlap}/{n} = {overlap / n:.3f}")
    print(f"primo di B tra gli obiettivi di A {b_in_a}/{n} = {b_in_a / n:.3f}")
    print(f"primo di A tra gli obiettivi di B {a_in_b}/{n} = {a_in_b / n:.3f}")
    print(f"kappa di Cohen sul primo obiettivo {k1:.3f} (accordo atteso per caso {expected:.3f})")
    print(f"kappa di Cohen sulla missione del piano del primo obiettivo {k_mission:.3f}")
    print(
        f"obiettivi per progetto: A {sum(len(a[k]) for k in keys) / n:.2f}, "
        f"B {sum(len(b[k]) for k in keys) / n:.2f}"
    )

    easy = ("M1C1I1.02", "M1C1I1.04")
    rest = [k for k in keys if not k[2].startswith(easy)]
    obs_r, _, k_r = kappa([a[k][0] for k in rest], [b[k][0] for k in rest])
    print(
        f"senza i {n - len(rest)} progetti cloud/servizi digitali (M1C1I1.02, M1C1I1.04): "
        f"n={len(rest)}, primo uguale {obs_r:.3f}, kappa {k_r:.3f}"
    )

    by_measure: dict[str, list[bool]] = defaultdict(list)
    for k in keys:
        by_measure[k[2][:9]].append(a[k][0] == b[k][0])
    unanimous = sum(all(v) for v in by_measure.values())
    print(f"misure PNRR: {len(by_measure)}; primo obiettivo uguale su tutti i loro progetti: {unanimous}")

    print("Disaccordi sul primo obiettivo (riga del file, sub-misura, A, B):")
    for line, k in enumerate(keys, start=2):
        if a[k][0] != b[k][0]:
            tag = "" if set(a[k]) & set(b[k]) else "  DISGIUNTI"
            print(f"  riga {line} {k[2]} A={';'.join(a[k])} B={';'.join(b[k])}{tag}")


if __name__ == "__main__":
    main()
