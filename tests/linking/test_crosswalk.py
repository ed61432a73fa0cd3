"""The measure → objective crosswalk: the bundled file covers every measure with projects in the bundled
extract, loads idempotently through the service, never removes staff edits, and refuses bad files naming the
file, the entry and the problem (nothing written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decimetro.core.models import AuditEntry
from decimetro.linking import services as link_svc
from decimetro.linking.models import MeasureObjective
from decimetro.linking.services import (
    CROSSWALK_FILE,
    CrosswalkError,
    CrosswalkRow,
    crosswalk_load,
    read_crosswalk_file,
)
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure, Project
from decimetro.pnrr.services import BUNDLED_FILES, pnrr_import_file
from tests.linking.fixtures import link_state


@pytest.fixture
def bundled_projects(plan):
    """The bundled financial frame and projects (all the measure codes the crosswalk names)."""
    for path in (BUNDLED_FILES[0], BUNDLED_FILES[2]):
        pnrr_import_file(path=path)


def test_bundled_file_covers_every_measure_with_projects(bundled_projects):
    rows = read_crosswalk_file()
    covered = {r.measure for r in rows}
    with_projects = set(Project.objects.values_list("submeasure__measure__code", flat=True))
    assert with_projects <= covered, sorted(with_projects - covered)
    assert all(r.reason for r in rows)


def test_load_is_idempotent_and_audited_once(bundled_projects):
    first = crosswalk_load()
    assert first["created"] == len(read_crosswalk_file()) and first["updated"] == 0
    n = MeasureObjective.objects.count()
    audits = AuditEntry.objects.filter(action="linking.crosswalk_load").count()
    second = crosswalk_load()
    assert second == {"created": 0, "updated": 0, "unchanged": n, "approved": 0, "linked": 0}
    assert MeasureObjective.objects.count() == n
    assert AuditEntry.objects.filter(action="linking.crosswalk_load").count() == audits == 1
    entry = MeasureObjective.objects.get(measure__code="M6C1I1.01", objective__code="M6.1")
    assert "case della comunita" in entry.note


def test_load_keeps_staff_edits(bundled_projects, staff_user):
    crosswalk_load()
    entry = MeasureObjective.objects.get(measure__code="M6C1I1.01", objective__code="M6.1")
    link_svc.crosswalk_remove(by=staff_user, entry=entry)
    extra = link_svc.crosswalk_add(
        by=staff_user,
        measure=Measure.objects.get(code="M6C1I1.01"),
        objective=Objective.objects.get(code="M6.4"),
        note="scelta del personale",
    )
    counts = crosswalk_load()
    assert counts["created"] == 1  # the removed row is in the file: the loader adds it back…
    assert MeasureObjective.objects.filter(pk=extra.pk).exists()  # …and never removes a staff row.


def test_add_and_remove_are_audited(linked, staff_user):
    objective = Objective.objects.get(code="M6.4")
    entry = link_svc.crosswalk_add(
        by=staff_user, measure=linked.casa_measure, objective=objective, note=" x "
    )
    assert entry.note == "x"
    added = AuditEntry.objects.get(action="linking.crosswalk_add", actor=staff_user)
    assert added.after == {"measure": "M6C1I1.01", "objective": "M6.4", "note": "x"}
    before = AuditEntry.objects.count()
    link_svc.crosswalk_add(by=staff_user, measure=linked.casa_measure, objective=objective, note="x")
    assert AuditEntry.objects.count() == before  # nothing changed, nothing recorded
    link_svc.crosswalk_remove(by=staff_user, entry=entry)
    assert not MeasureObjective.objects.filter(pk=entry.pk).exists()
    removed = AuditEntry.objects.get(action="linking.crosswalk_remove")
    assert removed.before["objective"] == "M6.4" and removed.after is None


# Messages name the line (the valid entry written first takes lines 1-3).
BAD_FILES = {
    "M1C1I1.02:\n- objective: M1.2\n  reason: a: b\n": "crosswalk.yaml: file illeggibile",
    "- M1C1I1.02\n": "crosswalk.yaml: atteso un elenco",
    "M1C1I1.02: []\n": "crosswalk.yaml, riga 4, misura M1C1I1.02: attesa una lista non vuota",
    "M1C1I1.02:\n- objective: M1.2\n": "crosswalk.yaml, riga 5, misura M1C1I1.02, voce 1: attese le chiavi",
    "M1C1I1.02:\n- objective: M1.2\n  reason: ''\n": "riga 5, misura M1C1I1.02, voce 1: obiettivo e",
    "M9C9I9.99:\n- objective: M1.2\n  reason: r\n": "riga 5, misura M9C9I9.99: codice misura sconosciuto",
    "M1C1I1.02:\n- objective: M1.99\n  reason: r\n": "riga 5, misura M1C1I1.02: obiettivo M1.99 sconosciuto",
    # Conflicting rules: a measure listed twice (YAML would keep only the last), the same pair twice.
    "M6C1I1.01:\n- objective: M6.1\n  reason: r\n": (
        "riga 4, misura M6C1I1.01: misura ripetuta (già alla riga 1)"
    ),
    "M1C1I1.02:\n- objective: M1.2\n  reason: r\n- objective: m1.2\n  reason: altra\n": (
        "riga 7, misura M1C1I1.02, voce 2: la corrispondenza M1C1I1.02 → M1.2 è ripetuta (già alla riga 5)"
    ),
}


@pytest.mark.parametrize(("content", "message"), list(BAD_FILES.items()))
def test_bad_files_are_refused_with_a_clear_message(linked, tmp_path: Path, content, message):
    path = tmp_path / "crosswalk.yaml"
    # A valid entry first: the whole file is refused, that entry is not written either.
    valid = "M6C1I1.01:\n- objective: M6.4\n  reason: valida, ma il file e' rifiutato tutto\n"
    path.write_text(content if content.startswith("-") else valid + content, encoding="utf-8")
    before = link_state()
    with pytest.raises(CrosswalkError, match=re.escape(message)):
        crosswalk_load(path=path)
    assert link_state() == before


def test_file_saved_in_windows_1252_is_read(tmp_path: Path):
    path = tmp_path / "crosswalk.yaml"
    path.write_bytes("M6C1I1.01:\n- objective: m6.4\n  reason: perché è così\n".encode("cp1252"))
    assert read_crosswalk_file(path) == [CrosswalkRow("M6C1I1.01", "M6.4", "perché è così")]


def test_file_that_is_not_text_is_refused_naming_the_line(tmp_path: Path):
    path = tmp_path / "crosswalk.yaml"
    path.write_bytes(b"M6C1I1.01:\n- objective: M6.4\n  reason: \x00\x01\n")
    with pytest.raises(CrosswalkError, match=r"^crosswalk\.yaml, riga 3: il file non è un file di testo"):
        read_crosswalk_file(path)


def test_default_path_is_the_bundled_file():
    assert CROSSWALK_FILE.name == "crosswalk.yaml" and CROSSWALK_FILE.exists()
