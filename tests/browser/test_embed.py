"""A widget inside a page of another origin, in Chromium: the comune widget shows its figures in the other
site's iframe, while an ordinary page of the site refuses to be framed there (CSP frame-ancestors 'none')."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.public.test_dashboards import dashboard_projects as _dashboard_projects  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "widget-other-origin.png"


@pytest.fixture
def site(_dashboard_projects):  # noqa: F811 (the fixture imported above, under a local name)
    """The dashboards' site (tests/public/test_dashboards.py): Alfa (015901) with three projects, M1.1 with
    two confirmed links and a suggested one."""
    return _dashboard_projects


@pytest.fixture
def other_site(live_server) -> Iterator[str]:
    """A second origin (another port, another host name: localhost instead of 127.0.0.1) serving a
    "transparency page" that frames the comune widget and, below, an ordinary page of Decimetro."""
    base = live_server.url  # http://localhost:PORT
    page = f"""<!doctype html><html lang="it"><head><meta charset="utf-8">
<title>Comune di Alfa: trasparenza</title></head>
<body><h1>Amministrazione trasparente: Comune di Alfa</h1>
<iframe id="widget" src="{base}/embed/comuni/015901/" width="380" height="560" title="Decimetro"></iframe>
<iframe id="page" src="{base}/territorio/comuni/015901/" width="380" height="200" title="Pagina"></iframe>
</body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_widget_shows_inside_another_origin_and_other_pages_refuse(page, other_site, site):
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(other_site)
    widget = page.frame_locator("#widget")
    assert widget.locator("#widget-figures dd[data-total=projects]").inner_text(timeout=15_000) == "3"
    assert "Fonte: Italia Domani" in widget.locator("footer").inner_text()
    assert widget.locator("svg.widget-map path.own").count() == 1
    # The ordinary page is blocked by the browser: no frame shows the comune page's facts.
    page.wait_for_timeout(500)
    texts = []
    for frame in page.frames:
        if frame is page.main_frame:
            continue
        try:
            texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''"))
        except Exception:
            texts.append("")
    assert any("Fonte: Italia Domani" in t for t in texts)  # the widget
    assert not any("Codice ISTAT" in t for t in texts)  # the comune page, refused
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
