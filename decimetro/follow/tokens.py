"""The signed links of the emails: the confirmation (double opt-in, expires) and the unsubscription (does not
expire: an old digest must still let one leave). Nothing is stored for them; each carries a piece of the
address's hash, so a link never acts on another address that later got the same row id."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "decimetro.follow.confirm"
UNSUBSCRIBE_SALT = "decimetro.follow.unsubscribe"


def confirm_token(*, follow_id: int, email_hash: str) -> str:
    return signing.dumps({"w": follow_id, "h": email_hash[:16]}, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(*, follower_id: int, email_hash: str) -> str:
    return signing.dumps({"f": follower_id, "h": email_hash[:16]}, salt=UNSUBSCRIBE_SALT, compress=True)


class BadLink(Exception):
    """A forged, damaged or expired link; `expired` tells which (the page says it in Italian)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _load(token: str, *, salt: str, max_age: int | None) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(expired=True) from None
    except signing.BadSignature:
        raise BadLink() from None
    if not isinstance(data, dict):
        raise BadLink()
    return data


def read_confirm(token: str) -> tuple[int, str]:
    data = _load(token, salt=CONFIRM_SALT, max_age=settings.DECIMETRO_FOLLOW_CONFIRM_HOURS * 3600)
    return int(data.get("w", 0)), str(data.get("h", ""))


def read_unsubscribe(token: str) -> tuple[int, str]:
    data = _load(token, salt=UNSUBSCRIBE_SALT, max_age=None)
    return int(data.get("f", 0)), str(data.get("h", ""))
