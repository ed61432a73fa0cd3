"""Shared fixtures: the real plan and territory (built once per session by the real services), the personas,
the fast password hasher and the scenarios shared by several folders."""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test.utils import override_settings
from django.utils import translation

from decimetro.core.models import AuditEntry
from decimetro.plan.models import Edition
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, read_plan_file
from decimetro.plan.services import plan_load
from decimetro.territory.models import Comune
from decimetro.territory.services import territory_load
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    EnteFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MembershipFactory,
    OrganisationFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    PnrrComponentFactory,
    PnrrMeasureFactory,
    PnrrMissionFactory,
    ProjectFactory,
    StaffFactory,
    SubMeasureFactory,
    UserFactory,
    ZoneFactory,
)

# Fixtures of one folder that other folders use too (the links' back-office and browser tests).
pytest_plugins = ["tests.linking.fixtures"]

ROOT = Path(__file__).resolve().parents[1]
# The shared open data and the plan's seed live beside the checkout (../shared), as in CI.
SHARED_DIR = Path(os.environ.get("DECIMETRO_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> Iterator[None]:
    """Every persona and factory user has a hashed password; the production hasher (hundreds of thousands of
    iterations) would cost a tenth of a second each. override_settings also clears the hashers' cache."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_at_once() -> Iterator[None]:
    """Tasks run inside the test, at enqueue time (django-tasks' ImmediateBackend): what a task does is seen
    by the assertions that follow. Enqueues deferred with `transaction.on_commit` need the test to run the
    callbacks (`django_capture_on_commit_callbacks(execute=True)`). The tests of the real worker
    (tests/core/test_worker.py) run it in a subprocess on the database backend."""
    immediate = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    with override_settings(TASKS={"default": immediate}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _media_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files the code writes under MEDIA_ROOT (uploads, the open-data bundles built after imports) go to a
    folder of the session, never to the checkout's var/media, and are never read from a former run."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


# Reference data: the plan and the territory ---------------------------------------------------------------
#
# plan_load and territory_load take about a second per test. They run once per session, in a transaction
# that is rolled back, and the rows they wrote (column values per model, the audit rows included) are kept.
# A test asking for `plan` or `territory` gets those rows inserted in bulk into its own database state (inside
# its transaction, or committed and then flushed for transactional/live-server tests), so:
# - a test that does not ask for them still sees an empty database (counts, "no comuni yet", query counts);
# - the rows are exactly those of the loader into an empty database, with fresh audit ids and timestamps;
# - when the test already has rows in those tables (e.g. `comune_a` made Milano first), the real loader runs
#   instead, so its merge (update the existing rows, write their audit) is what the test sees.
# Test order does not matter: nothing is left in the database between tests.

# Rows every service appends to: restored with fresh ids after the test's own rows, as the loader writes them.
_FRESH_IDS: tuple[type[models.Model], ...] = (AuditEntry,)


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    """What one loader wrote into an empty database: column values per model, and the loader's result."""

    rows: list[tuple[type[models.Model], list[dict[str, Any]]]]
    result: Any


def _content_type_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname for f in model._meta.concrete_fields if f.is_relation and f.related_model is ContentType
    ]


def _capture(load: Callable[[], Any]) -> _Snapshot:
    """Run `load` on the empty test database and keep what it wrote; the database is left as it was. Content
    type ids are kept as natural keys (a flush recreates the content types with new ids)."""
    every = apps.get_models(include_auto_created=True)
    with transaction.atomic():
        before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in every}
        result = load()
        rows: list[tuple[type[models.Model], list[dict[str, Any]]]] = []
        for model in every:
            written = list(model._base_manager.exclude(pk__in=before[model]).order_by("pk").values())
            if not written:
                continue
            if before[model] and model not in _FRESH_IDS:
                raise RuntimeError(f"{model._meta.label} is not empty: cannot capture the reference data")
            for row in written:
                for name in _content_type_fields(model):
                    row[name] = ContentType.objects.get_for_id(row[name]).natural_key()
            rows.append((model, written))
        transaction.set_rollback(True)
    return _Snapshot(rows=rows, result=result)


def _restore(snapshot: _Snapshot, load: Callable[[], Any]) -> Any:
    """Insert the captured rows (one bulk insert per model), or run the real `load` when any of its tables
    already has rows. Returns what the loader returned."""
    kept = [model for model, _rows in snapshot.rows if model not in _FRESH_IDS]
    if any(model._base_manager.exists() for model in kept):
        return load()
    with transaction.atomic():
        for model, rows in snapshot.rows:
            objs = []
            for row in rows:
                values = dict(row)
                for name in _content_type_fields(model):
                    values[name] = ContentType.objects.get_by_natural_key(*values[name]).pk
                if model in _FRESH_IDS:
                    values.pop(model._meta.pk.attname)
                objs.append(model(**values))
            model._base_manager.bulk_create(objs)
        # PostgreSQL: explicit ids do not move the sequences (SQLite's AUTOINCREMENT follows by itself).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), kept):
                cursor.execute(sql)
    return dataclasses.replace(snapshot.result) if dataclasses.is_dataclass(snapshot.result) else None


def _load_plan() -> None:
    plan_load(data=read_plan_file(DEFAULT_PLAN_FILE))


def _load_territory() -> Any:
    return territory_load(uts="215")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """PostgreSQL: no autovacuum on the test database's tables, so the planner never sees statistics that
    an ANALYZE took at a random moment of the run (after a live-server, worker or production-stack test
    committed a handful of rows): with them, a query on the thousands of rows a later test writes inside its
    transaction could be planned as nested loops over nested loops and run for hours (CI stop 19 waited 80
    minutes on `crosswalk_load`). Every table is then planned from its real size, as on a fresh database."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT format('ALTER TABLE %I.%I SET (autovacuum_enabled = off, "
                    "toast.autovacuum_enabled = off)', schemaname, tablename) "
                    "FROM pg_tables WHERE schemaname = current_schema()"
                )
                for (statement,) in cursor.fetchall():
                    cursor.execute(statement)


@pytest.fixture(scope="session")
def _plan_rows(django_db_setup, django_db_blocker) -> _Snapshot:
    with django_db_blocker.unblock():
        return _capture(_load_plan)


@pytest.fixture(scope="session")
def _territory_rows(django_db_setup, django_db_blocker) -> _Snapshot:
    with django_db_blocker.unblock():
        return _capture(_load_territory)


@pytest.fixture
def plan(db, _plan_rows):
    """The PSTTM as shipped in decimetro/plan/data, as plan_load writes it."""
    _restore(_plan_rows, _load_plan)
    return Edition.objects.get(slug="psttm-2022-2024")


@pytest.fixture
def territory(db, _territory_rows):
    """The 133 comuni of Città metropolitana di Milano, as territory_load writes them (its summary)."""
    return _restore(_territory_rows, _load_territory)


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
    with translation.override("it"):
        yield


# Scenarios shared by several folders -----------------------------------------------------------------------


@pytest.fixture
def pnrr_submeasure(db):
    """Makes `pnrr_submeasure("M1", "M1C1", "M1C1I1.02")`: the submeasure `M1C1I1.02.00` with its measure,
    component and mission (get-or-create by code, named after their codes). Shared by the PNRR page and API
    tests."""

    def make(mission: str, component: str, measure: str):
        m = PnrrMissionFactory(code=mission, name=f"Missione {mission}")
        c = PnrrComponentFactory(code=component, mission=m, name=f"Componente {component}")
        me = PnrrMeasureFactory(code=measure, component=c, name=f"Misura {measure}")
        return SubMeasureFactory(code=f"{measure}.00", measure=me)

    return make


@pytest.fixture
def map_projects(db, pnrr_submeasure):
    """The Web GIS scenario shared by the map's figures, pages and API tests. Zones Nord (Alfa 10 000
    residents, Beta 30 000) and Sud (Gamma, no population); Fuori is a comune outside the territory (another
    UTS). Projects:
    - p1 M1C1 100 000 in Alfa only; payments 10 000 (old) then 40 000 of 120 000 (latest);
    - p2 M1C1 90 000 in Alfa, Beta and a national place (1/3 each under the equal rule);
    - p3 M2C1 60 000 in Beta and Gamma (Gamma has no population: population rule falls back to equal);
    - p4 M2C1 50 000 in Gamma and Fuori (half goes to a comune outside the territory);
    - p5 M1C1 70 000 only in Fuori (not in the territory at all)."""
    nord, sud = ZoneFactory(slug="nord", name="Nord"), ZoneFactory(slug="sud", name="Sud")
    alfa = ComuneFactory(codice_istat="015901", name="Alfa", zone=nord, population_resident=10_000)
    beta = ComuneFactory(codice_istat="015902", name="Beta", zone=nord, population_resident=30_000)
    gamma = ComuneFactory(codice_istat="015903", name="Gamma", zone=sud, population_resident=None)
    fuori = ComuneFactory(codice_istat="016001", name="Fuori", zone=None, codice_uts="216")
    s11 = pnrr_submeasure("M1", "M1C1", "M1C1I1.01")
    s21 = pnrr_submeasure("M2", "M2C1", "M2C1I1.01")
    p1 = ProjectFactory(submeasure=s11, fin_pnrr=Decimal("100000"), fin_totale=Decimal("120000"))
    PlaceFactory(project=p1, comune=alfa)
    PaymentSnapshotFactory(project=p1, release_date=datetime.date(2024, 6, 30), paid_total=Decimal("10000"))
    PaymentSnapshotFactory(project=p1, release_date=datetime.date(2025, 3, 31), paid_total=Decimal("40000"))
    p2 = ProjectFactory(submeasure=s11, fin_pnrr=Decimal("90000"), fin_totale=Decimal("90000"))
    PlaceFactory(project=p2, comune=alfa)
    PlaceFactory(project=p2, comune=beta)
    PlaceFactory(project=p2, comune=None, istat_code="", region_code="0", comune_code="0")  # national
    p3 = ProjectFactory(submeasure=s21, fin_pnrr=Decimal("60000"), fin_totale=Decimal("60000"))
    PlaceFactory(project=p3, comune=beta)
    PlaceFactory(project=p3, comune=gamma)
    p4 = ProjectFactory(submeasure=s21, fin_pnrr=Decimal("50000"), fin_totale=Decimal("50000"))
    PlaceFactory(project=p4, comune=gamma)
    PlaceFactory(project=p4, comune=fuori)
    p5 = ProjectFactory(submeasure=s11, fin_pnrr=Decimal("70000"))
    PlaceFactory(project=p5, comune=fuori)
    return {
        "alfa": alfa,
        "beta": beta,
        "gamma": gamma,
        "fuori": fuori,
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "p4": p4,
        "p5": p5,
    }


@pytest.fixture
def indicator(comune_a, plain_user):
    """Milano's separate-collection indicator (owned by `plain_user`) with one value: the public pages and the
    back office of the indicators."""
    ind = IndicatorFactory(
        code="MI-RD",
        name="Raccolta differenziata a Milano",
        unit="%",
        source="ISPRA, Catasto rifiuti",
        comune=comune_a,
        owner=plain_user,
        baseline_value=Decimal("60"),
        target_value=Decimal("75"),
    )
    IndicatorValueFactory(
        indicator=ind, date=datetime.date(2024, 12, 31), value=Decimal("62.5"), source="ISPRA 2025"
    )
    return ind
