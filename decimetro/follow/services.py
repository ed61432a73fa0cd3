"""Writes of the follow app: the double opt-in (request, confirm), the one-click unsubscription, the desk's
follow and unfollow for a logged-in user, and the digests.

Privacy: the address is stored once (`Follower.email`, to write to it) and looked up by its keyed hash; it
is never in a page, in the audit log (rows name the follower by id, the snapshots hold kind and key only) or
in a response that could tell whether it is already subscribed: a repeated request writes nothing and the
page is the same as for a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure
from decimetro.core.security import over_rate_limit
from decimetro.follow import digest as digest_mod
from decimetro.follow import mail, tokens
from decimetro.follow.models import Follow, Follower
from decimetro.follow.targets import Target, resolve

PUBLIC_FORM = "modulo pubblico"
SYSTEM = "invio dei riepiloghi"
DIGEST_EVERY_DAYS = 7


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    """Keyed (SECRET_KEY) so a table of known addresses cannot be hashed and compared with the stored ones."""
    return salted_hmac("decimetro.follow.email", normalise_email(email), algorithm="sha256").hexdigest()


def site_url(base_url: str = "") -> str:
    return (settings.DECIMETRO_SITE_URL or base_url or "http://localhost:8000").rstrip("/")


def follow_request(*, email: str, target: Target, base_url: str = "") -> None:
    """Anyone asks to follow `target`: a pending follow and a confirmation email with a signed link. Already
    pending: the email again (within the per-address limit), nothing written. Already confirmed, or over the
    limit: nothing at all. The caller answers the same page in every case."""
    email = normalise_email(email)
    digest = email_hash(email)
    with transaction.atomic():
        follower = Follower.objects.select_for_update().filter(email_hash=digest).first()
        follow = (
            Follow.objects.filter(follower=follower, kind=target.kind, key=target.key).first()
            if follower is not None
            else None
        )
        if follow is not None and follow.confirmed_at is not None:
            return
        if over_rate_limit("follow-email", digest, limit=settings.DECIMETRO_FOLLOW_EMAIL_LIMIT, seconds=3600):
            return
        if follower is None:
            follower = Follower.objects.create(
                email=email, email_hash=digest, marks={"site": site_url(base_url)}
            )
        if follow is None:
            follow = Follow.objects.create(
                follower=follower, kind=target.kind, key=target.key, label=target.label[:300]
            )
            audit_record(
                by=None,
                by_label=PUBLIC_FORM,
                action="follow.request",
                target=follow,
                before=None,
                after={"kind": target.kind, "key": target.key, "follower": follower.pk},
            )
        mail.send_confirmation(follower=follower, follow=follow, target=target, site=site_url(base_url))


@dataclass(frozen=True)
class Confirmed:
    follow: Follow
    target: Target | None
    already: bool


def follow_confirm(*, token: str) -> Confirmed:
    """The link of the confirmation email: the follow becomes active (once; a second click changes nothing).
    Raises `tokens.BadLink` for a forged, expired or used-up link (the follow was removed since)."""
    follow_id, hash_part = tokens.read_confirm(token)
    with transaction.atomic():
        follow = (
            Follow.objects.select_for_update()
            .select_related("follower")
            .filter(pk=follow_id, follower__email_hash__startswith=hash_part)
            .first()
        )
        if follow is None or not hash_part:
            raise tokens.BadLink()
        target = resolve(follow.kind, follow.key)
        if follow.confirmed_at is not None:
            return Confirmed(follow, target, already=True)
        now = timezone.now()
        follow.confirmed_at = now
        follow.save(update_fields=["confirmed_at"])
        follower = follow.follower
        if "at" not in follower.marks:  # the first confirmed follow: digests cover what comes after it
            follower.marks = {**follower.marks, **digest_mod.current_marks(now)}
            follower.save(update_fields=["marks"])
        audit_record(
            by=None,
            by_label=PUBLIC_FORM,
            action="follow.confirm",
            target=follow,
            before={"confirmed": False},
            after={"confirmed": True},
        )
    return Confirmed(follow, target, already=False)


def follow_unsubscribe(*, token: str) -> bool:
    """One click of the unsubscription link (or the mail client's List-Unsubscribe-Post): the address and
    all it follows are deleted. True if something was deleted; False if it was already gone (the page is the
    same). Raises `tokens.BadLink` for a forged link."""
    follower_id, hash_part = tokens.read_unsubscribe(token)
    if not hash_part:
        raise tokens.BadLink()
    with transaction.atomic():
        follower = (
            Follower.objects.select_for_update()
            .filter(pk=follower_id, email_hash__startswith=hash_part)
            .first()
        )
        if follower is None:
            return False
        follows = list(follower.follows.values_list("kind", "key"))
        audit_record(
            by=None,
            by_label=PUBLIC_FORM,
            action="follow.unsubscribe",
            target=follower,
            before={"follows": [f"{k} {v}" for k, v in follows]},
            after=None,
        )
        follower.delete()
    return True


def follow_for_user(*, by: User, target: Target) -> Follow:
    """A logged-in user follows `target` with the account's address, active at once (the account's address
    was confirmed by its invitation). Following twice changes nothing."""
    ensure(by, "follow.own")
    email = normalise_email(by.email or "")
    if not email:
        raise ValueError("account senza indirizzo email")
    digest = email_hash(email)
    now = timezone.now()
    with transaction.atomic():
        follower, created = Follower.objects.select_for_update().get_or_create(
            email_hash=digest,
            defaults={
                "email": email,
                "user": by,
                "marks": {"site": site_url(), **digest_mod.current_marks(now)},
            },
        )
        if not created and (follower.user_id is None or "at" not in follower.marks):
            follower.user = by
            follower.marks = {**digest_mod.current_marks(now), **follower.marks}
            follower.save(update_fields=["user", "marks"])
        follow, made = Follow.objects.get_or_create(
            follower=follower,
            kind=target.kind,
            key=target.key,
            defaults={"confirmed_at": now, "label": target.label[:300]},
        )
        if made or follow.confirmed_at is None:
            if not made:
                follow.confirmed_at = now
                follow.save(update_fields=["confirmed_at"])
            audit_record(
                by=by,
                action="follow.own",
                target=follow,
                before=None,
                after={"kind": target.kind, "key": target.key, "confirmed": True},
            )
    return follow


def unfollow_for_user(*, by: User, follow_id: int) -> bool:
    """A logged-in user stops following one of the targets of the account's address. False if not theirs."""
    ensure(by, "follow.own")
    with transaction.atomic():
        follow = (
            Follow.objects.select_for_update()
            .filter(pk=follow_id, follower__email_hash=email_hash(by.email or ""))
            .first()
        )
        if follow is None or not by.email:
            return False
        audit_record(
            by=by,
            action="follow.unfollow",
            target=follow,
            before={"kind": follow.kind, "key": follow.key},
            after=None,
        )
        follow.delete()
    return True


@dataclass
class DigestRun:
    due: int = 0
    sent: int = 0
    nothing_new: int = 0


def digests_send(*, now: datetime | None = None) -> DigestRun:
    """Sends the digest of every follower due (no digest yet, or the last one at least DIGEST_EVERY_DAYS old)
    whose followed targets changed since the previous one; a follower with nothing new gets nothing and stays
    due. Idempotent: a second run right after finds nobody due, or nothing new."""
    when = now if now is not None else timezone.now()
    run = DigestRun()
    marks = digest_mod.current_marks(when)
    for follower in digest_mod.followers_due(when, days=DIGEST_EVERY_DAYS):
        run.due += 1
        content = digest_mod.digest_for(follower)
        if content.empty:
            run.nothing_new += 1
            continue
        with transaction.atomic():
            Follower.objects.filter(pk=follower.pk).update(
                last_digest_at=when, marks={**follower.marks, **marks}
            )
            audit_record(
                by=None,
                by_label=SYSTEM,
                action="follow.digest",
                target=follower,
                before=None,
                after={"items": content.count},
            )
            mail.send_digest(
                follower=follower, content=content, site=follower.marks.get("site") or site_url()
            )
        run.sent += 1
    return run
