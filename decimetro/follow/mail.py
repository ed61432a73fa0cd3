"""The follow app's emails: the confirmation of a subscription and the digest. Plain text and HTML, in
Italian, with the credits and the unsubscription link (also as `List-Unsubscribe` + `List-Unsubscribe-Post`,
RFC 8058, so a mail client offers its own one-click button). Sent by a task when the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _t

from decimetro.follow import tokens
from decimetro.follow.models import Follow, Follower
from decimetro.follow.targets import Target
from decimetro.follow.tasks import send_follow_email
from decimetro.plan.credits import PLAN
from decimetro.pnrr.credits import PNRR

CREDITS = f"{PNRR}; {PLAN}"


def unsubscribe_url(follower: Follower, site: str) -> str:
    token = tokens.unsubscribe_token(follower_id=follower.pk, email_hash=follower.email_hash)
    return site + reverse("public:follow_unsubscribe", args=[token])


def _headers(unsubscribe: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send(*, subject: str, template: str, context: dict[str, Any], to: str, unsubscribe: str) -> None:
    context = {**context, "credits": CREDITS, "unsubscribe_url": unsubscribe}
    text = render_to_string(f"follow/{template}.txt", context)
    html = render_to_string(f"follow/{template}.html", context)
    subject, headers = str(subject), _headers(unsubscribe)
    transaction.on_commit(lambda: send_follow_email.enqueue(subject, text, html, [to], headers))


def send_confirmation(*, follower: Follower, follow: Follow, target: Target, site: str) -> None:
    token = tokens.confirm_token(follow_id=follow.pk, email_hash=follower.email_hash)
    _send(
        subject=_t("Decimetro: conferma per seguire %(what)s") % {"what": target.label},
        template="confirm_email",
        context={
            "target": target,
            "target_url": site + target.path,
            "confirm_url": site + reverse("public:follow_confirm", args=[token]),
            "hours": settings.DECIMETRO_FOLLOW_CONFIRM_HOURS,
            "site": site,
        },
        to=follower.email,
        unsubscribe=unsubscribe_url(follower, site),
    )


def send_digest(*, follower: Follower, content: Any, site: str) -> None:
    _send(
        subject=_t("Decimetro: le novità di ciò che segui"),
        template="digest_email",
        context={"digest": content, "site": site},
        to=follower.email,
        unsubscribe=unsubscribe_url(follower, site),
    )
