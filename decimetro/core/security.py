"""Request helpers for the login hardening (django-axes)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
    """The page shown to a locked-out login (HTTP 429), in the user's language."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = int(cooloff.total_seconds() // 60) if cooloff else 0
    return render(
        request,
        "registration/lockout.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )
