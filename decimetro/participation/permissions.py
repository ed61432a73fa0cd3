"""Who may do what in participation: the rules of consultations, observations, verification reports and
DUPs, on the predicates of decimetro.core.permissions.

Loaded by ParticipationConfig.ready(); asked by name through `core.permissions.can` / `ensure`.

| permission                  | object             | who                                                |
|-----------------------------|--------------------|----------------------------------------------------|
| consultation.manage         |                    | Ente staff: open, edit, close, moderate, answer    |
| observation.submit          | Consultation       | an editor/admin of an invited organisation         |
| observation.view_attachment | Observation        | anyone once published; before, Ente staff and the  |
|                             |                    | observation's organisation                         |
| verification.file           |                    | an editor/admin of any organisation                |
| verification.change         | VerificationReport | an editor/admin of the report's organisation       |
| verification.delete         | VerificationReport | an editor/admin of the report's organisation       |
| verification.hide           |                    | Ente staff: hide a report, or show it again        |
| verification.view_hidden    | VerificationReport | Ente staff, and the report's organisation          |
| dup.write                   | Organisation       | a Comune's or the Ente's DUP: Ente staff, or that  |
|                             |                    | organisation's editors/admins                      |
| dup.manage_all              |                    | Ente staff: open any Comune's DUP desk             |
"""

from __future__ import annotations

from typing import Any

import rules
from django.utils.translation import gettext_lazy as _

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.core.permissions import (
    add_perm,
    can,
    is_ente_staff,
    is_member_writer_of,
    is_writer_of_own_organisation,
    organisation_of,
)
from decimetro.participation.models import (
    Audience,
    Consultation,
    Observation,
    ObservationStatus,
    VerificationReport,
)
from decimetro.participation.selectors_dup import dup_key

_ENTE_STAFF_ONLY = "Solo il personale dell'Ente può compiere questa operazione."


def organisation_is_invited(organisation: Organisation | None, consultation: Consultation) -> bool:
    """May this organisation answer? The Ente asks, it does not answer its own consultations."""
    if organisation is None or not organisation.active or organisation.kind == OrganisationKind.ENTE:
        return False
    if consultation.audience == Audience.ALL:
        return True
    if consultation.audience == Audience.LIST:
        return consultation.audience_organisations.filter(pk=organisation.pk).exists()
    kinds = set(consultation.audience_kinds)
    if organisation.kind == OrganisationKind.COMUNE:
        return "comune" in kinds
    return "body" in kinds or f"body:{organisation.body_kind}" in kinds


@rules.predicate
def is_invited_writer(user: Any, consultation: Consultation) -> bool:
    """An editor/admin of an invited organisation (the consultation being open is checked apart)."""
    organisation = organisation_of(user)
    return is_member_writer_of(user, organisation) and organisation_is_invited(organisation, consultation)


@rules.predicate
def is_published(user: Any, observation: Observation) -> bool:
    return observation.status == ObservationStatus.PUBLISHED


@rules.predicate
def belongs_to_own_organisation(user: Any, item: Observation | VerificationReport) -> bool:
    """The observation or report was written in the name of the user's organisation."""
    organisation = organisation_of(user)
    return organisation is not None and organisation.pk == item.organisation_id


@rules.predicate
def writes_for_report_organisation(user: Any, report: VerificationReport) -> bool:
    return is_member_writer_of(user, report.organisation)


@rules.predicate
def has_a_dup(user: Any, organisation: Organisation) -> bool:
    """Only a Comune and the Ente keep a DUP in Decimetro."""
    return organisation.kind in (OrganisationKind.COMUNE, OrganisationKind.ENTE)


def managed_dup_key(user: Any) -> str | None:
    """The key of the DUP desk a user lands on: their own Comune's (or the Ente's) if they write for it, else
    the Ente's for the Ente's staff; None for everybody else."""
    organisation = organisation_of(user)
    if organisation is not None and has_a_dup(user, organisation) and is_member_writer_of(user, organisation):
        return dup_key(organisation)
    if can(user, "dup.manage_all"):
        return "ente"
    return None


add_perm("consultation.manage", is_ente_staff, refused=_ENTE_STAFF_ONLY)
add_perm(
    "observation.submit",
    is_invited_writer,
    refused=_("La tua organizzazione non è invitata a questa consultazione."),
)
add_perm(
    "observation.view_attachment",
    is_published | is_ente_staff | belongs_to_own_organisation,
    refused=_("Allegato non disponibile."),
)
add_perm(
    "verification.file",
    is_writer_of_own_organisation,
    refused=_("Solo i redattori di un'organizzazione possono inviare una verifica."),
)
add_perm(
    "verification.change",
    writes_for_report_organisation,
    refused=_("Puoi modificare solo le verifiche della tua organizzazione."),
)
add_perm(
    "verification.delete",
    writes_for_report_organisation,
    refused=_("Puoi eliminare solo le verifiche della tua organizzazione."),
)
add_perm("verification.hide", is_ente_staff, refused=_ENTE_STAFF_ONLY)
add_perm(
    "verification.view_hidden",
    is_ente_staff | belongs_to_own_organisation,
    refused=_("Verifica non disponibile."),
)
add_perm(
    "dup.write",
    has_a_dup & (is_ente_staff | is_member_writer_of),
    refused=_("Non puoi modificare il DUP di questa organizzazione."),
)
add_perm("dup.manage_all", is_ente_staff, refused=_ENTE_STAFF_ONLY)
