"""Read and validate a plan file (YAML). Pure: no database.

Every error names the line of the file where it was found, so a typo is fixed in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from decimetro.plan.models import ACTOR_FIELDS

MISSION_CODE = re.compile(r"^M[1-6]$")
COMPONENT_CODE = re.compile(r"^M([1-6])C(\d)$")
SLUG = re.compile(r"^[a-z0-9-]+$")


class PlanFileError(ValueError):
    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}, riga {line}" if line else path
        super().__init__(f"{where}: {message}")


class _LineDict(dict[str, Any]):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are `_LineDict`s that remember the line where they start, and that rejects
    duplicate keys (PyYAML would silently keep the last value, so a typo would go unnoticed)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "in una mappa", node.start_mark, f"chiave duplicata {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_LineDict]:
    # SafeLoader builds every mapping through the "map" tag's constructor, not through construct_mapping's
    # return value: the line must be attached here.
    data = _LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_dict)


def _error_line(exc: yaml.YAMLError) -> int | None:
    """The line to blame for a YAML syntax error. For an unclosed flow collection ({…}, […]) or quoted text
    PyYAML notices the problem only later (often at the next line or at the end of the file): blame where the
    unclosed element starts. Otherwise blame where the problem was found."""
    context = str(getattr(exc, "context", "") or "")
    context_mark = getattr(exc, "context_mark", None)
    problem_mark = getattr(exc, "problem_mark", None)
    if context_mark is not None and ("flow" in context or "quoted" in context):
        return int(context_mark.line) + 1
    return int(problem_mark.line) + 1 if problem_mark is not None else None


@dataclass(frozen=True)
class EditionData:
    slug: str
    title: str
    short_title: str
    ente: str
    year_start: int
    year_end: int
    source: str = ""


@dataclass(frozen=True)
class KeywordData:
    slug: str
    name: str
    position: int


@dataclass(frozen=True)
class DirectionData:
    slug: str
    actor: str
    title: str
    text: str
    position: int


@dataclass(frozen=True)
class ComponentData:
    code: str
    title: str
    actors: dict[str, bool]
    position: int


@dataclass(frozen=True)
class ObjectiveData:
    number: int
    title: str
    actors: dict[str, bool]

    def code(self, mission_code: str) -> str:
        return f"{mission_code}.{self.number}"


@dataclass(frozen=True)
class MissionData:
    code: str
    title: str
    matrix_title: str
    introduction: str
    keywords: list[str]
    components: list[ComponentData] = field(default_factory=list)
    objectives: list[ObjectiveData] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.code[1:])


@dataclass(frozen=True)
class PlanData:
    edition: EditionData
    keywords: list[KeywordData]
    directions: list[DirectionData]
    missions: list[MissionData]

    @property
    def objectives(self) -> list[tuple[MissionData, ObjectiveData]]:
        return [(m, o) for m in self.missions for o in m.objectives]

    @property
    def components(self) -> list[tuple[MissionData, ComponentData]]:
        return [(m, c) for m in self.missions for c in m.components]


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: Any, message: str) -> PlanFileError:
        return PlanFileError(self.path, getattr(node, "line", None), message)

    def mapping(self, node: Any, what: str, parent: Any = None) -> _LineDict:
        if not isinstance(node, dict):
            raise self.fail(parent, f"{what}: atteso un elenco di chiavi, trovato {type(node).__name__}")
        return node  # type: ignore[return-value]

    def items(self, node: dict[str, Any], key: str, what: str) -> list[Any]:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(node, f"{what}: '{key}' deve essere una lista")
        return value

    def keys(self, node: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
        unknown = [k for k in node if k not in allowed]
        if unknown:
            raise self.fail(node, f"{what}: chiave sconosciuta {unknown[0]!r} (attese: {', '.join(allowed)})")

    def text(self, node: dict[str, Any], key: str, what: str, max_length: int | None = None) -> str:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise self.fail(node, f"{what}: manca '{key}'")
        if not isinstance(value, str):
            raise self.fail(node, f"{what}: '{key}' deve essere un testo")
        if max_length is not None and len(value) > max_length:
            raise self.fail(node, f"{what}: '{key}' supera {max_length} caratteri ({len(value)})")
        return value

    def integer(self, node: dict[str, Any], key: str, what: str) -> int:
        value = node.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(node, f"{what}: '{key}' deve essere un intero positivo, trovato {value!r}")
        return value

    def actors(self, node: dict[str, Any], what: str) -> dict[str, bool]:
        raw = node.get("actors")
        if not isinstance(raw, dict):
            raise self.fail(node, f"{what}: manca 'actors' ({', '.join(ACTOR_FIELDS)})")
        # Errors inside the flags name the line of the `actors` mapping (more precise than the entry's).
        unknown = set(raw) - set(ACTOR_FIELDS)
        if unknown:
            raise self.fail(raw, f"{what}: attore sconosciuto {sorted(unknown)}")
        result = {}
        for name in ACTOR_FIELDS:
            if not isinstance(raw.get(name), bool):
                raise self.fail(
                    raw, f"{what}: 'actors.{name}' deve essere true o false, trovato {raw.get(name)!r}"
                )
            result[name] = raw[name]
        return result


def parse_plan(text: str, path: str = "<plan>") -> PlanData:
    """Parse and validate a plan file's text. Raises PlanFileError naming the line of the first problem."""
    r = _Reader(path)
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise PlanFileError(path, _error_line(exc), f"YAML non valido: {exc}") from exc
    doc = r.mapping(doc, "file")
    r.keys(doc, ("edition", "keywords", "directions", "missions"), "file")
    for key in ("edition", "keywords", "missions"):
        if key not in doc:
            raise r.fail(doc, f"manca la sezione '{key}'")

    ed = r.mapping(doc["edition"], "edition", doc)
    r.keys(ed, ("slug", "title", "short_title", "ente", "year_start", "year_end", "source"), "edition")
    years = (r.integer(ed, "year_start", "edition"), r.integer(ed, "year_end", "edition"))
    if years[1] < years[0]:
        raise r.fail(ed, "edition: year_end precede year_start")
    slug = r.text(ed, "slug", "edition", max_length=50)
    if not SLUG.match(slug):
        raise r.fail(ed, f"edition: slug non valido {slug!r}")
    edition = EditionData(
        slug=slug,
        title=r.text(ed, "title", "edition", max_length=300),
        short_title=r.text(ed, "short_title", "edition", max_length=40),
        ente=r.text(ed, "ente", "edition", max_length=200),
        year_start=years[0],
        year_end=years[1],
        source=str(ed.get("source") or ""),
    )

    keywords: list[KeywordData] = []
    for pos, raw in enumerate(r.items(doc, "keywords", "keywords"), start=1):
        kw = r.mapping(raw, "parola chiave", doc)
        r.keys(kw, ("slug", "name"), "parola chiave")
        kslug = r.text(kw, "slug", "parola chiave", max_length=50)
        if not SLUG.match(kslug):
            raise r.fail(kw, f"parola chiave: slug non valido {kslug!r}")
        if any(k.slug == kslug for k in keywords):
            raise r.fail(kw, f"parola chiave duplicata '{kslug}'")
        keywords.append(
            KeywordData(
                slug=kslug, name=r.text(kw, "name", f"parola chiave {kslug}", max_length=80), position=pos
            )
        )
    known_keywords = {k.slug for k in keywords}

    directions: list[DirectionData] = []
    for pos, raw in enumerate(r.items(doc, "directions", "directions"), start=1):
        d = r.mapping(raw, "direzione", doc)
        r.keys(d, ("slug", "actor", "title", "text"), "direzione")
        dslug = r.text(d, "slug", "direzione", max_length=50)
        if not SLUG.match(dslug) or any(x.slug == dslug for x in directions):
            raise r.fail(d, f"direzione: slug non valido o duplicato {dslug!r}")
        actor = r.text(d, "actor", "direzione")
        if actor not in ACTOR_FIELDS:
            raise r.fail(d, f"direzione: attore sconosciuto '{actor}'")
        directions.append(
            DirectionData(
                slug=dslug,
                actor=actor,
                title=r.text(d, "title", "direzione", max_length=300),
                text=r.text(d, "text", "direzione"),
                position=pos,
            )
        )

    missions: list[MissionData] = []
    component_codes: set[str] = set()
    component_pos = 0
    for raw in r.items(doc, "missions", "missions"):
        m = r.mapping(raw, "missione", doc)
        r.keys(
            m,
            ("code", "title", "matrix_title", "introduction", "keywords", "components", "objectives"),
            "missione",
        )
        code = r.text(m, "code", "missione")
        if not MISSION_CODE.match(code):
            raise r.fail(m, f"missione sconosciuta '{code}' (attese M1…M6)")
        if any(x.code == code for x in missions):
            raise r.fail(m, f"missione duplicata '{code}'")
        title = r.text(m, "title", f"missione {code}", max_length=300)
        matrix_title = (
            r.text(m, "matrix_title", f"missione {code}", max_length=300) if "matrix_title" in m else title
        )
        introduction = r.text(m, "introduction", f"missione {code}")
        kws = m.get("keywords") or []
        if not isinstance(kws, list):
            raise r.fail(m, f"missione {code}: 'keywords' deve essere una lista")
        for k in kws:
            if k not in known_keywords:
                raise r.fail(m, f"missione {code}: parola chiave sconosciuta '{k}'")
        components: list[ComponentData] = []
        for craw in r.items(m, "components", f"missione {code}"):
            c = r.mapping(craw, "componente", m)
            r.keys(c, ("code", "title", "actors"), "componente")
            ccode = r.text(c, "code", "componente")
            cm = COMPONENT_CODE.match(ccode)
            if not cm:
                raise r.fail(c, f"codice componente non valido '{ccode}' (atteso M<n>C<n>)")
            if f"M{cm.group(1)}" != code:
                raise r.fail(c, f"componente {ccode} sotto la missione sbagliata {code}")
            if ccode in component_codes:
                raise r.fail(c, f"componente duplicata '{ccode}'")
            component_codes.add(ccode)
            component_pos += 1
            components.append(
                ComponentData(
                    code=ccode,
                    title=r.text(c, "title", f"componente {ccode}", max_length=300),
                    actors=r.actors(c, f"componente {ccode}"),
                    position=component_pos,
                )
            )
        objectives: list[ObjectiveData] = []
        for oraw in r.items(m, "objectives", f"missione {code}"):
            o = r.mapping(oraw, "obiettivo", m)
            r.keys(o, ("number", "title", "actors"), "obiettivo")
            number = r.integer(o, "number", f"obiettivo della missione {code}")
            ocode = f"{code}.{number}"
            if any(x.number == number for x in objectives):
                raise r.fail(o, f"obiettivo duplicato '{ocode}'")
            objectives.append(
                ObjectiveData(
                    number=number,
                    title=r.text(o, "title", f"obiettivo {ocode}"),
                    actors=r.actors(o, f"obiettivo {ocode}"),
                )
            )
        missions.append(
            MissionData(
                code=code,
                title=title,
                matrix_title=matrix_title,
                introduction=introduction,
                keywords=list(kws),
                components=components,
                objectives=objectives,
            )
        )
    if not missions:
        raise r.fail(doc, "il piano non ha missioni")
    return PlanData(edition=edition, keywords=keywords, directions=directions, missions=missions)


def read_plan_file(path: Path | str) -> PlanData:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PlanFileError(str(p), None, "file non trovato") from exc
    except UnicodeDecodeError as exc:
        raise PlanFileError(str(p), None, f"il file non è UTF-8 ({exc.reason})") from exc
    return parse_plan(text, str(p))


DEFAULT_PLAN_FILE = Path(__file__).resolve().parent / "data" / "psttm_2022_2024.yaml"
