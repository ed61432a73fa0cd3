"""Consultations: who opens them, who answers, closed consultations, attachments, moderation, public page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from decimetro.core.models import AuditEntry
from decimetro.participation.models import Audience, Consultation, Observation
from decimetro.participation.services_consultations import (
    ConsultationNotOpen,
    consultation_close,
    consultation_create,
    observation_answer,
    observation_moderate,
    observation_submit,
)
from decimetro.participation.uploads import MAX_ATTACHMENT_BYTES
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import (
    ConsultationFactory,
    ObservationFactory,
    db_state,
    docx_bytes,
    pdf_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100


def _create(by, participation_site, **kw):
    today = timezone.localdate()
    args = {
        "title": "Mobilità",
        "text": "Osservazioni sulla mobilità",
        "subject": participation_site["objective"],
        "opens_on": today,
        "closes_on": today + datetime.timedelta(days=3),
        "audience": Audience.ALL,
        **kw,
    }
    return consultation_create(by=by, **args)


def test_ente_staff_opens_a_consultation_with_an_audit_row(participation_site):
    c = _create(participation_site["users"]["ente_admin"], participation_site)
    assert c.objective == participation_site["objective"] and c.state_on(timezone.localdate()) == "open"
    entry = AuditEntry.objects.get(action="consultation.create", target_id=str(c.pk))
    assert entry.after["title"] == "Mobilità"


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user"])
def test_others_cannot_open_a_consultation(participation_site, persona):
    before = db_state()
    with pytest.raises(PermissionDenied):
        _create(participation_site["users"][persona], participation_site)
    assert db_state() == before


def test_consultation_needs_consistent_dates_and_audience(participation_site):
    admin = participation_site["users"]["ente_admin"]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        _create(admin, participation_site, closes_on=today - datetime.timedelta(days=1))
    assert "closes_on" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _create(admin, participation_site, audience=Audience.LIST)
    assert "audience_organisations" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _create(admin, participation_site, audience=Audience.KINDS, kinds=["nonsense"])
    assert "audience_kinds" in err.value.message_dict


def test_audience_by_list_and_by_kind(participation_site):
    admin = participation_site["users"]["ente_admin"]
    a, b, assoc = (
        participation_site["users"][p] for p in ("comune_a_editor", "comune_b_editor", "association_user")
    )
    listed = _create(
        admin, participation_site, audience=Audience.LIST, organisations=[participation_site["org_a"]]
    )
    observation_submit(by=a, consultation=listed, text="Sì")
    for user in (b, assoc):
        with pytest.raises(PermissionDenied):
            observation_submit(by=user, consultation=listed, text="No")
    comuni_only = _create(admin, participation_site, audience=Audience.KINDS, kinds=["comune"])
    observation_submit(by=b, consultation=comuni_only, text="Sì")
    with pytest.raises(PermissionDenied):
        observation_submit(by=assoc, consultation=comuni_only, text="No")
    business = _create(admin, participation_site, audience=Audience.KINDS, kinds=["body:business"])
    observation_submit(by=assoc, consultation=business, text="Sì")
    with pytest.raises(PermissionDenied):
        observation_submit(by=a, consultation=business, text="No")
    assert Observation.objects.filter(text="No").count() == 0
    assert Observation.objects.filter(text="Sì").count() == 3


def test_the_ente_does_not_answer_its_own_consultation(participation_site):
    with pytest.raises(PermissionDenied):
        observation_submit(
            by=participation_site["users"]["ente_admin"],
            consultation=participation_site["consultation"],
            text="x",
        )


@pytest.mark.parametrize(
    "state",
    ["closed_early", "past", "future"],
)
def test_closed_or_not_yet_open_consultation_accepts_nothing(participation_site, persona_client, state):
    c: Consultation = participation_site["consultation"]
    today = timezone.localdate()
    if state == "closed_early":
        consultation_close(by=participation_site["users"]["ente_admin"], consultation=c)
    elif state == "past":
        Consultation.objects.filter(pk=c.pk).update(
            opens_on=today - datetime.timedelta(days=10), closes_on=today - datetime.timedelta(days=1)
        )
    else:
        Consultation.objects.filter(pk=c.pk).update(
            opens_on=today + datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=5)
        )
    c.refresh_from_db()
    user = participation_site["users"]["comune_a_editor"]
    with pytest.raises(ConsultationNotOpen):
        observation_submit(by=user, consultation=c, text="Troppo tardi")
    before = db_state()
    client = persona_client("comune_a_editor")
    response = client.post(
        reverse("public:observation_create", args=[c.pk]),
        {"text": "Troppo tardi", "attachment": upload("n.pdf", pdf_bytes())},
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "chiusa" in text or "non è ancora aperta" in text
    assert db_state() == before
    assert not list(Path(site_media(participation_site)).rglob("*.pdf"))


def site_media(participation_site) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def test_closing_is_audited_and_idempotent(participation_site):
    admin = participation_site["users"]["ente_admin"]
    consultation_close(by=admin, consultation=participation_site["consultation"])
    consultation_close(by=admin, consultation=participation_site["consultation"])
    assert AuditEntry.objects.filter(action="consultation.close").count() == 1
    with pytest.raises(PermissionDenied):
        consultation_close(
            by=participation_site["users"]["comune_a_editor"], consultation=participation_site["consultation"]
        )


# Attachments ------------------------------------------------------------------------------------------------


def test_valid_attachment_is_stored_under_media_root_with_a_random_name(participation_site, media_root):
    obs = observation_submit(
        by=participation_site["users"]["comune_a_editor"],
        consultation=participation_site["consultation"],
        text="Con allegato",
        attachment=upload("relazione del comune.pdf", pdf_bytes()),
        proposal_kind="indicator",
        proposal="Km di piste ciclabili",
    )
    assert obs.attachment_name == "relazione del comune.pdf"
    stored = Path(media_root) / obs.attachment.name
    assert stored.is_file() and stored.read_bytes() == pdf_bytes()
    assert "relazione" not in obs.attachment.name and stored.suffix == ".pdf"
    assert AuditEntry.objects.get(action="observation.create", target_id=str(obs.pk)).after["attachment"]


def test_docx_attachment_is_accepted(participation_site):
    obs = observation_submit(
        by=participation_site["users"]["comune_a_editor"],
        consultation=participation_site["consultation"],
        text="x",
        attachment=upload("nota.docx", docx_bytes()),
    )
    assert obs.attachment.name.endswith(".docx")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", EXE, "non corrisponde"),
        ("virus.exe", EXE, "non è di un tipo ammesso"),
        ("falso.docx", pdf_bytes(), "non corrisponde"),
        ("zip.odt", docx_bytes(), "non corrisponde"),
        ("enorme.pdf", pdf_bytes() + b"\0" * MAX_ATTACHMENT_BYTES, "massimo"),
    ],
)
def test_wrong_type_or_oversize_attachment_is_rejected(
    participation_site, persona_client, media_root, name, content, message
):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        observation_submit(
            by=participation_site["users"]["comune_a_editor"],
            consultation=participation_site["consultation"],
            text="x",
            attachment=upload(name, content),
        )
    assert message in " ".join(err.value.messages)
    response = persona_client("comune_a_editor").post(
        reverse("public:observation_create", args=[participation_site["consultation"].pk]),
        {"text": "x", "attachment": upload(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_state() == before
    assert not any(Path(media_root).rglob("*.*")) if Path(media_root).exists() else True


# Moderation and the public page -----------------------------------------------------------------------------


def test_moderation_and_answers_show_on_the_public_page(participation_site, client, media_root):
    admin = participation_site["users"]["ente_admin"]
    c = participation_site["consultation"]
    a = participation_site["users"]["comune_a_editor"]
    published = observation_submit(
        by=a, consultation=c, text="Da pubblicare", attachment=upload("p.pdf", pdf_bytes())
    )
    hidden = observation_submit(by=a, consultation=c, text="Da nascondere")
    pending = observation_submit(by=a, consultation=c, text="In attesa")
    with pytest.raises(ValidationError):
        observation_moderate(by=admin, observation=hidden, status="hidden", reason="")
    observation_moderate(by=admin, observation=published, status="published")
    observation_moderate(by=admin, observation=hidden, status="hidden", reason="Fuori tema")
    observation_answer(by=admin, observation=published, answer="Ne terremo conto")
    with pytest.raises(PermissionDenied):
        observation_answer(by=a, observation=pending, answer="Mi rispondo da solo")
    with pytest.raises(PermissionDenied):
        observation_moderate(by=a, observation=pending, status="published")
    html = client.get(reverse("public:consultation", args=[c.pk])).content.decode()
    assert "Da pubblicare" in html and "Ne terremo conto" in html
    assert "Da nascondere" not in html and "In attesa" not in html
    # The attachment is public once published; a pending one is not.
    assert client.get(reverse("public:observation_attachment", args=[published.pk])).status_code == 200
    pending_with_file = ObservationFactory(consultation=c, organisation=participation_site["org_a"])
    pending_with_file.attachment.save("x.pdf", upload("x.pdf", pdf_bytes()))
    assert (
        client.get(reverse("public:observation_attachment", args=[pending_with_file.pk])).status_code == 404
    )
    client.force_login(admin)
    assert (
        client.get(reverse("public:observation_attachment", args=[pending_with_file.pk])).status_code == 200
    )
    assert AuditEntry.objects.filter(action="observation.moderate").count() == 2
    assert AuditEntry.objects.filter(action="observation.answer").count() == 1


def test_observation_form_is_shown_only_to_entitled_users(participation_site, persona_client):
    url = reverse("public:consultation", args=[participation_site["consultation"].pk])
    assert 'name="text"' in persona_client("comune_b_editor").get(url).content.decode()
    assert 'name="text"' not in persona_client("ente_admin").get(url).content.decode()
    assert 'name="text"' not in persona_client("anonymous").get(url).content.decode()


def test_backoffice_creates_a_consultation_on_a_project_with_a_list_audience(
    participation_site, persona_client
):
    client = persona_client("ente_admin")
    today = timezone.localdate()
    response = client.post(
        reverse("backoffice:consultation_create"),
        {
            "title": "Sul cantiere",
            "text": "Come procede?",
            "subject_kind": "project",
            "project": participation_site["project"].pk,
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
            "audience": "list",
            "audience_organisations": [participation_site["org_b"].pk, participation_site["association"].pk],
        },
    )
    assert response.status_code == 302
    c = Consultation.objects.get(title="Sul cantiere")
    assert c.project == participation_site["project"]
    assert set(c.audience_organisations.all()) == {
        participation_site["org_b"],
        participation_site["association"],
    }
    bad = client.post(
        reverse("backoffice:consultation_create"),
        {
            "title": "X",
            "text": "Y",
            "subject_kind": "project",
            "project": 999999,
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
            "audience": "all",
        },
    )
    assert bad.status_code == 400 and "Nessun progetto" in bad.content.decode()
    assert not Consultation.objects.filter(title="X").exists()


def test_consultation_subject_is_exactly_one(participation_site):
    with pytest.raises(ValidationError):
        _create(participation_site["users"]["ente_admin"], participation_site, subject=None)
    assert (
        ConsultationFactory(objective=participation_site["objective"]).subject
        == participation_site["objective"]
    )


def test_demo_content_only_in_development_and_idempotent(settings, participation_site, django_user_model):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_participation")
    settings.DEBUG = True
    participation_site["users"]["ente_admin"].username = "admin.ente"
    participation_site["users"]["ente_admin"].save()
    participation_site["org_a"].dup_objectives.all().delete()
    call_command("demo_participation")
    call_command("demo_participation")
    assert Consultation.objects.filter(title__startswith="[demo]").count() == 2
    assert Consultation.objects.get(title__contains="conclusa").state_on(timezone.localdate()) == "closed"
    assert set(participation_site["org_a"].dup_objectives.values_list("code", flat=True)) == {"SO.1", "SO.2"}
