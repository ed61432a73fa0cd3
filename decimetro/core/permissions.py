"""Who may do what: the one permission layer, built on django-rules.

*Predicates* (`@rules.predicate`) say who a user is: an Ente admin, Ente staff, an editor of an organisation.
*Permissions* are named actions registered with `add_perm` (it calls `rules.add_perm` and keeps the Italian
message shown when the action is refused). Code asks by name, never by predicate:

- services call `ensure(by, "perm", obj)` first (it raises PermissionDenied with the permission's message);
- views use the guard `decimetro.core.http.require_perm("perm")`, or `ensure(request.user, "perm", obj)` once
  they have the object; page flags and template tags use `can(user, "perm", obj)`.

`can` and `ensure` test the rule itself (`rules.has_perm`), so a Django superuser gets exactly what the rules
say. `user.has_perm("perm", obj)` (the `rules` backend in AUTHENTICATION_BACKENDS) asks the same rules, but
Django answers yes to any active superuser before asking them.

The actors: an inactive or anonymous user may do nothing. A user belongs to at most one organisation
(Membership) with a role: viewer, editor or admin; a membership in an inactive organisation grants nothing.
*Ente staff* = active Django staff, or an editor/admin of the Ente (the membership services make them Django
staff). *Ente admin* = an admin of the Ente, or a Django superuser. An editor/admin writes only for their own
organisation (a Comune's editor only that Comune's data); viewers write nothing.

Registered here (rules about users, organisations and comuni; the plan-editing rules only look at the user):

| permission         | object       | who                                                              |
|--------------------|--------------|------------------------------------------------------------------|
| profile.edit       |              | any active registered user (their own password and profile)      |
| accounts.manage    |              | Ente admin: users, roles, invitations, organisations             |
| audit.view         |              | Ente admin                                                       |
| organisation.write | Organisation | Ente staff, or an editor/admin of that organisation              |
| comune.write       | Comune       | Ente staff, or an editor/admin of that Comune's organisation     |
| plan.edit          |              | active Django staff (the Ente's editors and admins)              |
| link.review        |              | active Django staff: confirm/reject project-objective links      |
| pnrr.import        |              | active Django staff: import PNRR open-data files                 |
| pnrr.quality.view  |              | active Django staff: the import log and the data-quality report  |
| apitoken.manage    | Organisation | Ente admin, or an admin of that organisation (its API tokens)    |

Who may do each permission, in Italian words, is in PERMISSION_HOLDERS below (one place for every app's
permissions): `ensure` raises PermissionRefused, which carries it to the 403 page ("Questa azione è riservata
a: …", `core.http.permission_denied`). A new permission needs its line there (a test checks it).

Registered by their own app, on these predicates (the app's `permissions.py`, loaded by its AppConfig):
`decimetro.monitoring.permissions` (indicator.*) and `decimetro.participation.permissions` (consultation.*,
observation.*, verification.*, dup.*). Each module's docstring has its table. This module compares ids and
attributes only: `core` imports no domain app.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from decimetro.core.models import Membership, Organisation, OrganisationKind, Role, User

WRITER_ROLES = frozenset({Role.EDITOR.value, Role.ADMIN.value})

UserLike = User | AnonymousUser | None


# Who the user is (plain helpers: a membership, not a yes/no) ----------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def membership_of(user: Any) -> Membership | None:
    """The user's membership (with its organisation), or None (anonymous, inactive, none, inactive org).

    The reverse one-to-one is cached on the user instance: repeated checks in a request cost one query."""
    if not _active(user):
        return None
    try:
        membership: Membership = user.membership
    except ObjectDoesNotExist:
        return None
    if not membership.organisation.active:
        return None
    return membership


def organisation_of(user: Any) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


def role_of(user: Any) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def comune_of(user: Any) -> Model | None:
    """The Comune the user acts for (only for members of a Comune's organisation)."""
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != OrganisationKind.COMUNE:
        return None
    return membership.organisation.comune


def writable_comune_id(user: Any) -> int | None:
    """The id of the Comune whose data this user writes (editor/admin of an active Comune organisation)."""
    membership = membership_of(user)
    if (
        membership is None
        or membership.organisation.kind != OrganisationKind.COMUNE
        or membership.role not in WRITER_ROLES
    ):
        return None
    return membership.organisation.comune_id


# Predicates -------------------------------------------------------------------------------------------------


@rules.predicate
def is_active_user(user: Any) -> bool:
    return _active(user)


@rules.predicate
def is_django_staff(user: Any) -> bool:
    """Active Django staff: edits the plan and the data behind it."""
    return _active(user) and bool(user.is_staff)


@rules.predicate
def is_ente_admin(user: Any) -> bool:
    """An administrator of the Ente (or a Django superuser): manages accounts and reads the audit log."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.ENTE
        and membership.role == Role.ADMIN
    )


@rules.predicate
def is_ente_staff(user: Any) -> bool:
    """Active Django staff, or an editor/admin of the Ente: writes for the whole territory."""
    if not _active(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.ENTE
        and membership.role in WRITER_ROLES
    )


def _role_in(user: Any, organisation: Organisation | None, roles: frozenset[str]) -> bool:
    """The user is a member of exactly `organisation`, with one of `roles`."""
    if organisation is None:
        return False
    membership = membership_of(user)
    return (
        membership is not None and membership.organisation_id == organisation.pk and membership.role in roles
    )


@rules.predicate
def is_member_writer_of(user: Any, organisation: Organisation | None) -> bool:
    """An editor/admin of exactly this organisation (Ente staff NOT included: use it to act *as* it)."""
    return _role_in(user, organisation, WRITER_ROLES)


@rules.predicate
def is_member_admin_of(user: Any, organisation: Organisation | None) -> bool:
    """An admin of exactly this organisation (its API tokens)."""
    return _role_in(user, organisation, frozenset({Role.ADMIN.value}))


@rules.predicate
def is_writer_of_own_organisation(user: Any) -> bool:
    """An editor/admin of some (active) organisation: may act in its name."""
    membership = membership_of(user)
    return membership is not None and membership.role in WRITER_ROLES


@rules.predicate
def is_comune_writer(user: Any, comune: Model | None) -> bool:
    """An editor/admin of this Comune's organisation."""
    return comune is not None and writable_comune_id(user) == comune.pk


@rules.predicate
def has_object(user: Any, obj: object) -> bool:
    return obj is not None


# Registration, and the two questions ------------------------------------------------------------------------

_REFUSALS: dict[str, str | Promise] = {}


def add_perm(name: str, predicate: Any, *, refused: str | Promise) -> None:
    """Register a permission (`rules.add_perm`) with the message `ensure` raises when it is refused."""
    rules.add_perm(name, predicate)
    _REFUSALS[name] = refused


def registered_permissions() -> frozenset[str]:
    return frozenset(_REFUSALS)


def can(user: UserLike, perm: str, obj: object = None) -> bool:
    """Whether `user` may do `perm` (on `obj`). An unknown permission name is a bug: KeyError."""
    if perm not in _REFUSALS:
        raise KeyError(f"Unknown permission {perm!r}")
    return bool(rules.has_perm(perm, user, obj))


class PermissionRefused(PermissionDenied):
    """What `ensure` raises: the permission's Italian message (`str(exc)`), the permission's name and who may
    do it (`holders`, from PERMISSION_HOLDERS), for the 403 page ("Questa azione è riservata a: …")."""

    def __init__(self, message: str, *, perm: str) -> None:
        super().__init__(message)
        self.perm = perm

    @property
    def holders(self) -> str:
        return holders_of(self.perm)


def ensure(user: UserLike, perm: str, obj: object = None) -> None:
    """Raise PermissionRefused (a PermissionDenied with the permission's Italian message) unless `user` may
    do `perm`."""
    if not can(user, perm, obj):
        raise PermissionRefused(str(_REFUSALS[perm]), perm=perm)


# Who may do each action, in words, for the 403 page: every permission of every app, here in one place (a
# test checks that each registered permission has its line). Plain strings: core imports no domain app.
_STAFF = _("il personale dell'Ente (redattori e amministratori della Città metropolitana)")
_ADMINS = _("gli amministratori dell'Ente")
PERMISSION_HOLDERS: dict[str, Promise] = {
    "profile.edit": _("gli utenti registrati e attivi"),
    "accounts.manage": _ADMINS,
    "audit.view": _ADMINS,
    "organisation.write": _("il personale dell'Ente e i redattori o amministratori dell'organizzazione"),
    "comune.write": _("il personale dell'Ente e i redattori o amministratori del Comune"),
    "plan.edit": _STAFF,
    "link.review": _STAFF,
    "pnrr.import": _STAFF,
    "pnrr.quality.view": _STAFF,
    "indicator.manage": _STAFF,
    "indicator.record_value": _(
        "il personale dell'Ente, chi è responsabile dell'indicatore e i redattori o amministratori del suo "
        "Comune"
    ),
    "indicator.import_values": _("chi può registrare valori di almeno un indicatore attivo"),
    "indicator.record_some": _(
        "il personale dell'Ente, i redattori o amministratori di un Comune e i responsabili di un indicatore"
    ),
    "consultation.manage": _STAFF,
    "observation.submit": _(
        "i redattori e gli amministratori delle organizzazioni invitate alla consultazione"
    ),
    "observation.view_attachment": _(
        "tutti, una volta pubblicata l'osservazione; prima, il personale dell'Ente e "
        "l'organizzazione che l'ha inviata"
    ),
    "verification.file": _("i redattori e gli amministratori di un'organizzazione"),
    "verification.change": _(
        "i redattori e gli amministratori dell'organizzazione che ha inviato la verifica"
    ),
    "verification.delete": _(
        "i redattori e gli amministratori dell'organizzazione che ha inviato la verifica"
    ),
    "verification.hide": _STAFF,
    "verification.view_hidden": _("il personale dell'Ente e l'organizzazione che ha inviato la verifica"),
    "dup.write": _("il personale dell'Ente e i redattori o amministratori del Comune titolare del DUP"),
    "dup.manage_all": _STAFF,
    "apitoken.manage": _("gli amministratori dell'Ente e gli amministratori dell'organizzazione"),
    "follow.own": _("gli utenti registrati e attivi (con l'indirizzo email del proprio account)"),
}


def holders_of(perm: str) -> str:
    """Who may do `perm`, in Italian ("" for a permission without a line in PERMISSION_HOLDERS)."""
    holders = PERMISSION_HOLDERS.get(perm)
    return str(holders) if holders is not None else ""


_ADMINS_ONLY = "Solo gli amministratori dell'Ente possono compiere questa operazione."
_PLAN_STAFF_ONLY = "Solo il personale dell'Ente può modificare il piano."

add_perm("profile.edit", is_active_user, refused="Accesso riservato agli utenti registrati e attivi.")
add_perm("accounts.manage", is_ente_admin, refused=_ADMINS_ONLY)
add_perm("audit.view", is_ente_admin, refused=_ADMINS_ONLY)
add_perm(
    "organisation.write",
    is_ente_staff | is_member_writer_of,
    refused="Non puoi scrivere per conto di questa organizzazione.",
)
add_perm(
    "comune.write",
    has_object & (is_ente_staff | is_comune_writer),
    refused="Non puoi modificare i dati di questo Comune.",
)
add_perm("plan.edit", is_django_staff, refused=_PLAN_STAFF_ONLY)
add_perm("link.review", is_django_staff, refused=_PLAN_STAFF_ONLY)
add_perm("pnrr.import", is_django_staff, refused=_PLAN_STAFF_ONLY)
add_perm("pnrr.quality.view", is_django_staff, refused="Pagina riservata al personale dell'Ente.")
add_perm(
    "apitoken.manage",
    has_object & (is_ente_admin | is_member_admin_of),
    refused="Solo gli amministratori dell'organizzazione gestiscono i suoi token API.",
)
