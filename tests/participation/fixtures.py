"""Shared fixtures of the participation tests (consultations, verification reports, DUP): import them with
`from tests.participation.fixtures import *` in a test module."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from decimetro.core.models import AuditEntry, Organisation
from decimetro.participation.models import (
    Audience,
    Consultation,
    DupObjective,
    Observation,
    VerificationPhoto,
    VerificationReport,
)
from decimetro.plan.models import Objective
from tests.factories import EditionFactory, MissionFactory, ObjectiveFactory, ProjectFactory

__all__ = [
    "PERSONAS",
    "ConsultationFactory",
    "DupObjectiveFactory",
    "ObservationFactory",
    "VerificationReportFactory",
    "db_state",
    "docx_bytes",
    "jpg_bytes",
    "media_root",
    "participation_site",
    "pdf_bytes",
    "persona_client",
    "png_bytes",
    "small_plan",
    "upload",
]

PERSONAS = ("ente_admin", "comune_a_editor", "comune_b_editor", "association_user", "anonymous")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _image_bytes(fmt: str) -> bytes:
    """A real, decodable 8 x 6 image (photos are decoded and written again before they are stored)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


PNG = _image_bytes("PNG")
JPG = _image_bytes("JPEG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def pdf_bytes() -> bytes:
    return PDF


def png_bytes() -> bytes:
    return PNG


def jpg_bytes() -> bytes:
    return JPG


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    title = factory.Sequence(lambda n: f"Consultazione {n}")
    text = "Che cosa ne pensate?"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    audience = Audience.ALL
    objective = factory.LazyFunction(lambda: Objective.objects.order_by("pk").first())


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    consultation = factory.SubFactory(ConsultationFactory)
    text = factory.Sequence(lambda n: f"Osservazione {n}")


class VerificationReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationReport

    status = "in_progress"
    seen_on = datetime.date(2026, 1, 10)
    note = "Cantiere aperto"


class DupObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DupObjective

    code = factory.Sequence(lambda n: f"SO.{n}")
    title = factory.Sequence(lambda n: f"Obiettivo del DUP {n}")
    year_from = 2025
    year_to = 2027


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_plan(db):
    """A current edition with missions M1 (objectives M1.1-M1.3) and M2 (M2.1): enough for these tests and
    much faster than loading the real plan every time."""
    edition = EditionFactory()
    m1 = MissionFactory(edition=edition, number=1)
    m2 = MissionFactory(edition=edition, number=2)
    for n in (1, 2, 3):
        ObjectiveFactory(mission=m1, number=n)
    ObjectiveFactory(mission=m2, number=1)
    return edition


@pytest.fixture
def participation_site(
    small_plan, media_root, ente_admin, comune_a_editor, comune_b_editor, association_user
):
    """One of everything, owned by the personas: an open consultation (audience: all) with a pending
    observation of Comune A, a project with a verification report of Comune A, a DUP objective of Comune A."""
    org_a = comune_a_editor.membership.organisation
    org_b = comune_b_editor.membership.organisation
    objective = Objective.objects.get(code="M1.1")
    consultation = ConsultationFactory(objective=objective, created_by=ente_admin)
    observation = ObservationFactory(consultation=consultation, organisation=org_a, author=comune_a_editor)
    project = ProjectFactory()
    report = VerificationReportFactory(project=project, organisation=org_a, author=comune_a_editor)
    dup = DupObjectiveFactory(organisation=org_a)
    dup.plan_objectives.set([objective])
    dup_b = DupObjectiveFactory(organisation=org_b)
    return {
        "ente": ente_admin.membership.organisation,
        "org_a": org_a,
        "org_b": org_b,
        "association": association_user.membership.organisation,
        "objective": objective,
        "consultation": consultation,
        "observation": observation,
        "project": project,
        "report": report,
        "dup": dup,
        "dup_b": dup_b,
        "users": {
            "ente_admin": ente_admin,
            "comune_a_editor": comune_a_editor,
            "comune_b_editor": comune_b_editor,
            "association_user": association_user,
            "anonymous": None,
        },
    }


@pytest.fixture
def persona_client(client, participation_site):
    def make(persona: str) -> Any:
        user = participation_site["users"][persona]
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return make


def db_state() -> dict[str, Any]:
    """Every row of the participation tables and the audit log: equal before/after ⇒ nothing changed."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Consultation,
            Observation,
            VerificationReport,
            VerificationPhoto,
            DupObjective,
            DupObjective.plan_objectives.through,
            Consultation.audience_organisations.through,
            Organisation,
            AuditEntry,
        )
    }
