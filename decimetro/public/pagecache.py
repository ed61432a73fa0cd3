"""The whole-page cache for anonymous visitors: a public page (or a public API answer) is rendered once per
data version and then served from the cache with one query (the data version) and one cache get.

Key: the code version (what is deployed), scheme, host, path, sorted query string, language, `HX-Request`,
the local day (pages that compare dates with today, consultations' state) and `insights.cache.data_version`
(it changes with every import, every audited write and so every confirmed link, rule, plan edit and
moderated observation: a change shows at once). The ETag is that key; `Last-Modified` is when the page was
stored; both are answered with 304. `Cache-Control: public, max-age=0, must-revalidate`: browsers and proxies
may keep the page but must ask again every time, so a changed language, a login or new data is never served
from their copy; that is also why such a page drops `Vary: Cookie` (it would make every visitor's copy
private to their cookies).

Only requests that surely come from an anonymous visitor are served or stored: GET/HEAD, no session cookie
(so no login, no messages in the session), no messages cookie, no Authorization header, outside the excluded
prefixes (`DECIMETRO_PAGE_CACHE_EXCLUDE`: back office, desk, login, health check…). Only plain 200 answers
that set no cookie are stored: a page with a POST form sets the CSRF cookie and so is never cached; a
response that manages its own validators (ETag, Content-Encoding), is private or varies on another header is
passed through. `DECIMETRO_PAGE_CACHE_SECONDS` (0 = off) bounds how long an entry lives.

Placed right after SecurityMiddleware, before the CSP middleware: a stored page keeps its final headers
(Content-Security-Policy, X-Frame-Options, an embed's own framing policy).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache as page_store
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode

from decimetro.core.locale import language_from_request
from decimetro.insights.cache import data_version, known_data_version

HEADER = "X-Page-Cache"  # "hit" or "miss" (stored now): for the benchmark and the curious
CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Vary values the key already covers (the language is in the key; the cookie only says who is anonymous).
_COVERED_VARY = {"cookie", "accept-language"}
_MAX_BYTES = 4 * 1024 * 1024  # a larger answer (a national file) is not worth the cache's memory


@cache
def code_version() -> str:
    """A digest of the deployed code, templates, translations and static manifest: a new release changes
    every key and ETag (a shared Redis cache outlives the processes). Read once per process."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def _excluded_prefixes() -> tuple[str, ...]:
    return (*settings.DECIMETRO_PAGE_CACHE_EXCLUDE, settings.STATIC_URL, settings.MEDIA_URL)


def anonymous_request(request: HttpRequest) -> bool:
    """A GET/HEAD that surely comes from an anonymous visitor, for a path the cache may hold."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and "authorization" not in request.headers
        and not request.path.startswith(_excluded_prefixes())
    )


def page_key(request: HttpRequest, version: tuple[Any, ...]) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    parts = (
        code_version(),
        request.scheme,
        request.get_host(),
        request.path,
        query,
        language_from_request(request),
        request.headers.get("HX-Request", ""),
        timezone.localdate().isoformat(),
        version,
    )
    return "decimetro:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _storable(response: HttpResponseBase) -> bool:
    if type(response) is not HttpResponse or response.status_code != 200 or response.cookies:
        return False
    if response.has_header("ETag") or response.has_header("Content-Encoding"):
        return False  # the view answers its own conditional requests (the GeoJSON)
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control or "no-cache" in cache_control:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= _COVERED_VARY and len(response.content) <= _MAX_BYTES


def _headers_for_cache(response: HttpResponse, etag: str, stored_at: int) -> None:
    vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    kept = [v for v in vary if v.lower() != "cookie"]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif response.has_header("Vary"):
        del response["Vary"]
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stored_at)
    response["Cache-Control"] = CACHE_CONTROL


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = settings.DECIMETRO_PAGE_CACHE_SECONDS
        if not seconds or not anonymous_request(request):
            return self.get_response(request)
        version = data_version()
        key = page_key(request, version)
        etag = f'"{key.rsplit(":", 1)[1][:32]}"'
        entry = page_store.get(key)
        if entry is not None:
            content, headers, stored_at = entry
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "hit"
        else:
            with known_data_version(version):
                rendered = self.get_response(request)
            if request.method != "GET" or not isinstance(rendered, HttpResponse) or not _storable(rendered):
                return rendered
            response = rendered
            stored_at = int(time.time())
            _headers_for_cache(response, etag, stored_at)
            page_store.set(key, (response.content, list(response.items()), stored_at), seconds)
            response[HEADER] = "miss"
        return (
            get_conditional_response(request, etag=etag, last_modified=stored_at, response=response)
            or response
        )
