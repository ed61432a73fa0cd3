"""Reads of the follow app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from decimetro.follow.models import Follow
from decimetro.follow.services import email_hash
from decimetro.follow.targets import Target, resolve


def follows_of_user(user: Any) -> QuerySet[Follow]:
    """What the account's address follows (confirmed or not), by kind and key."""
    if not getattr(user, "email", ""):
        return Follow.objects.none()
    return Follow.objects.filter(follower__email_hash=email_hash(user.email)).order_by("kind", "key")


def targets_of_user(user: Any) -> list[tuple[Follow, Target | None]]:
    return [(f, resolve(f.kind, f.key)) for f in follows_of_user(user)]
