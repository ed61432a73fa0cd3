"""Loading a plan file: idempotent, audited, atomic; a bad file is refused with the line of its fault."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from decimetro.core.models import AuditEntry
from decimetro.plan.models import Component, Direction, Edition, Keyword, Mission, Objective
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, PlanFileError, parse_plan, read_plan_file
from decimetro.plan.services import plan_load

REPO = Path(__file__).resolve().parents[2]

# A small plan whose line numbers the tests below rely on (the numbers are on the right, for the reader).
SMALL_PLAN = """\
edition:
  slug: prova-2030
  short_title: Prova 2030
  title: Piano di prova 2030
  ente: Città metropolitana di Milano
  year_start: 2030
  year_end: 2032
keywords:
- slug: sostenibilita
  name: Sostenibilità
missions:
- code: M1
  title: Missione uno
  introduction: Introduzione.
  keywords: [sostenibilita]
  components:
  - code: M1C1
    title: Componente uno
    actors: {citta_metropolitana: true, comuni: false, corpi_intermedi: true}
  objectives:
  - number: 1
    title: Obiettivo uno
    actors: {citta_metropolitana: true, comuni: true, corpi_intermedi: false}
  - number: 2
    title: Obiettivo due
    actors: {citta_metropolitana: false, comuni: true, corpi_intermedi: false}
- code: M2
  title: Missione due
  introduction: Introduzione due.
  objectives:
  - number: 1
    title: Obiettivo M2 uno
    actors: {citta_metropolitana: true, comuni: false, corpi_intermedi: false}
"""
#  line 12: "- code: M1"; 17: component M1C1; 21: objective M1.1; 24: objective M1.2 ("- number: 2");
#  25: its title; 26: its actors; 27: "- code: M2"

# (replace this, with this) in SMALL_PLAN → the line the error must name, and a word of its message.
BAD_FILES = {
    "unknown-mission": (("- code: M2\n", "- code: M9\n"), 27, "missione sconosciuta 'M9'"),
    "duplicate-objective": (("  - number: 2\n", "  - number: 1\n"), 24, "obiettivo duplicato 'M1.1'"),
    "missing-title": (("    title: Obiettivo due\n", ""), 24, "obiettivo M1.2: manca 'title'"),
    "empty-title": (("    title: Obiettivo due\n", "    title: '  '\n"), 24, "obiettivo M1.2: manca 'title'"),
    "bad-actor-flag": (
        ("comuni: true, corpi_intermedi: false}\n- code", "comuni: forse, corpi_intermedi: false}\n- code"),
        26,
        "'actors.comuni' deve essere true o false",
    ),
    "unknown-actor": (
        ("comuni: true, corpi_intermedi: false}\n- code", "comune: true}\n- code"),
        26,
        "attore",
    ),
    "misspelt-key": (
        ("    title: Obiettivo due\n", "    titel: Obiettivo due\n"),
        24,
        "chiave sconosciuta 'titel'",
    ),
    "duplicate-key": (
        ("    title: Obiettivo due\n", "    title: Obiettivo due\n    title: Obiettivo bis\n"),
        26,
        "chiave duplicata 'title'",
    ),
    "malformed-yaml-tab": (("    title: Obiettivo due\n", "\ttitle: Obiettivo due\n"), 25, "YAML non valido"),
    "malformed-yaml-indent": (
        ("    title: Obiettivo due\n", "     title: Obiettivo due\n"),
        25,
        "YAML non valido",
    ),
    "malformed-yaml-unclosed-brace": (
        ("corpi_intermedi: false}\n- code", "corpi_intermedi: false\n- code"),
        26,
        "YAML non valido",
    ),
    "malformed-yaml-unclosed-quote": (
        ("    title: Obiettivo due\n", '    title: "Obiettivo due\n'),
        25,
        "YAML non valido",
    ),
    "component-under-wrong-mission": (("  - code: M1C1\n", "  - code: M2C1\n"), 17, "missione sbagliata"),
}


def _mutate(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the mutation must hit exactly one place: {old!r}"
    return text.replace(old, new)


def db_state() -> dict[str, object]:
    """Everything a load could change: counts, and every title and flag."""
    return {
        "counts": {
            m.__name__: m.objects.count()
            for m in (Edition, Keyword, Direction, Mission, Component, Objective, AuditEntry)
        },
        "editions": sorted(Edition.objects.values_list("slug", "title", "is_current")),
        "keywords": sorted(Keyword.objects.values_list("edition__slug", "slug", "name", "position")),
        "missions": sorted(
            Mission.objects.values_list("edition__slug", "code", "title", "matrix_title", "introduction")
        ),
        "mission_keywords": sorted(Mission.objects.values_list("code", "keywords__slug")),
        "components": sorted(
            Component.objects.values_list("code", "title", "citta_metropolitana", "comuni", "corpi_intermedi")
        ),
        "objectives": sorted(
            Objective.objects.values_list(
                "edition__slug", "code", "title", "citta_metropolitana", "comuni", "corpi_intermedi"
            )
        ),
    }


def test_small_plan_is_valid_and_loads(db):
    summary = plan_load(data=parse_plan(SMALL_PLAN, "piccolo.yaml"))
    assert summary.created == {
        "edition": 1,
        "keyword": 1,
        "mission": 2,
        "component": 1,
        "objective": 3,
        "mission_keywords": 1,  # M2 has none
    }
    o = Objective.objects.get(code="M1.2")
    assert (o.title, o.citta_metropolitana, o.comuni, o.corpi_intermedi) == (
        "Obiettivo due",
        False,
        True,
        False,
    )
    assert list(Mission.objects.get(code="M1").keywords.values_list("slug", flat=True)) == ["sostenibilita"]


# Idempotence ------------------------------------------------------------------------------------------------


def test_second_load_of_the_same_file_changes_nothing(db):
    data = read_plan_file(DEFAULT_PLAN_FILE)
    first = plan_load(data=data)
    assert first.changed
    assert first.created["objective"] == 75
    state = db_state()
    audit_rows = AuditEntry.objects.count()
    assert audit_rows > 0  # the first load is audited

    second = plan_load(data=read_plan_file(DEFAULT_PLAN_FILE))

    assert not second.changed
    assert second.created == {} and second.updated == {}
    assert second.unchanged["objective"] == 75
    assert second.unchanged["component"] == 16
    assert second.unchanged["mission"] == 6
    assert AuditEntry.objects.count() == audit_rows
    assert db_state() == state


def test_command_twice_reports_everything_unchanged(db):
    call_command("plan_load", stdout=(first := _Out()))
    assert "creati:" in first.text and "objective: 75" in first.text
    state = db_state()

    call_command("plan_load", stdout=(second := _Out()))

    assert "creati: -" in second.text
    assert "aggiornati: -" in second.text
    assert "objective: 75" in second.text  # among the unchanged
    assert db_state() == state


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_a_newer_file_updates_a_changed_title_and_audits_it(db, tmp_path):
    plan_load(data=read_plan_file(DEFAULT_PLAN_FILE))
    old_title = "Creazione di nuovi spazi per il lavoro/coworking/near working"
    new_title = "Creazione di nuovi spazi per il lavoro, il coworking e il near working"
    newer = tmp_path / "psttm_aggiornato.yaml"
    newer.write_text(
        _mutate(DEFAULT_PLAN_FILE.read_text(encoding="utf-8"), old_title, new_title), encoding="utf-8"
    )
    audit_rows = AuditEntry.objects.count()
    others = sorted(Objective.objects.exclude(code="M1.10").values_list("code", "title"))

    summary = plan_load(data=read_plan_file(newer))

    assert summary.updated == {"objective": 1}
    objective = Objective.objects.get(code="M1.10")
    assert objective.title == new_title
    assert sorted(Objective.objects.exclude(code="M1.10").values_list("code", "title")) == others
    assert AuditEntry.objects.count() == audit_rows + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.action == "objective.update"
    assert entry.target_id == str(objective.pk)
    assert entry.actor is None and entry.actor_label == "plan_load"
    assert entry.before is not None and entry.after is not None
    assert entry.before["title"] == old_title
    assert entry.after["title"] == new_title
    assert entry.changes == [("title", old_title, new_title)]


def test_a_newer_file_updates_the_vision_matrix(db, tmp_path):
    plan_load(data=read_plan_file(DEFAULT_PLAN_FILE))
    text = DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    text = _mutate(
        text, "keywords: [inclusione, attrattivita]", "keywords: [sostenibilita, inclusione, attrattivita]"
    )
    newer = tmp_path / "psttm_aggiornato.yaml"
    newer.write_text(text, encoding="utf-8")

    summary = plan_load(data=read_plan_file(newer))

    assert summary.created == {}
    assert summary.updated == {"mission_keywords": 1}
    m4 = Mission.objects.get(code="M4")
    assert sorted(m4.keywords.values_list("slug", flat=True)) == [
        "attrattivita",
        "inclusione",
        "sostenibilita",
    ]
    entry = AuditEntry.objects.filter(action="mission.keywords").order_by("-id").first()
    assert entry is not None
    assert entry.before == {"keywords": ["attrattivita", "inclusione"]}
    assert entry.after == {"keywords": ["attrattivita", "inclusione", "sostenibilita"]}


# Bad files --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mutation", "line", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_plan_file_names_the_line(mutation, line, message):
    text = _mutate(SMALL_PLAN, *mutation)
    with pytest.raises(PlanFileError) as err:
        parse_plan(text, "piano.yaml")
    assert err.value.line == line
    assert f"piano.yaml, riga {line}:" in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(("mutation", "line", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_command_refuses_bad_file_and_leaves_empty_db_empty(db, tmp_path, mutation, line, message):
    bad = tmp_path / "piano.yaml"
    bad.write_text(_mutate(SMALL_PLAN, *mutation), encoding="utf-8")
    before = db_state()

    with pytest.raises(CommandError) as err:
        call_command("plan_load", str(bad))

    assert f"riga {line}:" in str(err.value)
    assert db_state() == before


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        # An early change (M1.10's title) that a partial load would write, then a fault further down.
        ("  - number: 4\n    title: Coordinamento", "  - number: 4\n    titel: Coordinamento", 357),
        ("- code: M6\n", "- code: M9\n", 335),
        ("  - number: 13\n    title: Organizzazione", "  - number: 12\n    title: Organizzazione", 332),
    ],
    ids=["misspelt-key-in-m6", "unknown-mission", "duplicate-objective"],
)
def test_command_refuses_bad_file_and_leaves_loaded_plan_unchanged(plan, tmp_path, old, new, line):
    text = DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    text = _mutate(text, "coworking/near working", "coworking/smart working")
    text = _mutate(text, old, new)
    assert text.splitlines()[line - 1] == new.splitlines()[0]  # the line named is the faulty entry's
    bad = tmp_path / "psttm_rotto.yaml"
    bad.write_text(text, encoding="utf-8")
    before = db_state()

    with pytest.raises(CommandError) as err:
        call_command("plan_load", str(bad))

    assert f"riga {line}:" in str(err.value)
    assert db_state() == before
    assert Objective.objects.get(code="M1.10").title.endswith("coworking/near working")


def test_manage_py_exits_with_an_error_naming_the_line(tmp_path):
    """The real command line: exit status 1 and the line on stderr. The file is refused before any query, so
    the throw-away database of this process is never even created."""
    bad = tmp_path / "piano.yaml"
    bad.write_text(_mutate(SMALL_PLAN, "- code: M2\n", "- code: M9\n"), encoding="utf-8")
    scratch_db = tmp_path / "scratch.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch_db}", "DECIMETRO_ENV": "test"}

    result = subprocess.run(  # noqa: S603 - our own manage.py with a path we wrote
        [sys.executable, str(REPO / "manage.py"), "plan_load", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "CommandError" in result.stderr
    assert f"{bad}, riga 27: missione sconosciuta 'M9'" in result.stderr


def test_command_on_a_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="file non trovato"):
        call_command("plan_load", str(tmp_path / "non-esiste.yaml"))


def test_plan_load_is_atomic_when_the_database_refuses_an_entry(plan):
    """Data that passes the file reader but not the model (a component title over 300 characters, built in
    code) rolls back the whole load, including the changes made before the faulty entry."""
    data = read_plan_file(DEFAULT_PLAN_FILE)
    m1, *others = data.missions
    m1 = dataclasses.replace(
        m1, objectives=[dataclasses.replace(m1.objectives[0], title="Titolo cambiato prima dell'errore")]
    )
    m6 = others[-1]
    m6 = dataclasses.replace(m6, components=[dataclasses.replace(m6.components[0], title="x" * 301)])
    broken = dataclasses.replace(data, missions=[m1, *others[:-1], m6])
    before = db_state()

    with pytest.raises(ValidationError):
        plan_load(data=broken)

    assert db_state() == before


def test_a_title_too_long_for_the_database_is_refused_by_the_reader_with_its_line():
    text = _mutate(SMALL_PLAN, "    title: Componente uno\n", f"    title: {'x' * 301}\n")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text, "piano.yaml")
    assert err.value.line == 17
    assert "supera 300 caratteri" in str(err.value)


# --if-missing -----------------------------------------------------------------------------------------------


def test_if_missing_loads_into_an_empty_database(db):
    call_command("plan_load", "--if-missing", stdout=_Out())
    assert Objective.objects.count() == 75
    assert Edition.objects.get().is_current


def test_if_missing_leaves_an_existing_edition_and_staff_edits_alone(plan, tmp_path):
    # A staff edit made after the first load must survive `make run` (which calls plan_load --if-missing).
    Objective.objects.filter(code="M1.1").update(title="Titolo corretto dallo staff")
    state = db_state()

    call_command("plan_load", "--if-missing", stdout=(out := _Out()))

    assert "già presente" in out.text
    assert db_state() == state
    assert Objective.objects.get(code="M1.1").title == "Titolo corretto dallo staff"


def test_if_missing_still_refuses_a_bad_file(plan, tmp_path):
    bad = tmp_path / "piano.yaml"
    bad.write_text(_mutate(SMALL_PLAN, "- code: M2\n", "- code: M9\n"), encoding="utf-8")
    state = db_state()
    with pytest.raises(CommandError, match="riga 27"):
        call_command("plan_load", "--if-missing", str(bad))
    assert db_state() == state


def test_without_if_missing_the_file_wins_over_staff_edits(plan):
    Objective.objects.filter(code="M1.1").update(title="Titolo corretto dallo staff")
    call_command("plan_load", stdout=_Out())
    assert Objective.objects.get(code="M1.1").title.startswith("Superamento del digital divide")


def test_the_shipped_file_path_is_inside_the_package():
    assert DEFAULT_PLAN_FILE.is_file()
    assert Path(DEFAULT_PLAN_FILE).parent.name == "data"
