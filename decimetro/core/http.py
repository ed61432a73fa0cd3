"""The request of a logged-in user, the one view guard, and the login wall of a whole URLconf.

- `AuthenticatedHttpRequest`: what a view behind login receives (`.user` is our User, not AnonymousUser),
  for the type checker only: Django still builds a plain HttpRequest.
- `require_perm("perm")`: the view guard. Anonymous visitors go to the login page (as with `login_required`);
  a logged-in user without the permission gets 403 (PermissionDenied from `ensure`). For a permission on an
  object, the view calls `ensure(request.user, "perm", obj)` once it has the object (so a missing object is
  still a 404 first).
- `login_required_urls(patterns)`: wraps every view of a URL list in `login_required`, so an app whose pages
  are all behind login (the back office) is guarded once, where its URLs are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern

from decimetro.core.models import User
from decimetro.core.permissions import ensure

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def require_perm(perm: str) -> Callable[[_View], _View]:
    """Login first (redirect for anonymous visitors), then `ensure(request.user, perm)` (403 if refused).

    Put it below `require_POST`/`require_http_methods`, so a wrong method is a 405 for everyone, as before."""

    def decorator(view: _View) -> _View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            ensure(request.user, perm)
            return view(request, *args, **kwargs)

        return cast(_View, login_required(guarded))

    return decorator


def login_required_urls(patterns: list[URLPattern]) -> list[URLPattern]:
    """The same URL patterns, each view wrapped in `login_required` (anonymous visitors → the login page)."""
    for pattern in patterns:
        pattern.callback = login_required(pattern.callback)
    return patterns
