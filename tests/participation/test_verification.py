"""Project verification reports: who files, edits, deletes and hides them; photos; the project page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from decimetro.core.models import AuditEntry
from decimetro.participation.models import VerificationPhoto, VerificationReport
from decimetro.participation.services_verification import (
    report_create,
    report_delete,
    report_set_hidden,
    report_update,
)
from decimetro.participation.uploads import MAX_PHOTO_BYTES
from tests.factories import MembershipFactory, UserFactory
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import (
    VerificationReportFactory,
    db_state,
    jpg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 10)


def test_an_organisation_member_files_a_report_with_photos(participation_site, media_root):
    user = participation_site["users"]["association_user"]
    report = report_create(
        by=user,
        project=participation_site["project"],
        status="problem",
        seen_on=DAY,
        note="Cantiere fermo",
        photos=[upload("cantiere.jpg", jpg_bytes()), upload("cartello.png", png_bytes())],
    )
    assert report.organisation == participation_site["association"] and report.author == user
    names = [p.image.name for p in report.photos.all()]
    assert len(names) == 2 and all((Path(media_root) / n).is_file() for n in names)
    assert not any("cantiere" in n for n in names)
    assert (
        AuditEntry.objects.get(action="verification.create", target_id=str(report.pk)).after["status"]
        == "problem"
    )


def test_viewers_staff_without_organisation_and_anonymous_cannot_file(participation_site, staff_user):
    from django.contrib.auth.models import AnonymousUser

    viewer = MembershipFactory(
        user=UserFactory(username="lettore.a"), organisation=participation_site["org_a"], role="viewer"
    ).user
    before = db_state()
    for user in (viewer, staff_user, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            report_create(by=user, project=participation_site["project"], status="completed", seen_on=DAY)
    assert db_state() == before


def test_only_the_own_organisation_edits_or_deletes(participation_site):
    report = participation_site["report"]
    colleague = MembershipFactory(
        user=UserFactory(username="collega.a"), organisation=participation_site["org_a"]
    ).user
    before = db_state()
    for persona in ("comune_b_editor", "association_user", "ente_admin"):
        with pytest.raises(PermissionDenied):
            report_update(
                by=participation_site["users"][persona], report=report, status="problem", seen_on=DAY
            )
        with pytest.raises(PermissionDenied):
            report_delete(by=participation_site["users"][persona], report=report)
    assert db_state() == before
    report_update(by=colleague, report=report, status="completed", seen_on=DAY, note="Finito")
    report.refresh_from_db()
    assert report.status == "completed" and report.note == "Finito"
    report_delete(by=colleague, report=report)
    assert not VerificationReport.objects.filter(pk=report.pk).exists()
    assert AuditEntry.objects.filter(action="verification.delete").count() == 1


def test_ente_staff_hide_with_a_reason_and_the_public_no_longer_sees_it(
    participation_site, client, media_root
):
    admin = participation_site["users"]["ente_admin"]
    report = participation_site["report"]
    with pytest.raises(ValidationError):
        report_set_hidden(by=admin, report=report, hidden=True, reason="")
    with pytest.raises(PermissionDenied):
        report_set_hidden(
            by=participation_site["users"]["comune_a_editor"], report=report, hidden=True, reason="x"
        )
    photo = VerificationPhoto(report=report, original_name="a.png")
    photo.image.save("a.png", upload("a.png", png_bytes()))
    url = reverse("public:project", args=[participation_site["project"].pk])
    assert "Cantiere aperto" in client.get(url).content.decode()
    assert client.get(reverse("public:verification_photo", args=[photo.pk])).status_code == 200
    report_set_hidden(by=admin, report=report, hidden=True, reason="Dati personali nella foto")
    assert "Cantiere aperto" not in client.get(url).content.decode()
    assert client.get(reverse("public:verification_photo", args=[photo.pk])).status_code == 404
    client.force_login(admin)
    assert "Dati personali nella foto" in client.get(url).content.decode()
    report_set_hidden(by=admin, report=report, hidden=False)
    report.refresh_from_db()
    assert not report.hidden and report.hidden_reason == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("documento.pdf", pdf_bytes(), "non è di un tipo ammesso"),
        ("finta.jpg", pdf_bytes(), "non corrisponde"),
        ("finta.png", jpg_bytes(), "non corrisponde"),
        ("grande.jpg", jpg_bytes() + b"\0" * MAX_PHOTO_BYTES, "massimo"),
    ],
)
def test_bad_photos_are_rejected_and_nothing_is_saved(
    participation_site, persona_client, media_root, name, content, message
):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        report_create(
            by=participation_site["users"]["comune_b_editor"],
            project=participation_site["project"],
            status="completed",
            seen_on=DAY,
            photos=[upload("ok.png", png_bytes()), upload(name, content)],
        )
    assert message in " ".join(err.value.messages)
    response = persona_client("comune_b_editor").post(
        reverse("backoffice:verification_create", args=[participation_site["project"].pk]),
        {
            "status": "completed",
            "seen_on": "2026-01-10",
            "confirm": "on",
            "photos": [upload(name, content)],
        },
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert db_state() == before
    assert not (Path(media_root).exists() and any(p.is_file() for p in Path(media_root).rglob("*")))


def test_future_date_and_too_many_photos_are_refused(participation_site):
    user = participation_site["users"]["comune_b_editor"]
    with pytest.raises(ValidationError):
        report_create(
            by=user,
            project=participation_site["project"],
            status="completed",
            seen_on=datetime.date(2999, 1, 1),
            note="Visto",
        )
    with pytest.raises(ValidationError):
        report_create(
            by=user,
            project=participation_site["project"],
            status="completed",
            seen_on=DAY,
            photos=[upload(f"{i}.png", png_bytes()) for i in range(6)],
        )


def test_edit_removes_and_adds_photos(participation_site, persona_client, media_root):
    report = participation_site["report"]
    old = VerificationPhoto(report=report, original_name="vecchia.png")
    old.image.save("vecchia.png", upload("vecchia.png", png_bytes()))
    old_path = Path(media_root) / old.image.name
    response = persona_client("comune_a_editor").post(
        reverse("backoffice:verification_edit", args=[report.pk]),
        {
            "status": "completed",
            "seen_on": "2026-01-11",
            "note": "",
            "confirm": "on",
            "remove_photo": [old.pk],
            "photos": [upload("nuova.jpg", jpg_bytes())],
        },
    )
    assert response.status_code == 302
    assert [p.original_name for p in report.photos.all()] == ["nuova.jpg"]
    assert not old_path.exists()


def test_project_page_lists_reports_with_their_organisation_without_n_plus_one(participation_site, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("public:project", args=[participation_site["project"].pk])
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    # Signed by the organisation; the author's username is not published.
    assert participation_site["org_a"].name in html and "in corso" in html
    assert "redattore.a" not in html
    for persona in ("comune_b_editor", "association_user", "ente_admin"):
        user = participation_site["users"][persona]
        VerificationReportFactory(
            project=participation_site["project"], organisation=user.membership.organisation, author=user
        )
    with CaptureQueriesContext(connection) as three:
        html = client.get(url).content.decode()
    assert participation_site["association"].name in html
    assert len(three.captured_queries) == len(one.captured_queries)


# The form: no default status, a note or a photo, a confirmation (issue 13, item 5) --------------------------


def test_the_form_preselects_no_status_and_asks_for_a_confirmation(participation_site, persona_client):
    html = (
        persona_client("comune_b_editor")
        .get(reverse("backoffice:verification_create", args=[participation_site["project"].pk]))
        .content.decode()
    )
    assert html.count('type="radio" name="status"') == 4 and " checked" not in html
    assert 'name="confirm"' in html and "Conferma e pubblica" in html


def test_an_untouched_submit_is_refused_with_italian_field_errors(participation_site, persona_client):
    before = db_state()
    url = reverse("backoffice:verification_create", args=[participation_site["project"].pk])
    response = persona_client("comune_b_editor").post(url, {"seen_on": "2026-01-10", "note": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Scegli lo stato che hai osservato sul campo." in html
    assert "Scrivi una nota o allega almeno una foto di ciò che hai visto." in html
    assert "Spunta la conferma per pubblicare la verifica." in html
    assert db_state() == before


def test_a_complete_form_without_confirmation_is_not_published(participation_site, persona_client):
    before = db_state()
    url = reverse("backoffice:verification_create", args=[participation_site["project"].pk])
    response = persona_client("comune_b_editor").post(
        url, {"status": "completed", "seen_on": "2026-01-10", "note": "Lavori finiti"}
    )
    assert response.status_code == 400 and "Spunta la conferma" in response.content.decode()
    assert db_state() == before
    response = persona_client("comune_b_editor").post(
        url, {"status": "completed", "seen_on": "2026-01-10", "note": "Lavori finiti", "confirm": "on"}
    )
    assert response.status_code == 302
    assert VerificationReport.objects.filter(note="Lavori finiti", status="completed").count() == 1


def test_a_photo_without_a_note_is_enough(participation_site, persona_client, media_root):
    url = reverse("backoffice:verification_create", args=[participation_site["project"].pk])
    response = persona_client("comune_b_editor").post(
        url,
        {
            "status": "problem",
            "seen_on": "2026-01-10",
            "note": "  ",
            "confirm": "on",
            "photos": [upload("cantiere.jpg", jpg_bytes())],
        },
    )
    assert response.status_code == 302
    report = VerificationReport.objects.get(organisation=participation_site["org_b"])
    assert report.note == "" and report.photos.count() == 1


def test_the_service_refuses_a_report_without_note_or_photo(participation_site):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        report_create(
            by=participation_site["users"]["comune_b_editor"],
            project=participation_site["project"],
            status="completed",
            seen_on=DAY,
            note="   ",
        )
    assert err.value.message_dict["note"] == [
        "Scrivi una nota o allega almeno una foto di ciò che hai visto."
    ]
    assert db_state() == before


def test_an_edit_that_removes_the_last_photo_and_the_note_is_refused(
    participation_site, persona_client, media_root
):
    report = participation_site["report"]
    photo = VerificationPhoto(report=report, original_name="unica.png")
    photo.image.save("unica.png", upload("unica.png", png_bytes()))
    report.note = ""
    report.save()
    before = db_state()
    response = persona_client("comune_a_editor").post(
        reverse("backoffice:verification_edit", args=[report.pk]),
        {
            "status": "completed",
            "seen_on": "2026-01-11",
            "note": "",
            "confirm": "on",
            "remove_photo": [photo.pk],
        },
    )
    assert response.status_code == 400 and "Scrivi una nota o allega" in response.content.decode()
    assert db_state() == before
    with pytest.raises(ValidationError):
        report_update(
            by=participation_site["users"]["comune_a_editor"],
            report=report,
            status="completed",
            seen_on=DAY,
            remove_photo_ids=[photo.pk],
        )
    # Keeping the photo, the note may stay empty.
    response = persona_client("comune_a_editor").post(
        reverse("backoffice:verification_edit", args=[report.pk]),
        {"status": "completed", "seen_on": "2026-01-11", "note": "", "confirm": "on"},
    )
    assert response.status_code == 302
