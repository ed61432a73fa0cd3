"""The shipped plan (YAML loaded by the real `plan_load`) says exactly what the plan's text says.

The seed text (chapter 4 of the PSTTM) is parsed here, on its own, WITHOUT the application's YAML reader: a
mistake in `decimetro/plan/plan_file.py` or in the YAML cannot hide itself by being made twice. Both sides are
brought to the same small structure (`Plan`) and `plan_differences` lists every title, flag or matrix
cell that differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db.models import Prefetch

from decimetro.plan.models import Component, Direction, Edition, Keyword, Mission, Objective
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, read_plan_file
from decimetro.plan.services import plan_load

SEED_NAME = "000_4e1664e8a3c4d46d.txt"
SEED = Path(__file__).parent / "data" / SEED_NAME
REPO = Path(__file__).resolve().parents[2]
SHARED_SEEDS = [REPO.parent / "shared" / "seeds" / SEED_NAME, Path("/work/shared/seeds") / SEED_NAME]

DOT = "●"
EXPECTED_OBJECTIVES = {"M1": 18, "M2": 18, "M3": 13, "M4": 9, "M5": 13, "M6": 4}

Flags = tuple[bool, bool, bool]  # Città metropolitana, Comuni, Corpi intermedi e altri attori


@dataclass(frozen=True)
class ObjectiveRow:
    code: str
    number: int
    title: str
    actors: Flags


@dataclass(frozen=True)
class ComponentRow:
    code: str
    mission: str
    title: str
    actors: Flags


@dataclass
class MissionRow:
    code: str
    title: str = ""
    matrix_title: str = ""
    introduction: str = ""
    keywords: frozenset[str] = frozenset()
    objectives: list[ObjectiveRow] = field(default_factory=list)


@dataclass
class Plan:
    keywords: list[str]
    missions: list[MissionRow]
    components: list[ComponentRow]
    directions: list[tuple[str, str]]


# The seed, read on its own ----------------------------------------------------------------------------------


def _cell(raw: str, where: str) -> bool:
    value = raw.strip()
    if value not in ("", DOT):
        raise AssertionError(f"{where}: cella inattesa {raw!r}")
    return value == DOT


def _flags(cells: list[str], width: int, where: str) -> tuple[bool, ...]:
    """The row's last `width` cells; a trailing empty cell may be missing from the text."""
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        raise AssertionError(f"{where}: troppe celle {cells!r}")
    cells = (cells + [""] * width)[:width]
    return tuple(_cell(c, where) for c in cells)


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_seed(text: str) -> Plan:
    lines = text.splitlines()

    # 1. Vision matrix: a header of 5 keywords, then one row per mission "MISSIONE n Title<TAB>●/empty...".
    start = lines.index("Visione di sviluppo metropolitano e Missioni PNRR")
    header = next(line for line in lines[start + 1 :] if "\t" in line)
    keywords = [c.strip() for c in header.split("\t") if c.strip()]
    missions: dict[str, MissionRow] = {}
    for line in lines[start:]:
        m = re.match(r"^MISSIONE (\d) ([^\t]+)\t(.*)$", line)
        if m:
            code = f"M{m.group(1)}"
            cells = line.split("\t")[1:]
            flags = _flags(cells, len(keywords), f"matrice visione {code}")
            missions[code] = MissionRow(
                code=code,
                matrix_title=m.group(2).strip(),
                keywords=frozenset(k for k, on in zip(keywords, flags, strict=True) if on),
            )

    # 2. The three directions: "- **Title.**" then the text up to the next direction or the component matrix.
    directions: list[tuple[str, str]] = []
    current: list[str] | None = None
    for line in lines:
        d = re.match(r"^- \*\*(.+?)\.?\*\*(.*)$", line)
        if d:
            current = [d.group(2)]
            directions.append((d.group(1).strip(), ""))
            continue
        if line.startswith("Campo d'azione"):
            break
        if current is not None:
            current.append(line)
            directions[-1] = (directions[-1][0], _squash(" ".join(current)))

    # 3. Component/actor matrix: "<TAB>M1C1<TAB>Title<TAB>●<TAB>●<TAB>".
    components = []
    for line in lines:
        c = re.match(r"^\t(M(\d)C\d)\t", line)
        if c:
            cells = line.split("\t")
            components.append(
                ComponentRow(
                    code=c.group(1),
                    mission=f"M{c.group(2)}",
                    title=cells[2].strip(),
                    actors=_flags(cells[3:], 3, f"componente {c.group(1)}"),  # type: ignore[arg-type]
                )
            )

    # 4. One section per mission: "MISSIONE n." [title, here or on the next line], “ intro, objectives table.
    starts = [i for i, line in enumerate(lines) if re.match(r"^MISSIONE \d\.", line)]
    for i, begin in enumerate(starts):
        section = lines[begin : starts[i + 1] if i + 1 < len(starts) else len(lines)]
        head = re.match(r"^MISSIONE (\d)\.(.*)$", section[0])
        assert head is not None
        code = f"M{head.group(1)}"
        mission = missions.setdefault(code, MissionRow(code=code))
        rest = section[1:]
        title = head.group(2).strip() or next(line.strip() for line in rest if line.strip())
        quote = next(j for j, line in enumerate(section) if line.strip() == "“")
        table = next(j for j, line in enumerate(section) if "OBIETTIVI STRATEGICI" in line)
        paragraphs = [line.strip() for line in section[quote + 1 : table] if line.strip()]
        mission.title = title
        mission.introduction = "\n\n".join(paragraphs)
        for line in section[table + 1 :]:
            o = re.match(r"^(\d+)\t", line)
            if not o:
                continue
            cells = line.split("\t")
            number = int(cells[0])
            mission.objectives.append(
                ObjectiveRow(
                    code=f"{code}.{number}",
                    number=number,
                    title=cells[1].strip(),
                    actors=_flags(cells[2:], 3, f"obiettivo {code}.{number}"),  # type: ignore[arg-type]
                )
            )
    return Plan(
        keywords=keywords,
        missions=[missions[k] for k in sorted(missions)],
        components=components,
        directions=directions,
    )


# The database, read the same way ----------------------------------------------------------------------------


def plan_from_db(edition: Edition) -> Plan:
    missions = (
        Mission.objects.filter(edition=edition)
        .order_by("number")
        .prefetch_related("keywords", Prefetch("objectives", queryset=Objective.objects.order_by("number")))
    )
    return Plan(
        keywords=[k.name for k in Keyword.objects.filter(edition=edition).order_by("position")],
        missions=[
            MissionRow(
                code=m.code,
                title=m.title,
                matrix_title=m.matrix_title,
                introduction=m.introduction,
                keywords=frozenset(k.name for k in m.keywords.all()),
                objectives=[
                    ObjectiveRow(
                        code=o.code,
                        number=o.number,
                        title=o.title,
                        actors=(o.citta_metropolitana, o.comuni, o.corpi_intermedi),
                    )
                    for o in m.objectives.all()
                ],
            )
            for m in missions
        ],
        components=[
            ComponentRow(
                code=c.code,
                mission=c.mission.code,
                title=c.title,
                actors=(c.citta_metropolitana, c.comuni, c.corpi_intermedi),
            )
            for c in Component.objects.filter(edition=edition).select_related("mission").order_by("position")
        ],
        directions=[
            (d.title, _squash(d.text)) for d in Direction.objects.filter(edition=edition).order_by("position")
        ],
    )


def plan_differences(seed: Plan, loaded: Plan) -> list[str]:
    """Every difference between the seed and the loaded plan, one readable line each ([] when they agree)."""
    out: list[str] = []

    def same(where: str, expected: object, actual: object) -> None:
        if expected != actual:
            out.append(f"{where}: nel piano {expected!r}, caricato {actual!r}")

    same("parole chiave", seed.keywords, loaded.keywords)
    same("direzioni", seed.directions, loaded.directions)
    same("codici delle missioni", [m.code for m in seed.missions], [m.code for m in loaded.missions])
    loaded_missions = {m.code: m for m in loaded.missions}
    for sm in seed.missions:
        lm = loaded_missions.get(sm.code)
        if lm is None:
            continue
        same(f"{sm.code} titolo", sm.title, lm.title)
        same(f"{sm.code} titolo nella matrice", sm.matrix_title, lm.matrix_title)
        same(f"{sm.code} introduzione", sm.introduction, lm.introduction)
        same(f"{sm.code} parole chiave (matrice visione)", sorted(sm.keywords), sorted(lm.keywords))
        same(f"{sm.code} obiettivi", [o.code for o in sm.objectives], [o.code for o in lm.objectives])
        loaded_objectives = {o.code: o for o in lm.objectives}
        for so in sm.objectives:
            lo = loaded_objectives.get(so.code)
            if lo is not None:
                same(f"{so.code} titolo", so.title, lo.title)
                same(f"{so.code} attori", so.actors, lo.actors)
    same("componenti (ordine)", [c.code for c in seed.components], [c.code for c in loaded.components])
    loaded_components = {c.code: c for c in loaded.components}
    for sc in seed.components:
        lc = loaded_components.get(sc.code)
        if lc is not None:
            same(f"{sc.code} missione", sc.mission, lc.mission)
            same(f"{sc.code} titolo", sc.title, lc.title)
            same(f"{sc.code} attori", sc.actors, lc.actors)
    return out


# Tests ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> Plan:
    return parse_seed(SEED.read_text(encoding="utf-8"))


def _load(path: Path) -> Edition:
    data = read_plan_file(path)
    plan_load(data=data)
    return Edition.objects.get(slug=data.edition.slug)


def test_seed_copy_is_identical_to_shared_seed():
    originals = [p for p in SHARED_SEEDS if p.exists()]
    if not originals:
        pytest.skip("shared/seeds non raggiungibile: si usa la copia in tests/plan/data")
    assert SEED.read_bytes() == originals[0].read_bytes()


def test_seed_reader_finds_the_whole_plan(seed):
    # The reader is not vacuous: it finds every row of every table of the chapter.
    assert seed.keywords == ["Sostenibilità", "Connettività", "Prossimità", "Inclusione", "Attrattività"]
    assert {m.code: len(m.objectives) for m in seed.missions} == EXPECTED_OBJECTIVES
    assert sum(len(m.objectives) for m in seed.missions) == 75
    assert len(seed.components) == 16
    assert [t for t, _ in seed.directions] == [
        "Funzioni proprie dell'Ente",
        "Funzioni dei Comuni",
        "Obiettivi condivisi con i corpi intermedi e gli altri attori pubblici e privati",
    ]
    for m in seed.missions:
        assert [o.number for o in m.objectives] == list(range(1, len(m.objectives) + 1))
        assert m.title and m.matrix_title and m.introduction
    m4 = next(m for m in seed.missions if m.code == "M4")
    assert m4.keywords == {"Inclusione", "Attrattività"}
    m6c2 = next(c for c in seed.components if c.code == "M6C2")
    assert m6c2.actors == (False, True, False)


def test_shipped_plan_matches_the_seed_exactly(db, seed):
    edition = _load(DEFAULT_PLAN_FILE)
    loaded = plan_from_db(edition)
    assert plan_differences(seed, loaded) == []
    # …and the counts, so that an empty comparison cannot pass for a good one.
    assert Objective.objects.filter(edition=edition).count() == 75
    assert {m.code: len(m.objectives) for m in loaded.missions} == EXPECTED_OBJECTIVES
    assert Component.objects.filter(edition=edition).count() == 16
    assert Keyword.objects.filter(edition=edition).count() == 5
    assert Mission.objects.filter(edition=edition).count() == 6


def test_m2_10_and_m2_18_share_a_title_but_not_their_actors(db, seed):
    edition = _load(DEFAULT_PLAN_FILE)
    title = (
        "Rafforzamento delle attività di monitoraggio delle emissioni in atmosfera delle imprese e dei "
        "controlli dell'efficienza energetica degli impianti civili di produzione calore"
    )
    m2_10 = Objective.objects.get(edition=edition, code="M2.10")
    m2_18 = Objective.objects.get(edition=edition, code="M2.18")
    assert m2_10.title == m2_18.title == title
    assert (m2_10.citta_metropolitana, m2_10.comuni, m2_10.corpi_intermedi) == (True, True, True)
    assert (m2_18.citta_metropolitana, m2_18.comuni, m2_18.corpi_intermedi) == (True, False, True)
    seed_m2 = {o.code: o for o in next(m for m in seed.missions if m.code == "M2").objectives}
    assert seed_m2["M2.10"].actors == (True, True, True)
    assert seed_m2["M2.18"].actors == (True, False, True)


M2_18_BLOCK = (
    "  - number: 18\n"
    "    title: Rafforzamento delle attività di monitoraggio delle emissioni in atmosfera delle imprese e "
    "dei controlli dell'efficienza energetica degli impianti civili di produzione calore\n"
    "    actors: {citta_metropolitana: true, comuni: false, corpi_intermedi: true}\n"
)
M6C2_BLOCK = (
    "  - code: M6C2\n"
    "    title: Innovazione, ricerca e digitalizzazione del servizio sanitario nazionale\n"
    "    actors: {citta_metropolitana: false, comuni: true, corpi_intermedi: false}\n"
)
M6_4_BLOCK = (
    "  - number: 4\n"
    "    title: Coordinamento della Protezione civile e redazione di Piani di emergenza in funzione di "
    "orientamento dei Piani comunali\n"
    "    actors: {citta_metropolitana: true, comuni: true, corpi_intermedi: true}\n"
)


@pytest.mark.parametrize(
    ("old", "new", "reported"),
    [
        pytest.param(
            "coworking/near working", "coworking/nearworking", "M1.10 titolo", id="typo-in-objective-title"
        ),
        pytest.param(
            M2_18_BLOCK, M2_18_BLOCK.replace("comuni: false", "comuni: true"), "M2.18 attori", id="flag-m2.18"
        ),
        pytest.param(
            "keywords: [inclusione, attrattivita]",
            "keywords: [sostenibilita, inclusione, attrattivita]",
            "M4 parole chiave",
            id="vision-matrix-cell",
        ),
        pytest.param(
            M6C2_BLOCK,
            M6C2_BLOCK.replace("citta_metropolitana: false", "citta_metropolitana: true"),
            "M6C2 attori",
            id="component-matrix-cell",
        ),
        pytest.param(M6_4_BLOCK, "", "M6 obiettivi", id="missing-objective"),
        pytest.param("  title: Salute\n", "  title: Salute pubblica\n", "M6 titolo", id="mission-title"),
        pytest.param("sostenere la **ricerca**", "sostenere la ricerca", "M4 introduzione", id="intro"),
        pytest.param("Turismo e cultura 4.0", "Turismo e cultura 4.1", "M1C3 titolo", id="component-title"),
    ],
)
def test_a_mutated_copy_of_the_yaml_is_reported(db, seed, tmp_path, old, new, reported):
    text = DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    assert text.count(old) == 1, "the mutation must hit exactly one place of the shipped file"
    mutated = tmp_path / "psttm_mutato.yaml"
    mutated.write_text(text.replace(old, new), encoding="utf-8")

    differences = plan_differences(seed, plan_from_db(_load(mutated)))

    assert differences, "the comparison must report the mutation"
    assert any(d.startswith(reported) for d in differences), differences
    assert DEFAULT_PLAN_FILE.read_text(encoding="utf-8") == text  # the real file is untouched
