"""Accounts and roles: organisations, invitations, memberships, enabling and disabling users.

Every write checks permission first (decimetro.core.permissions), runs in one transaction and leaves
an audit row. Ente editors/admins are made Django staff here (and only here), so the `plan.edit`
permission (active Django staff) holds for them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.core import permissions as perms
from decimetro.core.audit import audit_record
from decimetro.core.models import (
    BodyKind,
    DeskVisit,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from decimetro.core.tasks import email_on_commit

USERNAME_RE = re.compile(r"^[\w.@+-]{3,150}$")
FISCAL_CODE_RE = re.compile(r"^(\d{11}|[A-Z0-9]{16})$")


def organisation_snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "kind": org.kind,
        "body_kind": org.body_kind,
        "name": org.name,
        "comune": org.comune.codice_istat if org.comune_id and org.comune else None,
        "fiscal_code": org.fiscal_code,
        "email": org.email,
        "phone": org.phone,
        "active": org.active,
    }


def _user_snapshot(user: User) -> dict[str, Any]:
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    return {
        "username": user.username,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "organisation": membership.organisation.name if membership else None,
        "role": membership.role if membership else None,
    }


def token_hash(token: str) -> str:
    """Only this SHA-256 of an invitation token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Organisations ----------------------------------------------------------------------------------------------


def _clean_org_fields(
    *, name: str, body_kind: str, fiscal_code: str, email: str, phone: str, exclude_pk: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    fiscal_code = fiscal_code.strip().upper()
    if not name:
        errors["name"] = _("Il nome è obbligatorio.")
    elif Organisation.objects.filter(name__iexact=name).exclude(pk=exclude_pk or 0).exists():
        errors["name"] = _("Esiste già un'organizzazione con questo nome.")
    if body_kind not in BodyKind.values:
        errors["body_kind"] = _("Tipo di organizzazione non valido.")
    if fiscal_code and not FISCAL_CODE_RE.match(fiscal_code):
        errors["fiscal_code"] = _("Il codice fiscale deve avere 11 cifre o 16 caratteri alfanumerici.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "body_kind": body_kind,
        "fiscal_code": fiscal_code,
        "email": email.strip(),
        "phone": phone.strip(),
    }


def organisation_create(
    *, by: User, name: str, body_kind: str, fiscal_code: str = "", email: str = "", phone: str = ""
) -> Organisation:
    """Create an intermediate body (university, chamber of commerce, association, …). Ente admins only."""
    perms.ensure(by, "accounts.manage")
    with transaction.atomic():
        fields = _clean_org_fields(
            name=name, body_kind=body_kind, fiscal_code=fiscal_code, email=email, phone=phone, exclude_pk=None
        )
        org = Organisation.objects.create(kind=OrganisationKind.BODY, **fields)
        audit_record(by=by, action="create", target=org, before=None, after=organisation_snapshot(org))
    return org


def organisation_update(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    body_kind: str,
    fiscal_code: str = "",
    email: str = "",
    phone: str = "",
    active: bool = True,
) -> Organisation:
    """Update an intermediate body. The Ente's and the comuni's organisations keep their name and kind (they
    follow the territory); only their contact details change here. Ente admins only."""
    perms.ensure(by, "accounts.manage")
    with transaction.atomic():
        org = (
            Organisation.objects.select_for_update(of=("self",))
            .select_related("comune")
            .get(pk=organisation.pk)
        )
        before = organisation_snapshot(org)
        if org.kind == OrganisationKind.BODY:
            fields = _clean_org_fields(
                name=name,
                body_kind=body_kind,
                fiscal_code=fiscal_code,
                email=email,
                phone=phone,
                exclude_pk=org.pk,
            )
            org.active = active
        else:
            fields = _clean_org_fields(
                name=org.name,
                body_kind=BodyKind.OTHER,
                fiscal_code=fiscal_code,
                email=email,
                phone=phone,
                exclude_pk=org.pk,
            )
            fields.pop("name")
            fields.pop("body_kind")
        for key, value in fields.items():
            setattr(org, key, value)
        after = organisation_snapshot(org)
        if after != before:
            org.save()
            audit_record(by=by, action="update", target=org, before=before, after=after)
    return org


# Invitations ------------------------------------------------------------------------------------------------


def invitation_create(
    *, by: User, email: str, organisation: Organisation, role: str, base_url: str = ""
) -> tuple[Invitation, str]:
    """An Ente admin invites `email` into `organisation` with `role`: sends an email with a one-time link
    valid DECIMETRO_INVITATION_DAYS days. Only the SHA-256 of the token is stored; earlier pending
    invitations of the same address are revoked. Returns the invitation and the link (never stored)."""
    perms.ensure(by, "accounts.manage")
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = _("Ruolo non valido.")
    if not organisation.active:
        errors["organisation"] = _("L'organizzazione non è attiva.")
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("Esiste già un utente con questo indirizzo email.")
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        for old in Invitation.objects.select_for_update().filter(
            email__iexact=email, accepted_at__isnull=True, expires_at__gt=now
        ):
            before = {"expires_at": old.expires_at}
            old.expires_at = now
            old.save(update_fields=["expires_at"])
            audit_record(
                by=by, action="invitation_revoke", target=old, before=before, after={"expires_at": now}
            )
        invitation = Invitation.objects.create(
            email=email,
            organisation=organisation,
            role=role,
            token_hash=token_hash(token),
            created_by=by,
            expires_at=now + timedelta(days=settings.DECIMETRO_INVITATION_DAYS),
        )
        audit_record(
            by=by,
            action="invitation_create",
            target=invitation,
            before=None,
            after={
                "email": email,
                "organisation": organisation.name,
                "role": role,
                "expires_at": invitation.expires_at,
            },
        )
        path = reverse("backoffice:invitation_accept", args=[token])
        link = f"{(settings.DECIMETRO_SITE_URL or base_url).rstrip('/')}{path}"
        subject = _("Invito a Decimetro: %(org)s") % {"org": organisation.name}
        body = _(
            "Buongiorno,\n\n%(who)s ti invita a usare Decimetro, il sistema del Piano strategico "
            "metropolitano, per %(org)s con il ruolo di %(role)s.\n\nPer accettare scegli nome utente e "
            "password da questo link (valido una sola volta, fino al %(until)s):\n\n%(link)s\n\n"
            "Se non ti aspettavi questo invito ignora il messaggio."
        ) % {
            "who": by.get_full_name() or by.get_username(),
            "org": organisation.name,
            "role": Role(role).label,
            "until": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y %H:%M"),
            "link": link,
        }
        # Sent by a task once the invitation is committed: a refused message fails its task (staff see it in
        # the task list) and the invitation can be revoked or sent again.
        email_on_commit(subject=subject, body=body, to=[email])
    return invitation, link


def invitation_pending(token: str) -> Invitation | None:
    """The invitation of this token if it can still be accepted (not used, not expired), else None."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(
            token_hash=token_hash(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
            organisation__active=True,
        )
        .first()
    )


def invitation_revoke(*, by: User, invitation: Invitation) -> Invitation:
    perms.ensure(by, "accounts.manage")
    with transaction.atomic():
        inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
        now = timezone.now()
        if inv.accepted_at is None and inv.expires_at > now:
            before = {"expires_at": inv.expires_at}
            inv.expires_at = now
            inv.save(update_fields=["expires_at"])
            audit_record(
                by=by, action="invitation_revoke", target=inv, before=before, after={"expires_at": now}
            )
    return inv


def invitation_accept(*, token: str, username: str, password: str, full_name: str = "") -> User:
    """The invitee chooses username and password: creates the user and the membership. The link works once and
    until it expires; the password must pass the configured validators."""
    username = username.strip()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_hash=token_hash(token or ""))
            .first()
        )
        if (
            invitation is None
            or invitation.accepted_at is not None
            or invitation.expires_at <= timezone.now()
            or not invitation.organisation.active
        ):
            raise PermissionDenied(_("Il link di invito non è valido, è già stato usato o è scaduto."))
        errors: dict[str, list[str]] = {}
        if not USERNAME_RE.match(username):
            errors["username"] = [
                _("Il nome utente deve avere da 3 a 150 caratteri: lettere, cifre e . @ + - _ .")
            ]
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("Questo nome utente è già in uso.")]
        if User.objects.filter(email__iexact=invitation.email).exists():
            errors["__all__"] = [_("Esiste già un utente con questo indirizzo email.")]
        first, _sep, last = " ".join(full_name.split()).partition(" ")
        candidate = User(username=username, email=invitation.email, first_name=first, last_name=last)
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
        if errors:
            raise ValidationError(errors)
        candidate.set_password(password)
        candidate.is_staff = _staff_for(invitation.organisation, invitation.role)
        candidate.save()
        Membership.objects.create(user=candidate, organisation=invitation.organisation, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.user = candidate
        invitation.save(update_fields=["accepted_at", "user"])
        audit_record(
            by=candidate,
            action="invitation_accept",
            target=invitation,
            before=None,
            after={"username": username, "accepted_at": invitation.accepted_at},
        )
        audit_record(
            by=candidate, action="create", target=candidate, before=None, after=_user_snapshot(candidate)
        )
    return candidate


# Users and memberships ------------------------------------------------------------------------------------


def _staff_for(organisation: Organisation, role: str) -> bool:
    """Ente editors and admins are Django staff (they edit the plan); nobody else is."""
    return organisation.kind == OrganisationKind.ENTE and role in perms.WRITER_ROLES


def _ensure_not_self(by: User, user: User) -> None:
    if by.pk == user.pk:
        raise ValidationError(_("Non puoi modificare il tuo stesso account da qui."))


def _ensure_not_last_ente_admin(user: User) -> None:
    admins = Membership.objects.filter(
        organisation__kind=OrganisationKind.ENTE, role=Role.ADMIN, user__is_active=True
    ).exclude(user=user)
    if (
        not admins.exists()
        and Membership.objects.filter(
            user=user, organisation__kind=OrganisationKind.ENTE, role=Role.ADMIN
        ).exists()
    ):
        raise ValidationError(_("Deve restare almeno un amministratore attivo dell'Ente."))


def user_disable(*, by: User, user: User) -> User:
    """Disable an account: it can no longer log in, and its open sessions stop working."""
    perms.ensure(by, "accounts.manage")
    _ensure_not_self(by, user)
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=user.pk)
        if not target.is_active:
            return target
        _ensure_not_last_ente_admin(target)
        before = _user_snapshot(target)
        target.is_active = False
        target.save(update_fields=["is_active"])
        audit_record(by=by, action="user_disable", target=target, before=before, after=_user_snapshot(target))
    return target


def user_enable(*, by: User, user: User) -> User:
    perms.ensure(by, "accounts.manage")
    _ensure_not_self(by, user)
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=user.pk)
        if target.is_active:
            return target
        before = _user_snapshot(target)
        target.is_active = True
        target.save(update_fields=["is_active"])
        audit_record(by=by, action="user_enable", target=target, before=before, after=_user_snapshot(target))
    return target


def membership_set_role(
    *, by: User | None, user: User, role: str, organisation: Organisation | None = None
) -> Membership:
    """Set the user's role (and, if given, move them to `organisation`; required for a user with no
    membership yet). Keeps Django staff in step: Ente editors/admins are staff, everybody else is not
    (superusers keep their flags). `by=None` only for development commands (demo_users)."""
    if by is not None:
        perms.ensure(by, "accounts.manage")
        _ensure_not_self(by, user)
    if role not in Role.values:
        raise ValidationError({"role": _("Ruolo non valido.")})
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=user.pk)
        before = _user_snapshot(target)
        membership = Membership.objects.select_related("organisation").filter(user=target).first()
        new_org = organisation or (membership.organisation if membership else None)
        if new_org is None:
            raise ValidationError({"organisation": _("Indica l'organizzazione dell'utente.")})
        if not new_org.active:
            raise ValidationError({"organisation": _("L'organizzazione non è attiva.")})
        if membership is not None and not (new_org.kind == OrganisationKind.ENTE and role == Role.ADMIN):
            _ensure_not_last_ente_admin(target)
        if membership is None:
            membership = Membership.objects.create(user=target, organisation=new_org, role=role)
        else:
            membership.organisation = new_org
            membership.role = role
            membership.save(update_fields=["organisation", "role"])
        if not target.is_superuser:
            target.is_staff = _staff_for(new_org, role)
            target.save(update_fields=["is_staff"])
        after = _user_snapshot(target)
        if after != before:
            audit_record(by=by, action="membership_set_role", target=target, before=before, after=after)
    return membership


def user_create_for_development(
    *, username: str, password: str, email: str, organisation: Organisation, role: str
) -> User:
    """Development only (demo_users): a user with a known password in an organisation."""
    if not settings.DEBUG or getattr(settings, "PRODUCTION", False):
        raise PermissionDenied("Gli utenti dimostrativi si creano solo in sviluppo (DEBUG).")
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=email)
        user.set_password(password)
        user.is_active = True
        user.save()
        audit_record(
            by=None,
            by_label="demo_users",
            action="demo_user",
            target=user,
            before=None,
            after={"username": username},
        )
        membership_set_role(by=None, user=user, role=role, organisation=organisation)
    return user


def user_change_password(*, by: User, old_password: str, new_password: str) -> User:
    """A user changes their own password (the old one is required; the validators apply)."""
    perms.ensure(by, "profile.edit")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=by.pk)
        if not user.check_password(old_password):
            raise ValidationError({"old_password": _("La password attuale non è corretta.")})
        _store_password(user, new_password, action="password_change", after="modificata")
    by.password = user.password
    return user


def user_reset_password(*, user: User, new_password: str) -> User:
    """A user who forgot the password sets a new one through the emailed link (the view checked its token; the
    new password changes the hash the token was signed with, so the link works once). The validators apply."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _store_password(locked, new_password, action="password_reset", after="reimpostata")
    user.password = locked.password
    return locked


def _store_password(user: User, new_password: str, *, action: str, after: str) -> None:
    """The new password of a locked user row: validated (errors on the form's `new_password1`), hashed, saved
    and audited (never the password itself). Inside the caller's transaction."""
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": list(exc.messages)}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(by=user, action=action, target=user, before=None, after={"password": after})


# The desk's visits ------------------------------------------------------------------------------------------

# Views of the desk closer together than this are one visit: a reload keeps the same "since your last visit".
DESK_VISIT_GAP = timedelta(hours=1)


def desk_visit_record(*, by: User, marks: dict[str, int]) -> DeskVisit:
    """Record that `by` is looking at their desk now (with the `marks` of this moment) and return the visit:
    its `since` and `since_marks` are those of the previous visit (None and {} at the first one).

    A view less than DESK_VISIT_GAP after the previous one belongs to the same visit: the baseline stays.
    Not audited: it is the bookkeeping of the user's own screen, not data (an audit row would also change the
    data version, and so the cache key, of every figure)."""
    perms.ensure(by, "profile.edit")
    now = timezone.now()
    with transaction.atomic():
        visit, created = DeskVisit.objects.select_for_update().get_or_create(
            user=by, defaults={"seen_at": now, "marks": marks}
        )
        if created:
            return visit
        if now - visit.seen_at >= DESK_VISIT_GAP:
            visit.since, visit.since_marks = visit.seen_at, visit.marks
        visit.seen_at, visit.marks = now, marks
        visit.save(update_fields=["seen_at", "marks", "since", "since_marks"])
    return visit
