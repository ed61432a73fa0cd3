"""The index follows the data (decimetro/search/tasks.py): rebuilt by a job after every import, the small
kinds refreshed once per transaction after a write."""

from __future__ import annotations

import pytest
from django.db import transaction

from decimetro.core.models import Job
from decimetro.pnrr.signals import imports_done
from decimetro.search.engine import search
from decimetro.search.models import Kind, SearchDocument
from decimetro.search.tasks import REBUILD_KIND
from tests.participation.fixtures import ConsultationFactory
from tests.search.fixtures import project

pytestmark = pytest.mark.django_db


def test_an_import_rebuilds_the_index_by_a_job_when_it_commits(plan, django_capture_on_commit_callbacks):
    project("Nuovo asilo nido comunale")
    assert not SearchDocument.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        imports_done.send(sender=None, files=["progetti.csv"])
    job = Job.objects.get(kind=REBUILD_KIND)
    assert job.state == Job.State.DONE
    assert job.summary["project"] == 1
    assert [h.title for h in search("asili nido").groups[0].hits] == ["Nuovo asilo nido comunale"]


def test_a_new_consultation_is_found_after_its_commit(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        ConsultationFactory(title="Il futuro delle biblioteche di quartiere")
        ConsultationFactory(title="Piste ciclabili")
    assert len(callbacks) == 1  # one refresh for the whole transaction
    group = search("biblioteca").groups[0]
    assert group.kind == Kind.CONSULTATION
    assert group.hits[0].title == "Il futuro delle biblioteche di quartiere"


def test_an_objective_edit_is_found_after_its_commit(plan, django_capture_on_commit_callbacks):
    objective = plan.objectives.get(code="M1.1")
    with django_capture_on_commit_callbacks(execute=True):
        objective.title = "Teleferica metropolitana sperimentale"
        objective.save()
    hit = search("teleferiche").groups[0].hits[0]
    assert (hit.kind, hit.object_id, hit.url) == (Kind.OBJECTIVE, "M1.1", "/piano/obiettivi/M1.1/")


def test_nothing_is_refreshed_when_the_transaction_rolls_back(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        ConsultationFactory(title="Consultazione annullata")
        transaction.set_rollback(True)
    assert callbacks == []
    assert not SearchDocument.objects.exists()
