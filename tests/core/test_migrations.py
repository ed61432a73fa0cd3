"""No data lost: a database built at the commit before "one house, clear rooms" migrates to the new models.

The test takes the test database back to that commit's migrations (organisations, memberships and invitations
in `participation`, the PNRR's `Mission`/`Component`), fills the old schema through the historical models,
migrates to the latest migrations and compares every row of every table of ours, then checks the relations
through the current models, the foreign keys in the database, the sequences, the content types (audit rows,
admin log entries) and the permissions. Then it goes back down and finds the first snapshot again."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from decimetro.core.audit import audit_history
from decimetro.core.models import AuditEntry, Invitation, Membership, Organisation, User
from decimetro.linking.models import MeasureObjective, ProjectObjectiveLink
from decimetro.monitoring.models import Indicator
from decimetro.participation.models import Consultation, DupObjective, Observation, VerificationReport
from decimetro.pnrr.models import PnrrComponent, PnrrMission, Project

pytestmark = pytest.mark.django_db(transaction=True)

# The last migration of each of our apps at the previous commit (96f44e0); apps not listed had none.
PREVIOUS = [
    ("core", "0001_initial"),
    ("plan", "0001_initial"),
    ("territory", "0001_initial"),
    ("pnrr", "0002_import_speed"),
    ("linking", "0002_link_event"),
    ("monitoring", "0001_initial"),
    ("participation", "0002_consultation_dupobjective_observation_and_more"),
]
OURS = {app for app, _ in PREVIOUS}
# Old model label → new model label (app_label.model_name, lower case, as content types spell them).
RENAMED = {
    "participation.organisation": "core.organisation",
    "participation.membership": "core.membership",
    "participation.invitation": "core.invitation",
    "pnrr.mission": "pnrr.pnrrmission",
    "pnrr.component": "pnrr.pnrrcomponent",
}
OLD_TABLES = {"participation_organisation", "participation_membership", "participation_invitation"}
OLD_TABLES |= {"pnrr_mission", "pnrr_component"}
# Foreign keys that must follow the renamed tables: (table, column) → referenced table.
EXPECTED_REFERENCES = {
    ("core_membership", "organisation_id"): "core_organisation",
    ("core_invitation", "organisation_id"): "core_organisation",
    ("participation_consultation_audience_organisations", "organisation_id"): "core_organisation",
    ("participation_dupobjective", "organisation_id"): "core_organisation",
    ("participation_observation", "organisation_id"): "core_organisation",
    ("participation_verificationreport", "organisation_id"): "core_organisation",
    ("core_organisation", "comune_id"): "territory_comune",
    ("pnrr_pnrrcomponent", "mission_id"): "pnrr_pnrrmission",
    ("pnrr_measure", "component_id"): "pnrr_pnrrcomponent",
}


# Migrating ------------------------------------------------------------------------------------------------


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    """Migrate to `targets`; return an executor whose loader knows what is applied now."""
    MigrationExecutor(connection).migrate(targets)
    ContentType.objects.clear_cache()  # content types were relabelled under the cache's feet
    return MigrationExecutor(connection)


def _latest() -> list[tuple[str, str | None]]:
    return list(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _previous_targets(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """Our apps at the previous commit; an app of ours that had no migrations then has none applied."""
    ours = {app for app in executor.loader.migrated_apps if app not in _contrib_apps(executor)}
    return [*PREVIOUS, *[(app, None) for app in sorted(ours - OURS)]]


def _contrib_apps(executor: MigrationExecutor) -> set[str]:
    return {c.label for c in apps.get_app_configs() if not c.name.startswith("decimetro.")}


def _previous_state(executor: MigrationExecutor) -> Apps:
    nodes = [*PREVIOUS, *[n for n in executor.loader.graph.leaf_nodes() if n[0] in _contrib_apps(executor)]]
    return executor.loader.project_state(nodes).apps


def _latest_state(executor: MigrationExecutor) -> Apps:
    return executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps


# Filling the old schema -------------------------------------------------------------------------------------


def _fill_previous_schema(old: Apps) -> dict[str, Any]:
    """One of everything the issue names, related the way the app relates them, through historical models."""
    get = old.get_model
    OldUser, OldGroup, OldPermission = get("core", "User"), get("auth", "Group"), get("auth", "Permission")
    OldContentType = get("contenttypes", "ContentType")
    now = timezone.now()

    def content_type(label: str) -> Any:
        app_label, model = label.split(".")
        return OldContentType.objects.get_or_create(app_label=app_label, model=model)[0]

    def permission(label: str, action: str, verbose: str) -> Any:
        model = label.split(".")[1]
        return OldPermission.objects.get_or_create(
            content_type=content_type(label),
            codename=f"{action}_{model}",
            defaults={"name": f"Can {verbose}"},
        )[0]

    users = {
        name: OldUser.objects.create(username=name, password="!", email=f"{name}@example.org")
        for name in ("admin.ente", "redattore.comune", "lettore.cgil", "invitato", "redazione")
    }
    zone = get("territory", "Zone").objects.create(slug="zona-prova", name="Zona di prova")
    OldComune = get("territory", "Comune")
    comune = OldComune.objects.create(
        codice_istat="099901",
        name="Comune di prova",
        codice_catastale="Z901",
        codice_uts="299",
        uts_name="UTS di prova",
        zone=zone,
        population_resident=12_345,
        area_kmq=Decimal("12.3456"),
        geometry={"type": "Point", "coordinates": [9.19, 45.46]},
    )

    OldOrganisation = get("participation", "Organisation")
    ente = OldOrganisation.objects.create(
        kind="ente", name="Città metropolitana di prova", email="ente@example.org"
    )
    comune_org = OldOrganisation.objects.create(
        kind="comune", name="Comune di prova", comune=comune, phone="02 1"
    )
    body = OldOrganisation.objects.create(
        kind="body", body_kind="labour", name="Sindacato di prova", active=False
    )
    OldMembership = get("participation", "Membership")
    OldMembership.objects.create(user=users["admin.ente"], organisation=ente, role="admin")
    OldMembership.objects.create(user=users["redattore.comune"], organisation=comune_org, role="editor")
    OldMembership.objects.create(user=users["lettore.cgil"], organisation=body, role="viewer")
    get("participation", "Invitation").objects.create(
        email="invitato@example.org",
        organisation=comune_org,
        role="editor",
        token_hash="a" * 64,
        created_by=users["admin.ente"],
        expires_at=now + datetime.timedelta(days=7),
        accepted_at=now,
        user=users["invitato"],
    )
    get("participation", "Invitation").objects.create(
        email="altro@example.org", organisation=body, token_hash="b" * 64, created_by=None, expires_at=now
    )

    edition = get("plan", "Edition").objects.create(
        slug="prova", title="Piano di prova", short_title="Prova", ente="Ente", year_start=2022, year_end=2024
    )
    keyword = get("plan", "Keyword").objects.create(
        edition=edition, slug="digitale", name="Digitale", position=1
    )
    mission = get("plan", "Mission").objects.create(
        edition=edition, code="M1", number=1, title="Missione", matrix_title="M", introduction="Intro"
    )
    mission.keywords.add(keyword)
    get("plan", "Component").objects.create(
        edition=edition, mission=mission, code="M1.C1", title="Componente", position=1, comuni=True
    )
    OldObjective = get("plan", "Objective")
    objective_1 = OldObjective.objects.create(
        edition=edition, mission=mission, code="M1.1", number=1, title="Uno"
    )
    objective_2 = OldObjective.objects.create(
        edition=edition, mission=mission, code="M1.2", number=2, title="Due", corpi_intermedi=True
    )

    pnrr_mission = get("pnrr", "Mission").objects.create(code="M9", name="Missione PNRR di prova")
    pnrr_component = get("pnrr", "Component").objects.create(code="M9C9", mission=pnrr_mission, name="Comp")
    measure = get("pnrr", "Measure").objects.create(code="M9C9I9.99", component=pnrr_component, kind="invest")
    submeasure = get("pnrr", "SubMeasure").objects.create(
        code="M9C9I9.99.00", measure=measure, amount_total=Decimal("1000000.00"), in_frame=True
    )
    milestone = get("pnrr", "Milestone").objects.create(
        code="M9C9-1", kind="Target", name="Traguardo", year=2026
    )
    milestone.submeasures.add(submeasure)
    implementing_body = get("pnrr", "ImplementingBody").objects.create(
        fiscal_code="01234567890", name="Attuatore"
    )
    project = get("pnrr", "Project").objects.create(
        cup="B12C34000000001",
        provenance="validated",
        submeasure=submeasure,
        implementing_body=implementing_body,
        title="Progetto di prova",
        fin_pnrr=Decimal("250000.00"),
        fin_totale=Decimal("300000.00"),
    )
    get("pnrr", "Place").objects.create(
        project=project, dataset="validated", comune=comune, istat_code="099901"
    )
    get("pnrr", "PaymentSnapshot").objects.create(
        project=project, release_date=datetime.date(2025, 3, 31), paid_total=Decimal("12345.67")
    )
    get("pnrr", "ImportRun").objects.create(
        file_name="progetti.csv", checksum="c" * 64, kind="projects", status="ok", rows_read=1, inserted=1
    )

    get("linking", "MeasureObjective").objects.create(
        measure=measure, objective=objective_1, note="crosswalk"
    )
    get("linking", "ProjectObjectiveLink").objects.create(
        project=project,
        objective=objective_1,
        origin="staff",
        status="confirmed",
        decided_by=users["admin.ente"],
    )
    get("linking", "ProjectObjectiveLink").objects.create(
        project=project, objective=objective_2, origin="model", status="suggested", score=0.73
    )
    get("linking", "LinkEvent").objects.create(
        project=project, objective=objective_1, action="confirmed", origin="staff", by=users["admin.ente"]
    )

    indicator = get("monitoring", "Indicator").objects.create(
        code="IND-1",
        name="Indicatore",
        unit="%",
        source="ISTAT",
        baseline_value=Decimal("10"),
        baseline_date=datetime.date(2022, 1, 1),
        target_value=Decimal("20"),
        target_date=datetime.date(2026, 1, 1),
        objective=objective_1,
        comune=comune,
        owner=users["redattore.comune"],
    )
    for day, value in ((datetime.date(2023, 1, 1), "12.5"), (datetime.date(2024, 1, 1), "15.25")):
        get("monitoring", "IndicatorValue").objects.create(
            indicator=indicator, date=day, value=Decimal(value), entered_by=users["redattore.comune"]
        )
    get("monitoring", "IndicatorReminder").objects.create(
        indicator=indicator, due_date=datetime.date(2025, 1, 1), email="redattore.comune@example.org"
    )

    consultation = get("participation", "Consultation").objects.create(
        title="Consultazione",
        text="Testo",
        objective=objective_1,
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 2, 1),
        audience="list",
        audience_kinds=["body:labour"],
        created_by=users["admin.ente"],
    )
    consultation.audience_organisations.add(comune_org, body)
    get("participation", "Observation").objects.create(
        consultation=consultation,
        organisation=comune_org,
        author=users["redattore.comune"],
        text="Osservo",
        status="published",
        answer="Risposta",
        answered_by=users["admin.ente"],
        answered_at=now,
    )
    report = get("participation", "VerificationReport").objects.create(
        project=project,
        organisation=comune_org,
        author=users["redattore.comune"],
        status="in_progress",
        seen_on=datetime.date(2025, 4, 1),
        note="Cantiere aperto",
    )
    get("participation", "VerificationPhoto").objects.create(
        report=report, image="participation/verifications/abc.jpg", original_name="cantiere.jpg"
    )
    dup = get("participation", "DupObjective").objects.create(
        organisation=comune_org,
        code="DUP-1",
        title="Obiettivo DUP",
        dup_mission="01",
        year_from=2024,
        year_to=2026,
    )
    dup.plan_objectives.add(objective_1, objective_2)

    # Content types as the old code wrote them: audit rows on an organisation, a membership and a PNRR
    # mission, an admin log entry on a membership; permissions held through a group and directly.
    OldAuditEntry = get("core", "AuditEntry")
    for label, target, repr_ in (
        ("participation.organisation", comune_org, "Comune di prova"),
        ("participation.membership", OldMembership.objects.get(organisation=ente), "admin.ente @ Città"),
        ("pnrr.mission", pnrr_mission, "M9"),
    ):
        OldAuditEntry.objects.create(
            actor=users["admin.ente"],
            actor_label="admin.ente",
            action="test.update",
            target_type=content_type(label),
            target_id=str(target.pk),
            target_repr=repr_,
            before={"name": "prima"},
            after={"name": "dopo"},
        )
    get("admin", "LogEntry").objects.create(
        action_time=now,
        user=users["admin.ente"],
        content_type=content_type("participation.membership"),
        object_id=str(OldMembership.objects.get(organisation=ente).pk),
        object_repr="admin.ente",
        action_flag=2,
        change_message="[]",
    )
    editors = OldGroup.objects.create(name="redazione")
    editors.permissions.add(
        permission("participation.organisation", "change", "change organizzazione"),
        permission("participation.membership", "change", "change appartenenza"),
        permission("pnrr.mission", "change", "change missione PNRR"),
        permission("pnrr.component", "view", "view componente PNRR"),
    )
    users["redazione"].groups.add(editors)
    users["admin.ente"].user_permissions.add(permission("participation.invitation", "view", "view invito"))

    # The overlap a partial `migrate core 0002` leaves: post_migrate created core's content type for
    # `membership` (with its permissions) beside participation's; core 0003 must merge the two.
    twin_group = OldGroup.objects.create(name="gemello")
    twin_group.permissions.add(permission("core.membership", "change", "change appartenenza"))
    permission("core.membership", "delete", "delete appartenenza")

    return {"comune_org": comune_org.pk, "ente": ente.pk, "body": body.pk, "pnrr_mission": pnrr_mission.pk}


# Snapshots ------------------------------------------------------------------------------------------------


def _snapshot(state: Apps) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of ours (and the admin log), keyed by model label. Content types and
    permissions are written as natural keys, rows of M2M tables without their surrogate id: the comparison is
    about meaning, not about ids that may legitimately change (a merged content type)."""
    ContentTypeState = state.get_model("contenttypes", "ContentType")
    Permission = state.get_model("auth", "Permission")
    content_types = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentTypeState.objects.all()}
    permissions = {p.pk: (content_types[p.content_type_id], p.codename) for p in Permission.objects.all()}
    models = [m for m in state.get_models(include_auto_created=True) if m._meta.app_label in OURS]
    models.append(state.get_model("admin", "LogEntry"))
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for model in models:
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is ContentTypeState:
                    row[field.attname] = content_types.get(row[field.attname])
                elif field.is_relation and field.related_model is Permission:
                    row[field.attname] = permissions[row[field.attname]]
            if model._meta.auto_created:
                del row["id"]
            rows.append(row)
        if model._meta.auto_created:
            rows.sort(key=repr)
        snapshot[model._meta.label_lower] = rows
    return snapshot


def _translated(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The old snapshot as the new schema must hold it: renamed model labels, content types and permission
    codenames (`participation.membership` → `core.membership`, `change_mission` → `change_pnrrmission`)."""

    def rename(value: Any) -> Any:
        if isinstance(value, str) and value in RENAMED:
            return RENAMED[value]
        if isinstance(value, tuple) and value[0] in RENAMED:  # a permission: (content type, codename)
            old_model, new_model = value[0].split(".")[1], RENAMED[value[0]].split(".")[1]
            return (RENAMED[value[0]], value[1].replace(f"_{old_model}", f"_{new_model}"))
        return value

    return {
        RENAMED.get(label, label): [{k: rename(v) for k, v in row.items()} for row in rows]
        for label, rows in snapshot.items()
    }


def _assert_same_rows(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> None:
    """Every table of the old snapshot is in the new one with the same rows (new columns, if a later migration
    adds any, are not compared: they did not exist before)."""
    for label, rows in before.items():
        assert label in after, f"{label} disappeared"
        kept = (
            [{k: row.get(k, "<missing>") for k in rows[0]} for row in after[label]] if rows else after[label]
        )
        assert kept == rows, f"rows of {label} changed"


# Database checks ------------------------------------------------------------------------------------------


def _references() -> dict[tuple[str, str], str]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return {
            (table, column): referenced_table
            for table in tables
            for column, (_, referenced_table) in connection.introspection.get_relations(cursor, table).items()
        }


def _assert_database_consistent(expected: dict[tuple[str, str], str]) -> None:
    tables = set(connection.introspection.table_names())
    references = _references()
    dangling = {key: target for key, target in references.items() if target not in tables}
    assert dangling == {}, "foreign keys pointing at tables that do not exist"
    for key, target in expected.items():
        assert references.get(key) == target, key
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


# The test ---------------------------------------------------------------------------------------------------


def test_database_of_previous_commit_migrates_without_losing_a_row():
    latest = _latest()
    try:
        executor = _migrate(_previous_targets(MigrationExecutor(connection)))
        tables = set(connection.introspection.table_names())
        assert tables >= OLD_TABLES and "core_organisation" not in tables

        old = _previous_state(executor)
        keys = _fill_previous_schema(old)
        before = _snapshot(old)
        filled = {label for label, rows in before.items() if rows}
        assert {
            "participation.organisation",
            "participation.membership",
            "participation.invitation",
            "participation.consultation_audience_organisations",
            "participation.dupobjective_plan_objectives",
            "participation.observation",
            "participation.verificationreport",
            "monitoring.indicatorvalue",
            "linking.projectobjectivelink",
            "linking.measureobjective",
            "pnrr.mission",
            "pnrr.component",
            "core.auditentry",
            "admin.logentry",
        } <= filled

        executor = _migrate(latest)
        _assert_same_rows(_translated(before), _snapshot(_latest_state(executor)))
        _assert_database_consistent(EXPECTED_REFERENCES)
        assert not OLD_TABLES & set(connection.introspection.table_names())
        _assert_current_models_see_the_old_rows(keys)
        _assert_sequences_continue(keys)

        executor = _migrate(_previous_targets(executor))
        assert _snapshot(_previous_state(executor)) == before
        _assert_database_consistent(
            {
                ("participation_membership", "organisation_id"): "participation_organisation",
                (
                    "participation_consultation_audience_organisations",
                    "organisation_id",
                ): "participation_organisation",
                ("pnrr_component", "mission_id"): "pnrr_mission",
                ("pnrr_measure", "component_id"): "pnrr_component",
            }
        )
    finally:
        _migrate(latest)


def _assert_current_models_see_the_old_rows(keys: dict[str, Any]) -> None:
    comune_org = Organisation.objects.get(pk=keys["comune_org"])
    assert comune_org.comune.codice_istat == "099901"
    ours = Membership.objects.filter(organisation__in=[keys["ente"], keys["comune_org"], keys["body"]])
    assert {(m.user.username, m.organisation.kind, m.role) for m in ours.select_related("user")} == {
        ("admin.ente", "ente", "admin"),
        ("redattore.comune", "comune", "editor"),
        ("lettore.cgil", "body", "viewer"),
    }
    invitation = comune_org.invitations.get()
    assert (invitation.email, invitation.created_by.username, invitation.user.username) == (
        "invitato@example.org",
        "admin.ente",
        "invitato",
    )
    assert Invitation.objects.filter(organisation_id=keys["body"]).get().token_hash == "b" * 64
    consultation = Consultation.objects.get()
    assert set(consultation.audience_organisations.values_list("name", flat=True)) == {
        "Comune di prova",
        "Sindacato di prova",
    }
    assert set(Organisation.objects.get(pk=keys["body"]).consultations_invited.all()) == {consultation}
    assert Observation.objects.get().organisation == comune_org
    assert VerificationReport.objects.get().organisation == comune_org
    dup = DupObjective.objects.get()
    assert (dup.organisation, sorted(dup.plan_objectives.values_list("code", flat=True))) == (
        comune_org,
        ["M1.1", "M1.2"],
    )
    indicator = Indicator.objects.get(code="IND-1")
    assert list(indicator.values.order_by("date").values_list("value", flat=True)) == [
        Decimal("12.5"),
        Decimal("15.25"),
    ]
    assert set(ProjectObjectiveLink.objects.values_list("objective__code", "status")) == {
        ("M1.1", "confirmed"),
        ("M1.2", "suggested"),
    }
    assert MeasureObjective.objects.get().measure.component.mission.code == "M9"
    mission = PnrrMission.objects.get(code="M9")
    assert [c.code for c in mission.components.all()] == ["M9C9"]
    assert (
        PnrrComponent.objects.get().measures.get().submeasures.get().projects.get() == Project.objects.get()
    )

    # Audit rows and admin log entries resolve to the current models.
    assert [e.action for e in audit_history(comune_org)] == ["test.update"]
    membership = Membership.objects.get(organisation_id=keys["ente"])
    assert [e.action for e in audit_history(membership)] == ["test.update"]
    assert [e.action for e in audit_history(mission)] == ["test.update"]
    for entry in AuditEntry.objects.all():
        assert entry.target_type.get_object_for_this_type(pk=entry.target_id) is not None
    assert LogEntry.objects.get().get_edited_object() == membership

    # One content type per model, permissions under the new names, held as before.
    assert not ContentType.objects.filter(app_label="participation", model__in=["organisation", "membership"])
    assert not ContentType.objects.filter(app_label="pnrr", model__in=["mission", "component"])
    redazione = User.objects.get(username="redazione")
    for perm in (
        "core.change_organisation",
        "core.change_membership",
        "pnrr.change_pnrrmission",
        "pnrr.view_pnrrcomponent",
    ):
        assert redazione.has_perm(perm), perm
    assert User.objects.get(username="admin.ente").has_perm("core.view_invitation")
    assert set(Group.objects.get(name="gemello").permissions.values_list("codename", flat=True)) == {
        "change_membership"
    }
    merged = Permission.objects.filter(content_type=ContentType.objects.get_for_model(Membership))
    assert set(merged.values_list("codename", flat=True)) >= {"change_membership", "delete_membership"}


def _assert_sequences_continue(keys: dict[str, Any]) -> None:
    """New rows get fresh keys in the renamed tables (PostgreSQL's identity sequences follow the tables), and
    the renamed foreign keys accept them."""
    organisation = Organisation.objects.create(kind="body", body_kind="other", name="Nuova organizzazione")
    assert organisation.pk > max(keys[k] for k in ("comune_org", "ente", "body"))
    member = Membership.objects.create(user=User.objects.create(username="nuovo"), organisation=organisation)
    Consultation.objects.get().audience_organisations.add(organisation)
    mission = PnrrMission.objects.create(code="M8")
    assert mission.pk > keys["pnrr_mission"]
    component = PnrrComponent.objects.create(code="M8C1", mission=mission)
    # Leave the tables as they were, so going back down can be compared with the first snapshot.
    component.delete()
    mission.delete()
    Consultation.objects.get().audience_organisations.remove(organisation)
    member.delete()
    member.user.delete()
    organisation.delete()
