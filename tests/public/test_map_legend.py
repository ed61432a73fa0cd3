"""Map first, the server-rendered parts: legend classes that never overlap (integer limits for counts, the
method stated), an empty map that says why, Italian filter badges, "trova il tuo comune" without
JavaScript."""

from __future__ import annotations

import json
import re

import pytest

from decimetro.insights import map as sm
from decimetro.plan.models import Objective

MAP = "/territorio/mappa/"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _payload(page: str) -> dict:
    return json.loads(
        re.search(r'<script id="map-payload" type="application/json">(.*?)</script>', page, re.S)[1]
    )


def _legend(page: str) -> list[str]:
    box = page[page.index('id="legend-text"') :]
    return [
        re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", box[: box.index("</ul>")])
    ]


# Classes ----------------------------------------------------------------------------------------------------


def test_counts_get_integer_limits_in_the_same_classes():
    values = [0, 0, 0, 0, 0, 0, 1, 2, 3, 118]
    floats = sm.quantile_breaks([float(v) for v in values])
    ints = sm.quantile_breaks([float(v) for v in values], integer=True)
    assert all(v == int(v) for v in ints)
    assert floats == [0, 0.4, 2.2, 118] and ints == [0, 0, 2, 118]  # the class of the zeros stays

    def groups(breaks):
        out: dict[int | None, set[int]] = {}
        for v in values:
            out.setdefault(sm.class_of(v, breaks), set()).add(v)
        return sorted(map(sorted, out.values()))

    # the same groups of values as with the interpolated limits
    assert groups(ints) == groups(floats) == [[0], [1, 2], [3, 118]]


def test_legend_classes_never_overlap():
    counts = sm.legend_classes([0, 1, 118], integer=True)
    assert [(c["low"], c["high"], c["lower_open"]) for c in counts] == [(0, 1, False), (2, 118, False)]
    amounts = sm.legend_classes([0, 1.5, 3], integer=False)
    assert [(c["low"], c["high"], c["lower_open"]) for c in amounts] == [(0, 1.5, False), (1.5, 3, True)]
    # whatever the limits: a whole value is in at most one class as written
    for breaks in ([0, 0, 5], [0, 1, 2, 3, 4, 5], [3, 3], [0, 118]):
        merged = sm.quantile_breaks([float(b) for b in breaks], integer=True)
        written = sm.legend_classes(merged, integer=True)
        for v in range(0, 120):
            inside = [c for c in written if c["low"] <= v <= c["high"]]
            assert len(inside) <= 1, (breaks, v, written)


def test_the_legend_writes_counts_as_whole_numbers_and_states_the_method(client, map_projects):
    page = html(client.get(MAP, {"metrica": "projects"}))
    payload = _payload(page)
    assert payload["integer"] is True
    assert all(c["low"] == int(c["low"]) and c["high"] == int(c["high"]) for c in payload["classes"])
    legend = _legend(page)
    assert legend, page
    assert all("," not in line for line in legend), legend  # no decimals for a count
    lows = [c["low"] for c in payload["classes"]]
    highs = [c["high"] for c in payload["classes"]]
    assert all(low > high for low, high in zip(lows[1:], highs, strict=False))  # no shared limit
    assert "quantili, 5 classi" in page and "per i conteggi i limiti sono numeri interi" in page


def test_the_legend_of_amounts_opens_its_classes_above(client, map_projects):
    page = html(client.get(MAP, {"metrica": "funding"}))
    legend = _legend(page)
    assert len(legend) >= 2
    assert legend[0].startswith("Classe 1:") and "oltre" not in legend[0]
    assert all("oltre" in line and "fino a" in line for line in legend[1:]), legend


# Empty results ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_objective_without_confirmed_projects_says_why(client, plan, map_projects):
    code = Objective.objects.filter(edition__is_current=True).order_by("pk").first().code
    page = html(client.get(MAP, {"obiettivo": code, "metrica": "funding"}))
    assert _payload(page)["empty_reason"].startswith("Nessun progetto confermato per questo obiettivo")
    box = page[page.index('id="map-empty"') :]
    assert "hidden" not in box[: box.index(">")]
    assert "Nessun progetto confermato per questo obiettivo" in box[: box.index("</p>")]


def test_filters_that_match_nothing_say_so_and_a_full_map_says_nothing(client, map_projects):
    page = html(client.get(MAP, {"misura": "M9C9I9.99"}))
    assert _payload(page)["empty_reason"].startswith("Nessun progetto corrisponde ai filtri")
    full = html(client.get(MAP))
    assert _payload(full)["empty_reason"] is None
    box = full[full.index('id="map-empty"') :]
    assert "hidden" in box[: box.index(">")]


def test_the_api_says_why_too(client, map_projects):
    doc = client.get("/api/v1/territory/map", {"measure": "M9C9I9.99"}).json()
    assert doc["empty_reason"].startswith("Nessun progetto corrisponde ai filtri")
    assert doc["filter_labels"] == {"measure": "Misura PNRR"}


# Italian filter badges --------------------------------------------------------------------------------------


def test_filter_badges_are_in_italian(client, map_projects):
    page = html(client.get(MAP, {"missione": "M2", "componente": "M2C1"}))
    selection = page[page.index('id="map-selection"') : page.index('id="map-empty"')]
    badges = re.findall(r"<span[^>]*data-filter>(.*?)</span>", selection)
    assert badges == ["Missione PNRR: M2", "Componente PNRR: M2C1"]
    assert "mission:" not in selection and "component:" not in selection
    assert "(2 filtri attivi)" in page  # on the phone's filter button


# Find your comune -------------------------------------------------------------------------------------------


def test_find_your_comune_box_lists_the_comuni_and_falls_back_on_their_pages(client, map_projects):
    page = html(client.get(MAP))
    start = page.index('<form method="get" action="/territorio/comuni/" id="find-comune"')
    box = page[start : page.index("</form>", start)]
    assert 'name="q"' in box and 'name="vai"' in box and 'list="comuni-names"' in box
    assert re.findall(r'<option value="([^"]+)">', box) == ["Alfa", "Beta", "Gamma"]  # not Fuori
    # without JavaScript: the comune's page for one match (any case, or a part of the name)
    response = client.get("/territorio/comuni/", {"q": "beta", "vai": "1"})
    assert response.status_code == 302 and response["Location"] == "/territorio/comuni/015902/"
    response = client.get("/territorio/comuni/", {"q": "amm", "vai": "1"})
    assert response["Location"] == "/territorio/comuni/015903/"
    # several or none: the list, searched
    assert client.get("/territorio/comuni/", {"q": "a", "vai": "1"}).status_code == 200
    assert (
        client.get("/territorio/comuni/", {"q": "Fuori", "vai": "1"}).status_code == 200
    )  # another territory
