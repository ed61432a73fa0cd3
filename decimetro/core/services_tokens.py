"""Organisation API tokens (issue 17): created by an organisation's admin (the desk's "Token API" page) or by
`manage.py api_token_create`, shown once, stored as a SHA-256, revocable, with their last-used time.

A token acts through its own account (`ApiToken.user`): no password (it cannot log in), editor of the
organisation, not Django staff. So the API's write endpoints call the same services as the web forms with that
account as `by`, the one permission layer (`core.permissions`) decides with the organisation's rights (a
comune's token writes only that comune's data; never more than the organisation's admin may), and every audit
row of those writes names the token (`actor_label`)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.core import permissions as perms
from decimetro.core.audit import audit_record
from decimetro.core.models import ApiToken, Membership, Organisation, Role, User
from decimetro.core.services import token_hash

TOKEN_PREFIX = "dcm_"  # noqa: S105 (the public prefix of every token, not a secret)
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
NAME_MAX = 80
# The last-used time is written at most this often per token (a write per request would serialise them).
TOUCH_EVERY = timedelta(minutes=1)


def _snapshot(token: ApiToken) -> dict[str, object]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "organisation": token.organisation.name,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def api_token_create(*, by: User | None, organisation: Organisation, name: str) -> tuple[ApiToken, str]:
    """A new token of `organisation` called `name`: the token row and the secret, which is returned once and
    never stored (only its SHA-256). `by=None` only for the management command (the server's operator)."""
    if by is not None:
        perms.ensure(by, "apitoken.manage", organisation)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Dai un nome al token (per esempio il sistema che lo userà).")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("Il nome è lungo al massimo %(n)s caratteri.") % {"n": NAME_MAX}})
    if not organisation.active:
        raise ValidationError({"organisation": _("L'organizzazione non è attiva.")})
    if ApiToken.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError({"name": _("Esiste già un token con questo nome per l'organizzazione.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        user = User(username=f"api-token-{secrets.token_hex(8)}", is_active=True, is_staff=False)
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, organisation=organisation, role=Role.EDITOR)
        token = ApiToken.objects.create(
            organisation=organisation,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=token_hash(secret),
            user=user,
            created_by=by,
        )
        audit_record(
            by=by,
            by_label=None if by is not None else "manage.py api_token_create",
            action="apitoken.create",
            target=token,
            before=None,
            after=_snapshot(token),
        )
    return token, secret


def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke a token: its account is disabled, the next request with it gets 401. Idempotent."""
    perms.ensure(by, "apitoken.manage", token.organisation)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("organisation", "user").get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        before = _snapshot(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        User.objects.filter(pk=locked.user_id).update(is_active=False)
        audit_record(by=by, action="apitoken.revoke", target=locked, before=before, after=_snapshot(locked))
    return locked


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live token whose secret is `secret` (its account active, its organisation active), with its user
    and organisation loaded; None otherwise. Records the last-used time at most once per TOUCH_EVERY."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("organisation", "user__membership__organisation")
        .filter(digest=token_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.organisation.active:
        return None
    # Read by core.audit.audit_record: the rows of this token's writes name the token.
    token.user.audit_label = token.label  # type: ignore[attr-defined]
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
