"""The Web GIS tables after a change of the filters, in headless Chromium: the script puts in place the
server's tables of the new state (the same markup as the page without JavaScript) and keeps the chosen
order."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _server_rows(client, query: dict[str, str]) -> list[str]:
    html = client.get("/territorio/mappa/", {**query, "frammento": "tabelle"}).content.decode()
    body = html[html.index('id="map-values"') :]
    return re.findall(
        r'<tr data-key="([^"]+)"><th scope="row"><a [^>]*>[^<]*</a></th><td>[^<]*</td>'
        r'<td class="text-end">([^<]*)</td>',
        body[: body.index("</tbody>")],
    )


def test_tables_follow_the_filters_and_keep_their_order(map_site, page, client):
    page.goto(map_site + "/territorio/mappa/?metrica=funding")
    page.wait_for_selector('#map[data-loaded="1"]')
    rows = page.locator("#map-values tbody tr")
    assert rows.count() == 133

    # sort by value (largest first), then change the mission: the new tables come sorted the same way
    page.locator('#map-values button[data-sort="value"]').click()
    assert page.locator("#map-values thead th").nth(2).get_attribute("aria-sort") == "descending"
    page.select_option("#f-missione", "M2")
    page.wait_for_selector('#map[data-state*="missione=M2"]')
    assert page.locator("#map-values thead th").nth(2).get_attribute("aria-sort") == "descending"

    # the rows are the server's for the new state (values formatted by the server), in the chosen order
    expected = _server_rows(client, {"metrica": "funding", "missione": "M2"})
    shown = [(r.get_attribute("data-key"), r.locator("td").nth(1).inner_text()) for r in rows.all()]
    assert sorted(shown) == sorted(expected)
    values = [v for _k, v in shown if v != "—"]
    as_numbers = [float(v.replace(".", "").replace(",", ".")) for v in values]
    assert as_numbers == sorted(as_numbers, reverse=True)
    assert not page.js_errors, page.js_errors
