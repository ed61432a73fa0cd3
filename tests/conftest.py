"""Shared fixtures: the real plan and territory, loaded by the real services, and the personas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, read_plan_file
from decimetro.plan.services import plan_load
from decimetro.territory.services import territory_load
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    EnteFactory,
    MembershipFactory,
    OrganisationFactory,
    StaffFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parents[1]
# The shared open data and the plan's seed live beside the checkout (../shared), as in CI.
SHARED_DIR = Path(os.environ.get("DECIMETRO_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture
def plan(db):
    """The PSTTM as shipped in decimetro/plan/data, loaded through plan_load."""
    plan_load(data=read_plan_file(DEFAULT_PLAN_FILE))
    from decimetro.plan.models import Edition

    return Edition.objects.get(slug="psttm-2022-2024")


@pytest.fixture
def territory(db):
    """The 133 comuni of Città metropolitana di Milano, loaded through territory_load."""
    return territory_load(uts="215")


# Personas ---------------------------------------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    """A member of the Ente's staff: may edit the plan."""
    return StaffFactory(username="staff.ente")


@pytest.fixture
def plain_user(db):
    """An authenticated user who is not staff (e.g. a comune's or an intermediate body's account)."""
    return UserFactory(username="utente.comune")


@pytest.fixture
def ente_admin(db):
    """Persona: an administrator of the Ente (Città metropolitana), also Django staff."""
    return MembershipFactory(
        user=StaffFactory(username="admin.ente"), organisation=EnteFactory(), role="admin"
    ).user


def _comune(codice_istat: str, name: str):
    from decimetro.territory.models import Comune

    # Reuse the real comune when the `territory` fixture ran first.
    return Comune.objects.filter(codice_istat=codice_istat).first() or ComuneFactory(
        codice_istat=codice_istat, name=name
    )


@pytest.fixture
def comune_a(db):
    """Comune A of the personas: Milano (the real record when `territory` is loaded first)."""
    return _comune("015146", "Milano")


@pytest.fixture
def comune_b(db):
    """Comune B of the personas: Rho."""
    return _comune("015182", "Rho")


@pytest.fixture
def comune_a_editor(comune_a):
    """Persona: an editor of Comune A (writes only Comune A's data)."""
    org = ComuneOrganisationFactory(comune=comune_a)
    return MembershipFactory(user=UserFactory(username="redattore.a"), organisation=org, role="editor").user


@pytest.fixture
def comune_b_editor(comune_b):
    """Persona: an editor of Comune B."""
    org = ComuneOrganisationFactory(comune=comune_b)
    return MembershipFactory(user=UserFactory(username="redattore.b"), organisation=org, role="editor").user


@pytest.fixture
def association_user(db):
    """Persona: a member of an intermediate body (an association)."""
    org = OrganisationFactory(name="Associazione Imprese Metropolitane", body_kind="business")
    return MembershipFactory(user=UserFactory(username="associazione"), organisation=org, role="editor").user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _italian_by_default():
    """Each test starts in Italian: a request in English must not leak its language into the next test."""
    from django.utils import translation

    with translation.override("it"):
        yield


@pytest.fixture
def pnrr_submeasure(db):
    """Makes `pnrr_submeasure("M1", "M1C1", "M1C1I1.02")`: the submeasure `M1C1I1.02.00` with its measure,
    component and mission (get-or-create by code, named after their codes). Shared by the PNRR page and API
    tests."""
    from tests.factories import (
        PnrrComponentFactory,
        PnrrMeasureFactory,
        PnrrMissionFactory,
        SubMeasureFactory,
    )

    def make(mission: str, component: str, measure: str):
        m = PnrrMissionFactory(code=mission, name=f"Missione {mission}")
        c = PnrrComponentFactory(code=component, mission=m, name=f"Componente {component}")
        me = PnrrMeasureFactory(code=measure, component=c, name=f"Misura {measure}")
        return SubMeasureFactory(code=f"{measure}.00", measure=me)

    return make
