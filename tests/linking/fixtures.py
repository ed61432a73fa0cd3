"""Fixtures of the links: the real plan, a few PNRR projects made with the factories (real measure codes and
texts from the bundled extract), the crosswalk rows for their measures and the suggestions. tests/conftest.py
registers them for every folder: the back-office and browser tests of the links use them too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from decimetro.core.models import AuditEntry
from decimetro.linking import classifier as clf
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkEvent, MeasureObjective, ProjectObjectiveLink
from decimetro.linking.training import train_artefact
from decimetro.linking.training_data import find_files
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure, Project
from tests.factories import (
    PlaceFactory,
    PnrrComponentFactory,
    PnrrMeasureFactory,
    PnrrMissionFactory,
    ProjectFactory,
    SubMeasureFactory,
)


def make_measure(code: str, name: str, mission_name: str = "") -> Measure:
    mission = PnrrMissionFactory(code=code[:2], name=mission_name or code[:2])
    component = PnrrComponentFactory(mission=mission, code=code[:4])
    return PnrrMeasureFactory(component=component, code=code, name=name)


def make_project(measure: Measure, *, title: str, synthesis: str, comune: Any = None) -> Project:
    sub = SubMeasureFactory(measure=measure, code=f"{measure.code}.00", name=measure.name)
    project = ProjectFactory(submeasure=sub, title=title, synthesis=synthesis)
    if comune is not None:
        PlaceFactory(project=project, comune=comune)
    return project


@dataclass
class Linked:
    cloud: Project
    casa: Project
    tram: Project
    cloud_measure: Measure
    casa_measure: Measure
    tram_measure: Measure

    def link(self, project: Project, code: str) -> ProjectObjectiveLink:
        return ProjectObjectiveLink.objects.get(project=project, objective__code=code)


@pytest.fixture
def measures(plan) -> dict[str, Measure]:
    return {
        "cloud": make_measure("M1C1I1.02", "Abilitazione al cloud per le PA locali"),
        "casa": make_measure("M6C1I1.01", "Case della Comunità e presa in carico della persona"),
        "tram": make_measure(
            "M2C2I4.02", "Sviluppo trasporto rapido di massa (metropolitana, tram, autobus)"
        ),
    }


@pytest.fixture
def linked(plan, measures, comune_a, comune_b) -> Linked:
    """Three projects (texts of the bundled extract), the crosswalk of their measures, their suggestions."""
    cloud = make_project(
        measures["cloud"],
        title="1.2. Ab.Cloud Com Nerviano",
        synthesis="MIGRAZIONE AL CLOUD DEI SERVIZI DIGITALI DELL'AMMINISTRAZIONE*TERRITORIO COMUNALE",
        comune=comune_a,
    )
    casa = make_project(
        measures["casa"],
        title="REALIZZAZIONE DI UNA CASA DI COMUNITÀ NELL'AREA DI VIALE JENNER 44 A MILANO",
        synthesis="REALIZZAZIONE DI UNA CASA DI COMUNIT NELL'AREA DI VIALE JENNER 44 A MILANO",
        comune=comune_b,
    )
    tram = make_project(
        measures["tram"],
        title="LINEE TRANVIARIE*FORNITURA DI 14 TRAM BIDIREZIONALI A SERVIZIO DELLA LINEA TRANVIARIA 7",
        synthesis="",
        comune=comune_a,
    )
    objective = {o.code: o for o in Objective.objects.filter(code__in=["M1.2", "M6.1", "M3.1", "M3.2"])}
    link_svc.crosswalk_add(by=None, measure=measures["cloud"], objective=objective["M1.2"], note="cloud")
    link_svc.crosswalk_add(by=None, measure=measures["casa"], objective=objective["M6.1"], note="casa")
    link_svc.crosswalk_add(by=None, measure=measures["tram"], objective=objective["M3.1"], note="tram")
    link_svc.crosswalk_add(by=None, measure=measures["tram"], objective=objective["M3.2"], note="tpl")
    link_svc.links_suggest_all(by=None)
    return Linked(cloud, casa, tram, measures["cloud"], measures["casa"], measures["tram"])


def link_state() -> tuple[Any, ...]:
    """Everything a linking write may change."""
    return (
        sorted(
            ProjectObjectiveLink.objects.values_list(
                "project_id", "objective__code", "origin", "status", "score", "decided_by_id"
            )
        ),
        sorted(MeasureObjective.objects.values_list("measure__code", "objective__code", "note")),
        LinkEvent.objects.count(),
        AuditEntry.objects.count(),
    )


# A trained classifier ---------------------------------------------------------------------------------------

CLASSIFIER_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classifier"


@pytest.fixture(scope="module")
def model_base(tmp_path_factory) -> Path:
    """A model trained on the small real sample (`fixtures/classifier`), in its own DECIMETRO_MODEL_DIR;
    trained once per test module."""
    base = tmp_path_factory.mktemp("models")
    train_artefact(
        files=find_files(CLASSIFIER_FIXTURES),
        params=clf.Params(seed=7),
        directory=clf.model_dir(base),
        data_label="t",
    )
    return base


@pytest.fixture
def with_model(settings, model_base):
    """The model of `model_base` is the installed one."""
    settings.DECIMETRO_MODEL_DIR = model_base
    return model_base
