"""The Content-Security-Policy header (django-csp) on every HTML answer, the one place that relaxes framing
(decimetro.core.security.embeddable), and templates without inline scripts or styles. The browser side (no
violation while the pages work) is tests/browser/test_csp.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from decimetro.core.security import embeddable

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {name: value for name, _, value in (p.partition(" ") for p in parts)}


def test_html_pages_carry_the_policy(plan, staff_user):
    anonymous = Client()
    staff = Client()
    staff.force_login(staff_user)
    for client, url in [
        (anonymous, reverse("public:home")),
        (anonymous, reverse("login")),
        (anonymous, reverse("password_reset")),
        (staff, reverse("backoffice:home")),
        (anonymous, "/pagina-che-non-esiste/"),
    ]:
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html"), url
        assert _policy(response) == EXPECTED, url
        assert response["X-Frame-Options"] == "DENY", url


def test_embeddable_allows_framing_for_that_view_only(rf: RequestFactory):
    """The one switch a later /embed/ page needs: frame-ancestors from DECIMETRO_EMBED_FRAME_ANCESTORS, no
    X-Frame-Options, the rest of the policy unchanged."""
    from csp.middleware import CSPMiddleware
    from django.middleware.clickjacking import XFrameOptionsMiddleware

    def page(request):
        return HttpResponse("<p>widget</p>")

    def run(view):
        request = rf.get("/embed/x/")
        chain = XFrameOptionsMiddleware(CSPMiddleware(view))
        return chain(request)

    with override_settings(DECIMETRO_EMBED_FRAME_ANCESTORS=["https://comune.example.it"]):
        framed = run(embeddable(page))
    assert _policy(framed) == {**EXPECTED, "frame-ancestors": "https://comune.example.it"}
    assert "X-Frame-Options" not in framed
    plain = run(page)
    assert _policy(plain)["frame-ancestors"] == "'none'" and plain["X-Frame-Options"] == "DENY"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "on…= handler"),
    (re.compile(r"""(href|src|action)=["']?\s*javascript:""", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The policy would refuse them: the page would silently lose its script or its look."""
    found = []
    for path in sorted((ROOT / "decimetro").rglob("templates/**/*.html")):
        text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)
