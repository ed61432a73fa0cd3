"""Request helpers for the login hardening (django-axes), the password-reset rate limit and framing (CSP)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's IP address for the lockout: REMOTE_ADDR, or — behind `DECIMETRO_PROXY_COUNT` trusted
    reverse proxies — the address those proxies appended to X-Forwarded-For (never a client-chosen value)."""
    proxies = getattr(settings, "DECIMETRO_PROXY_COUNT", 0)
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    if proxies <= 0:
        return remote
    forwarded = [
        ip.strip() for ip in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if ip.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown to a locked-out login (HTTP 429), in the user's language: it says whether the username
    from this address or the whole address is locked out (LoginLockoutHandler marks the request)."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = int(cooloff.total_seconds() // 60) if cooloff else 0
    return render(
        request,
        "registration/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "address_failure_limit": settings.DECIMETRO_LOGIN_IP_FAILURE_LIMIT,
            "address_locked": getattr(request, "decimetro_address_locked", False),
            "cooloff_minutes": minutes,
        },
        status=429,
    )


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits: AXES_FAILURE_LIMIT failures of one username from one IP
    address, and DECIMETRO_LOGIN_IP_FAILURE_LIMIT failures from one address whatever the usernames (password
    spraying). Axes compares every lockout parameter with one limit, so the address's count is turned into a
    lockout here; a per-address limit equal to the per-user one would lock a whole office out after 5 typos.

    A successful login forgets only that username's failures from that address: forgetting the address's
    failures too would let a sprayer holding one valid account reset its count by logging in."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        by_user = self._recent_failures(
            request, username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        )
        by_address = self._recent_failures(request, ip_address=request.axes_ip_address)
        address_locked = by_address >= settings.DECIMETRO_LOGIN_IP_FAILURE_LIMIT
        request.decimetro_address_locked = address_locked
        if address_locked:
            return max(by_user, get_failure_limit(request, credentials))
        return by_user

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

    @staticmethod
    def _recent_failures(request: Any, **lookup: Any) -> int:
        attempts = AccessAttempt.objects.filter(**lookup)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def over_rate_limit(scope: str, key: str, *, limit: int, seconds: int) -> bool:
    """Count one more event of `scope` for `key` (an address, an email) in a window of `seconds`; True once
    more than `limit` happened in the window. Kept in the cache: shared by every process with CACHE_URL,
    per process without it (then the limit holds per process)."""
    name = f"decimetro-rate:{scope}:{key}"
    cache.add(name, 0, timeout=seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=seconds)
        count = 1
    return count > limit


def embeddable(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view other sites may show in a frame. The site's policy refuses framing (CONTENT_SECURITY_POLICY
    frame-ancestors 'none', X-Frame-Options DENY); this view's responses allow the origins of
    DECIMETRO_EMBED_FRAME_ANCESTORS instead and carry no X-Frame-Options. The rest of the policy stays."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response._csp_replace = {"frame-ancestors": list(settings.DECIMETRO_EMBED_FRAME_ANCESTORS)}  # type: ignore[attr-defined]
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response

    return wrapped
