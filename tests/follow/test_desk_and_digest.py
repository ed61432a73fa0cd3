"""Following from the desk with the account's address; the digest's rules (weekly at most, nothing when
nothing changed, links, consultations, answers, payments)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from decimetro.core.models import AuditEntry
from decimetro.follow.models import Follow, Follower, FollowKind
from decimetro.follow.services import digests_send, follow_for_user
from decimetro.follow.targets import resolve
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.participation.models import Audience, ObservationStatus
from decimetro.plan.models import Edition, Objective
from tests.factories import OrganisationFactory, PaymentSnapshotFactory, PlaceFactory, ProjectFactory
from tests.participation.fixtures import ConsultationFactory, ObservationFactory

pytestmark = pytest.mark.django_db
DESK = reverse("backoffice:desk")


def _send(capture, **kwargs):
    with capture(execute=True):
        return digests_send(**kwargs)


def test_a_comune_editor_follows_its_comune_from_the_desk(client, comune_a_editor, comune_a):
    comune_a_editor.email = "redazione@comune.milano.it"
    comune_a_editor.save()
    client.force_login(comune_a_editor)
    page = client.get(DESK).content.decode()
    assert 'id="desk-follow-comune"' in page and "Non segui ancora nulla" in page
    response = client.post(reverse("backoffice:follow_add"), {"kind": "comune", "key": comune_a.codice_istat})
    assert response.status_code == 302 and response["Location"] == DESK + "#segui"
    follow = Follow.objects.get()
    assert follow.confirmed_at is not None and follow.follower.user == comune_a_editor
    page = client.get(DESK).content.decode()
    assert "Comune di Milano" in page and 'id="desk-follow-comune"' not in page
    assert "redazione@comune.milano.it" not in page
    # following twice changes nothing
    rows = AuditEntry.objects.count()
    client.post(reverse("backoffice:follow_add"), {"kind": "comune", "key": comune_a.codice_istat})
    assert Follow.objects.count() == 1 and AuditEntry.objects.count() == rows
    # and it stops from the desk
    client.post(reverse("backoffice:follow_remove"), {"follow": follow.pk})
    assert not Follow.objects.exists()


def test_a_user_cannot_remove_what_another_address_follows(
    client, comune_a_editor, comune_b_editor, comune_b
):
    comune_b_editor.email = "b@comune.rho.mi.it"
    comune_b_editor.save()
    follow = follow_for_user(by=comune_b_editor, target=resolve("comune", comune_b.codice_istat))
    comune_a_editor.email = "a@comune.milano.it"
    comune_a_editor.save()
    client.force_login(comune_a_editor)
    client.post(reverse("backoffice:follow_remove"), {"follow": follow.pk})
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_following_from_the_desk_needs_login(client, comune_a):
    for name, data in (
        ("backoffice:follow_add", {"kind": "comune", "key": comune_a.codice_istat}),
        ("backoffice:follow_remove", {"follow": "1"}),
    ):
        response = client.post(reverse(name), data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Follower.objects.exists()


def _confirmed(comune, email="chi@example.org", kind=FollowKind.COMUNE, key=None):
    """A confirmed follow as the opt-in leaves it (marks of now), written through the user-less path."""
    from decimetro.follow.digest import current_marks
    from decimetro.follow.services import email_hash

    now = timezone.now()
    follower = Follower.objects.create(
        email=email,
        email_hash=email_hash(email),
        marks={"site": "https://decimetro.example", **current_marks(now)},
    )
    Follow.objects.create(follower=follower, kind=kind, key=key or comune.codice_istat, confirmed_at=now)
    return follower


def test_nothing_changed_nothing_sent(comune_a, django_capture_on_commit_callbacks):
    _confirmed(comune_a)
    run = _send(django_capture_on_commit_callbacks)
    assert (run.due, run.sent, run.nothing_new) == (1, 0, 1)
    assert not mail.outbox


def test_a_digest_at_most_once_a_week(comune_a, django_capture_on_commit_callbacks):
    follower = _confirmed(comune_a)
    project = ProjectFactory(title="Nuova scuola")
    PlaceFactory(project=project, comune=comune_a, dataset=project.provenance)
    assert _send(django_capture_on_commit_callbacks).sent == 1
    assert (
        "Nuova scuola" in mail.outbox[0].body and "https://decimetro.example/progetti/" in mail.outbox[0].body
    )
    other = ProjectFactory(title="Nuova palestra")
    PlaceFactory(project=other, comune=comune_a, dataset=other.provenance)
    assert _send(django_capture_on_commit_callbacks).sent == 0  # not due yet
    in_a_week = timezone.now() + timedelta(days=7, minutes=1)
    assert _send(django_capture_on_commit_callbacks, now=in_a_week).sent == 1
    body = mail.outbox[1].body
    assert "Nuova palestra" in body and "Nuova scuola" not in body  # only what is new since the last one
    follower.refresh_from_db()
    assert follower.last_digest_at == in_a_week


def test_the_digest_tells_payments_links_consultations_and_answers(
    plan, comune_a, django_capture_on_commit_callbacks
):
    objective = Objective.objects.get(edition=Edition.objects.get(is_current=True), code="M1.1")
    project = ProjectFactory(title="Riqualificazione piazza")
    PlaceFactory(project=project, comune=comune_a, dataset=project.provenance)
    consultation = ConsultationFactory(title="Vecchia", audience=Audience.ALL, objective=objective)
    observation = ObservationFactory(
        consultation=consultation, organisation=OrganisationFactory(), status=ObservationStatus.PUBLISHED
    )
    _confirmed(comune_a)
    _confirmed(comune_a, email="obiettivo@example.org", kind=FollowKind.OBJECTIVE, key="M1.1")
    # after the confirmations: a payment, a confirmed link, a consultation, an answer
    PaymentSnapshotFactory(project=project, paid_total=250, fin_totale=1000)
    ProjectObjectiveLink.objects.create(
        project=project,
        objective=objective,
        origin=LinkOrigin.STAFF,
        status=LinkStatus.CONFIRMED,
        decided_at=timezone.now(),
    )
    ConsultationFactory(title="Nuova consultazione sul verde", audience=Audience.ALL, objective=objective)
    observation.answer = "Grazie, ne terremo conto."
    observation.answered_at = timezone.now()
    observation.save()
    assert _send(django_capture_on_commit_callbacks).sent == 2
    by_address = {m.to[0]: m.body for m in mail.outbox}
    comune_digest = by_address["chi@example.org"]
    assert "Pagamenti aggiornati per 1 progetto" in comune_digest and "(25%)" in comune_digest
    assert f"{project.cup} → M1.1" in comune_digest
    objective_digest = by_address["obiettivo@example.org"]
    assert f"== Obiettivo M1.1 – {objective.title} ==" in objective_digest  # noqa: RUF001
    assert "Nuova consultazione sul verde" in objective_digest and "Vecchia" in objective_digest
    assert "Grazie, ne terremo conto." in objective_digest
    assert f"{project.cup} → M1.1" in objective_digest


def test_the_daily_schedule_includes_the_digests():
    from decimetro.core.scheduling import scheduled_tasks

    assert "decimetro.follow.tasks.digests_send_due" in [t.module_path for t in scheduled_tasks("daily")]
