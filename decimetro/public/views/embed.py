"""Widgets for other sites (issue 17): `/embed/comuni/<codice_istat>/` and `/embed/piano/obiettivi/<code>/`,
the only pages another origin may frame (`core.security.embeddable`: CSP frame-ancestors from
DECIMETRO_EMBED_FRAME_ANCESTORS, no X-Frame-Options); and `/widget/`, the page that writes the `<iframe>`
snippet (itself not frameable, like every other page).

A widget is a standalone page: no JavaScript, its own small stylesheet (no Bootstrap Italia: the whole
widget stays under 50 KB), light or dark (`?tema=scuro`), the credits and the dates of the data, links back
that open the full page in a new tab. Its figures come from `insights.widgets` (the same engine as the
pages, remembered per data version).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from decimetro.core.security import embeddable
from decimetro.insights.widgets import comune_widget, objective_widget
from decimetro.plan import selectors as plan_sel
from decimetro.territory import selectors as terr_sel

THEMES = {"chiaro", "scuro"}
SIZE_LIMITS = {"larghezza": (240, 1200, 360), "altezza": (240, 1600, 560)}


def _theme(request: HttpRequest) -> str:
    theme = request.GET.get("tema", "chiaro")
    return theme if theme in THEMES else "chiaro"


@embeddable
def comune(request: HttpRequest, codice_istat: str) -> HttpResponse:
    c = get_object_or_404(terr_sel.comune_detail(), codice_istat=codice_istat)
    context: dict[str, Any] = {"comune": c, "theme": _theme(request), **comune_widget(c)}
    context["page_url"] = request.build_absolute_uri(reverse("public:comune", args=[c.codice_istat]))
    context["list_url"] = request.build_absolute_uri(f"{reverse('public:projects')}?comune={c.codice_istat}")
    context["site_url"] = request.build_absolute_uri(reverse("public:home"))
    return render(request, "public/embed/comune.html", context)


@embeddable
def objective(request: HttpRequest, code: str) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    obj = get_object_or_404(plan_sel.objectives_for(edition), code=code.upper())
    context: dict[str, Any] = {"objective": obj, "theme": _theme(request), **objective_widget(obj)}
    context["page_url"] = request.build_absolute_uri(reverse("public:objective", args=[obj.code]))
    context["site_url"] = request.build_absolute_uri(reverse("public:home"))
    return render(request, "public/embed/objective.html", context)


def _size(request: HttpRequest, name: str) -> int:
    low, high, default = SIZE_LIMITS[name]
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def builder(request: HttpRequest) -> HttpResponse:
    """The snippet builder: choose a comune or an objective (`?widget=c:<codice_istat>` or `o:<code>`), the
    size and the theme — a GET form, so it works without JavaScript and can be bookmarked — and it shows the
    `<iframe>` code and a preview."""
    choice = (request.GET.get("widget") or "").strip()[:24]
    theme = _theme(request)
    width, height = _size(request, "larghezza"), _size(request, "altezza")
    comuni = list(terr_sel.comuni_list())
    objectives = list(plan_sel.objectives_for(plan_sel.current_edition_or_404()))
    src = title = error = ""
    kind, _, code = choice.partition(":")
    if choice:
        if kind == "c" and any(c.codice_istat == code for c in comuni):
            name = next(c.name for c in comuni if c.codice_istat == code)
            path, title = reverse("public:embed_comune", args=[code]), name
        elif kind == "o" and any(o.code == code for o in objectives):
            path, title = reverse("public:embed_objective", args=[code]), code
        else:
            error = "unknown"
        if not error:
            src = request.build_absolute_uri(path) + ("?tema=scuro" if theme == "scuro" else "")
    return render(
        request,
        "public/embed/builder.html",
        {
            "nav": "widget",
            "choice": choice,
            "theme": theme,
            "width": width,
            "height": height,
            "comuni": comuni,
            "objectives": objectives,
            "src": src,
            "widget_title": title,
            "error": error,
            "limits": SIZE_LIMITS,
        },
    )
