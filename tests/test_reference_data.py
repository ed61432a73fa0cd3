"""The `plan` and `territory` fixtures (tests/conftest.py) insert rows captured once per session instead of
running the loaders in every test: here each fixture's database is compared with what the real loader writes
into the same empty database, audit rows included."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from decimetro.core.models import AuditEntry
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, read_plan_file
from decimetro.plan.services import plan_load
from decimetro.territory.services import territory_load

pytestmark = pytest.mark.django_db


def _timestamps(model: type[models.Model]) -> set[str]:
    return {
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }


def _database() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ids replaced by their rank in their table (the two databases compared need
    not share sequences, e.g. on PostgreSQL), write times left out (they are the time of the write), the rows
    of many-to-many tables as a sorted list of pairs (`.set()` inserts them in the order of a set of ids)."""
    every = [m for m in apps.get_models(include_auto_created=True) if m._base_manager.exists()]
    rank = {
        m: {pk: i for i, pk in enumerate(m._base_manager.order_by("pk").values_list("pk", flat=True))}
        for m in every
    }

    def ranked(model: type[models.Model], pk: Any) -> Any:
        return rank[model][pk] if model in rank and pk in rank[model] else pk

    state: dict[str, list[dict[str, Any]]] = {}
    for model in every:
        rows = []
        for row in model._base_manager.order_by("pk").values():
            out: dict[str, Any] = {}
            for f in model._meta.concrete_fields:
                value = row[f.attname]
                if f.attname in _timestamps(model):
                    continue
                if f.primary_key:
                    value = ranked(model, value)
                elif f.is_relation and f.related_model is not ContentType and value is not None:
                    value = ranked(f.related_model, value)
                out[f.attname] = value
            if model is AuditEntry:
                target = ContentType.objects.get_for_id(row["target_type_id"]).model_class()
                assert target is not None
                out["target_id"] = ranked(target, target._meta.pk.to_python(row["target_id"]))
                fks = {f.attname: f.related_model for f in target._meta.concrete_fields if f.is_relation}
                for side in ("before", "after"):
                    if isinstance(row[side], dict):
                        out[side] = {k: ranked(fks[k], v) if k in fks else v for k, v in row[side].items()}
            if model._meta.auto_created:  # a many-to-many table: the pairs count, not their insertion order
                del out[model._meta.pk.attname]
            rows.append(out)
        state[model._meta.label] = sorted(rows, key=repr) if model._meta.auto_created else rows
    return state


def _loaded_by(load: Any) -> dict[str, list[dict[str, Any]]]:
    """The database after the real loader, then put back as it was."""
    with transaction.atomic():
        load()
        state = _database()
        transaction.set_rollback(True)
    return state


def test_the_plan_fixture_holds_what_plan_load_writes(request):
    expected = _loaded_by(lambda: plan_load(data=read_plan_file(DEFAULT_PLAN_FILE)))
    request.getfixturevalue("plan")
    assert _database() == expected
    assert len(expected["plan.Objective"]) == 75 and expected["core.AuditEntry"]


def test_the_territory_fixture_holds_what_territory_load_writes_and_returns_its_summary(request):
    summaries = []
    expected = _loaded_by(lambda: summaries.append(territory_load(uts="215")))
    assert request.getfixturevalue("territory") == summaries[0]
    assert _database() == expected
    assert len(expected["territory.Comune"]) == 133 and expected["core.AuditEntry"]


def test_both_fixtures_together_hold_what_both_loaders_write(request):
    expected = _loaded_by(
        lambda: (plan_load(data=read_plan_file(DEFAULT_PLAN_FILE)), territory_load(uts="215"))
    )
    request.getfixturevalue("plan")
    request.getfixturevalue("territory")
    assert _database() == expected


def test_a_test_without_the_fixtures_sees_none_of_their_rows():
    from decimetro.plan.models import Edition
    from decimetro.territory.models import Comune

    assert not Edition.objects.exists() and not Comune.objects.exists() and not AuditEntry.objects.exists()
