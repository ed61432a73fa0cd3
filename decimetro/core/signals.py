"""At login, remember the user's organisation and role in the session, so the page header can show them
without a query on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from decimetro.core.permissions import membership_of

SESSION_KEY = "decimetro_org"


def remember_organisation(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    membership = membership_of(user)
    if membership is None:
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = {
        "name": membership.organisation.name,
        "kind": membership.organisation.kind,
        "role": membership.role,
    }
