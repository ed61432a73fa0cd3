"""The request of a logged-in user, the one view guard, the login wall of a whole URLconf, and the small
request helpers (pagination, query strings, service errors on forms) every interface app uses.

- `AuthenticatedHttpRequest`: what a view behind login receives (`.user` is our User, not AnonymousUser),
  for the type checker only: Django still builds a plain HttpRequest.
- `require_perm("perm")`: the view guard. Anonymous visitors go to the login page (as with `login_required`);
  a logged-in user without the permission gets 403 (PermissionDenied from `ensure`). For a permission on an
  object, the view calls `ensure(request.user, "perm", obj)` once it has the object (so a missing object is
  still a 404 first).
- `permission_denied`: the project's `handler403` (the branded page says who may do the refused action).
- `login_required_urls(patterns)`: wraps every view of a URL list in `login_required`, so an app whose pages
  are all behind login (the back office) is guarded once, where its URLs are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
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


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`handler403`: the site's 403 page, with the refusal's message and who may do the action (a
    `PermissionRefused` from `ensure` knows it; any other PermissionDenied shows its message only)."""
    return render(
        request,
        "403.html",
        {
            "message": str(exception) if exception is not None else "",
            "holders": getattr(exception, "holders", ""),
        },
        status=403,
    )


def login_required_urls(patterns: list[URLPattern]) -> list[URLPattern]:
    """The same URL patterns, each view wrapped in `login_required` (anonymous visitors → the login page)."""
    for pattern in patterns:
        pattern.callback = login_required(pattern.callback)
    return patterns


# Small request helpers every interface app uses ------------------------------------------------------------

PAGE_SIZE = 25


def page_of(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The page `?pagina=` of a queryset (out-of-range or invalid numbers give the nearest page)."""
    return Paginator(qs, per_page).get_page(request.GET.get("pagina"))


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without `names` (for pagination and sort links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def add_service_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors on their fields when the form has them)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
