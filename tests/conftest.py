"""Shared fixtures: the real plan and territory, loaded by the real services, and the personas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, read_plan_file
from decimetro.plan.services import plan_load
from decimetro.territory.services import territory_load
from tests.factories import StaffFactory, UserFactory

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
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _italian_by_default():
    """Each test starts in Italian: a request in English must not leak its language into the next test."""
    from django.utils import translation

    with translation.override("it"):
        yield
