"""Writes of the consultations: the Ente opens, edits and closes them; invited organisations submit
observations; the Ente moderates and answers them. Each function checks permission first, runs in one
transaction and leaves an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.core.audit import audit_record
from decimetro.core.models import Organisation
from decimetro.core.permissions import ensure, organisation_of
from decimetro.participation.models import (
    AUDIENCE_KIND_CHOICES,
    Audience,
    Consultation,
    Observation,
    ObservationStatus,
    ProposalKind,
)
from decimetro.participation.uploads import DOCUMENT_TYPES, MAX_ATTACHMENT_BYTES, check_upload
from decimetro.plan.models import Mission, Objective
from decimetro.pnrr.models import Project

AUDIENCE_KINDS = frozenset(value for value, _label in AUDIENCE_KIND_CHOICES)


class ConsultationNotOpen(PermissionDenied):
    """The consultation is closed or not yet open: it accepts nothing."""


def _snapshot(c: Consultation) -> dict[str, Any]:
    return {
        "title": c.title,
        "text": c.text,
        "subject": str(c.subject.code if hasattr(c.subject, "code") else getattr(c.subject, "cup", "")),
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "audience": c.audience,
        "audience_kinds": list(c.audience_kinds),
        "audience_organisations": sorted(o.name for o in c.audience_organisations.all()) if c.pk else [],
        "closed_at": c.closed_at,
    }


def _clean(
    *,
    title: str,
    text: str,
    subject: Objective | Mission | Project | None,
    opens_on: date,
    closes_on: date,
    audience: str,
    organisations: Iterable[Organisation],
    kinds: Iterable[str],
) -> tuple[list[Organisation], list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors.setdefault("title", []).append(_("Il titolo è obbligatorio."))
    if not text.strip():
        errors.setdefault("text", []).append(_("Il testo è obbligatorio."))
    if not isinstance(subject, Objective | Mission | Project):
        errors.setdefault("subject", []).append(
            _("Scegli l'obiettivo, la missione o il progetto su cui si apre la consultazione.")
        )
    if closes_on < opens_on:
        errors.setdefault("closes_on", []).append(
            _("La data di chiusura non può precedere quella di apertura.")
        )
    orgs = list(organisations)
    kind_list = sorted(set(kinds))
    if audience not in Audience.values:
        errors.setdefault("audience", []).append(_("Scelta non valida."))
    if audience == Audience.LIST and not orgs:
        errors.setdefault("audience_organisations", []).append(_("Elenca almeno un'organizzazione."))
    if audience == Audience.KINDS:
        unknown = [k for k in kind_list if k not in AUDIENCE_KINDS]
        if unknown or not kind_list:
            errors.setdefault("audience_kinds", []).append(
                _("Scegli almeno un tipo di organizzazione valido.")
            )
    if errors:
        raise ValidationError(errors)
    return (orgs if audience == Audience.LIST else []), (kind_list if audience == Audience.KINDS else [])


def _set_subject(c: Consultation, subject: Objective | Mission | Project | None) -> None:
    c.objective = subject if isinstance(subject, Objective) else None
    c.mission = subject if isinstance(subject, Mission) else None
    c.project = subject if isinstance(subject, Project) else None


def consultation_create(
    *,
    by: Any,
    title: str,
    text: str,
    subject: Objective | Mission | Project | None,
    opens_on: date,
    closes_on: date,
    audience: str,
    organisations: Iterable[Organisation] = (),
    kinds: Iterable[str] = (),
) -> Consultation:
    ensure(by, "consultation.manage")
    orgs, kind_list = _clean(
        title=title,
        text=text,
        subject=subject,
        opens_on=opens_on,
        closes_on=closes_on,
        audience=audience,
        organisations=organisations,
        kinds=kinds,
    )
    with transaction.atomic():
        c = Consultation(
            title=title.strip(),
            text=text.strip(),
            opens_on=opens_on,
            closes_on=closes_on,
            audience=audience,
            audience_kinds=kind_list,
            created_by=by,
        )
        _set_subject(c, subject)
        c.save()
        c.audience_organisations.set(orgs)
        audit_record(by=by, action="consultation.create", target=c, before=None, after=_snapshot(c))
    return c


def consultation_update(
    *,
    by: Any,
    consultation: Consultation,
    title: str,
    text: str,
    subject: Objective | Mission | Project | None,
    opens_on: date,
    closes_on: date,
    audience: str,
    organisations: Iterable[Organisation] = (),
    kinds: Iterable[str] = (),
) -> Consultation:
    ensure(by, "consultation.manage")
    orgs, kind_list = _clean(
        title=title,
        text=text,
        subject=subject,
        opens_on=opens_on,
        closes_on=closes_on,
        audience=audience,
        organisations=organisations,
        kinds=kinds,
    )
    with transaction.atomic():
        c = Consultation.objects.select_for_update().get(pk=consultation.pk)
        before = _snapshot(c)
        c.title, c.text = title.strip(), text.strip()
        c.opens_on, c.closes_on = opens_on, closes_on
        c.audience, c.audience_kinds = audience, kind_list
        _set_subject(c, subject)
        c.save()
        c.audience_organisations.set(orgs)
        audit_record(by=by, action="consultation.update", target=c, before=before, after=_snapshot(c))
    return c


def consultation_close(*, by: Any, consultation: Consultation) -> Consultation:
    """Close now (before the closing date): from this moment the consultation accepts nothing."""
    ensure(by, "consultation.manage")
    with transaction.atomic():
        c = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if c.closed_at is None:
            before = {"closed_at": None}
            c.closed_at = timezone.now()
            c.save(update_fields=["closed_at", "updated_at"])
            audit_record(
                by=by, action="consultation.close", target=c, before=before, after={"closed_at": c.closed_at}
            )
    return c


def observation_submit(
    *,
    by: Any,
    consultation: Consultation,
    text: str,
    attachment: Any = None,
    proposal_kind: str = "",
    proposal: str = "",
) -> Observation:
    """An editor/admin of an invited organisation submits an observation, pending moderation."""
    ensure(by, "observation.submit", consultation)
    state = consultation.state_on(timezone.localdate())
    if state != "open":
        raise ConsultationNotOpen(
            _("La consultazione è chiusa: non accetta più osservazioni.")
            if state == "closed"
            else _("La consultazione non è ancora aperta: si apre il %(day)s.")
            % {"day": consultation.opens_on.strftime("%d/%m/%Y")}
        )
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Scrivi l'osservazione.")]
    if proposal_kind not in ProposalKind.values:
        errors["proposal_kind"] = [_("Scelta non valida.")]
    elif proposal_kind and not proposal.strip():
        errors["proposal"] = [_("Descrivi il progetto o l'indicatore proposto.")]
    if attachment:
        try:
            check_upload(attachment, allowed=DOCUMENT_TYPES, max_bytes=MAX_ATTACHMENT_BYTES)
        except ValidationError as exc:
            errors["attachment"] = exc.messages
    if errors:
        raise ValidationError(errors)
    organisation = organisation_of(by)
    try:
        return _observation_save(
            by=by,
            consultation=consultation,
            organisation=organisation,
            text=text,
            attachment=attachment,
            proposal_kind=proposal_kind,
            proposal=proposal,
        )
    except BaseException:
        # Nothing half-written: a file stored before the transaction failed is removed.
        if attachment and getattr(attachment, "_decimetro_stored", None):
            Observation._meta.get_field("attachment").storage.delete(attachment._decimetro_stored)
        raise


def _observation_save(
    *,
    by: Any,
    consultation: Consultation,
    organisation: Organisation | None,
    text: str,
    attachment: Any,
    proposal_kind: str,
    proposal: str,
) -> Observation:
    with transaction.atomic():
        # Re-read under lock: a close that happened meanwhile wins.
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.state_on(timezone.localdate()) != "open":
            raise ConsultationNotOpen(_("La consultazione è chiusa: non accetta più osservazioni."))
        obs = Observation(
            consultation=locked,
            organisation=organisation,
            author=by,
            text=text.strip(),
            proposal_kind=proposal_kind,
            proposal=proposal.strip() if proposal_kind else "",
        )
        if attachment:
            obs.attachment_name = str(attachment.name)[-200:]
            obs.attachment.save(str(attachment.name), attachment, save=False)
            attachment._decimetro_stored = obs.attachment.name
        obs.save()
        audit_record(
            by=by,
            action="observation.create",
            target=obs,
            before=None,
            after={
                "consultation": locked.pk,
                "organisation": organisation.name if organisation else None,
                "text": obs.text,
                "attachment": obs.attachment_name,
                "proposal_kind": obs.proposal_kind,
                "proposal": obs.proposal,
            },
        )
    return obs


def observation_moderate(*, by: Any, observation: Observation, status: str, reason: str = "") -> Observation:
    """Publish or hide (a reason is required to hide) an observation."""
    ensure(by, "consultation.manage")
    if status not in (ObservationStatus.PUBLISHED, ObservationStatus.HIDDEN):
        raise ValidationError({"status": [_("Scelta non valida.")]})
    if status == ObservationStatus.HIDDEN and not reason.strip():
        raise ValidationError({"reason": [_("Indica il motivo per cui l'osservazione viene nascosta.")]})
    with transaction.atomic():
        obs = Observation.objects.select_for_update().get(pk=observation.pk)
        before = {"status": obs.status, "moderation_reason": obs.moderation_reason}
        obs.status = status
        obs.moderation_reason = reason.strip() if status == ObservationStatus.HIDDEN else ""
        obs.moderated_by = by
        obs.moderated_at = timezone.now()
        obs.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
        audit_record(
            by=by,
            action="observation.moderate",
            target=obs,
            before=before,
            after={"status": obs.status, "moderation_reason": obs.moderation_reason},
        )
    return obs


def observation_answer(*, by: Any, observation: Observation, answer: str) -> Observation:
    """The Ente's answer (shown on the public page with the observation, once published)."""
    ensure(by, "consultation.manage")
    if not answer.strip():
        raise ValidationError({"answer": [_("Scrivi la risposta.")]})
    with transaction.atomic():
        obs = Observation.objects.select_for_update().get(pk=observation.pk)
        before = {"answer": obs.answer}
        obs.answer = answer.strip()
        obs.answered_by = by
        obs.answered_at = timezone.now()
        obs.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            by=by, action="observation.answer", target=obs, before=before, after={"answer": obs.answer}
        )
    return obs


def consultation_remap_objectives(
    sender: Any = None, *, mapping: dict[int, int], **kwargs: Any
) -> dict[str, int]:
    """Receiver of `plan.signals.edition_published` (inside its transaction): consultations on an objective
    follow it to the new edition (closed ones too: their page links the objective that replaced it)."""
    moved = 0
    for old, new in mapping.items():
        moved += Consultation.objects.filter(objective_id=old).update(objective_id=new)
    return {"consultazioni": moved}
