"""Browser tests: the Debian chromium driven by Playwright (sync API) against pytest-django's live_server.

Never `playwright install`: the browser is the system package at /usr/bin/chromium (installed by
`scripts/ensure-chromium.sh`, which `make test` runs first). When it is missing the tests FAIL, not skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from decimetro.territory.models import Comune
from tests.factories import (
    PaymentSnapshotFactory,
    PlaceFactory,
    PnrrComponentFactory,
    PnrrMeasureFactory,
    PnrrMissionFactory,
    ProjectFactory,
    SubMeasureFactory,
)

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("DECIMETRO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail(
            f"Debian chromium not found at {CHROMIUM} nor on PATH: the browser tests need it. "
            "Run `bash scripts/ensure-chromium.sh` (or `apt-get install chromium`); `make test` does it.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for all the browser tests (package scope: it is gone before other packages run).

    Playwright's sync API keeps an asyncio loop running in this thread while it lives, and Django refuses ORM
    calls from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The ORM calls here are
    the tests' own (fixtures, live_server), so the flag is set while the browser lives and removed after:
    set for the whole session it would leak into subprocesses (e.g. `check --deploy` rejects it, async.E001).
    """
    from playwright.sync_api import sync_playwright

    executable = _chromium_path()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            instance = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                yield instance
            finally:
                instance.close()


class RequestLog:
    """Every URL the page asked for, to prove the app works offline (nothing leaves 127.0.0.1)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request: Any) -> None:
        self.urls.append(request.url)

    def external(self) -> list[str]:
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


@pytest.fixture
def requests_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def page(browser, requests_log: RequestLog) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.on("request", requests_log)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def run_axe(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Inject the vendored axe-core into the page and return its violations (list of dicts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the pages' Content-Security-Policy
        # (script-src 'self') refuses inline scripts, and tests must not weaken it (no bypass_csp).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    script = """async (tags) => await axe.run(
        document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"""
    result = page.evaluate(script, tags or AXE_TAGS)
    return list(result["violations"])


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        for node in v["nodes"][:5]:
            target = ", ".join(map(str, node["target"]))
            summary = node.get("failureSummary", "").splitlines()[-1:]
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


# The site of the map's tests -------------------------------------------------------------------------------


def _map_submeasure(mission: str):
    m = PnrrMissionFactory(code=mission, name=f"Missione {mission}")
    c = PnrrComponentFactory(code=f"{mission}C1", mission=m, name=f"Componente {mission}C1")
    me = PnrrMeasureFactory(code=f"{mission}C1I1.01", component=c, name=f"Misura {mission}")
    return SubMeasureFactory(code=f"{mission}C1I1.01.00", measure=me)


@pytest.fixture
def map_site(transactional_db, live_server, plan, territory):
    """The site of the map's tests (test_map, test_map_tables): the real territory with a project (growing
    amounts, missions M1/M2 alternating) in every comune."""
    subs = [_map_submeasure("M1"), _map_submeasure("M2")]
    for i, comune in enumerate(Comune.objects.order_by("codice_istat")):
        amount = Decimal(10_000 * (i + 1))
        project = ProjectFactory(submeasure=subs[i % 2], fin_pnrr=amount, fin_totale=amount)
        PlaceFactory(project=project, comune=comune)
        PaymentSnapshotFactory(project=project, paid_total=Decimal(1_000 * (i + 1)))
    return live_server.url


# Assertions shared by the browser tests ---------------------------------------------------------------------

BLOCKING = {"serious", "critical"}


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page."""
    violations = run_axe(page)
    if violations:  # shown by pytest on failure (or with -s): the minor/moderate ones are worth a look too
        print(f"axe-core on {page.url}:\n{format_violations(violations)}")
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, (
        "axe-core serious/critical violations on " + page.url + ":\n" + format_violations(blocking)
    )


def assert_offline(requests_log) -> None:
    assert requests_log.urls, "no request recorded: the request listener is not wired"
    external = requests_log.external()
    assert not external, f"requests left 127.0.0.1: {external}"


def assert_chart_drawn(page, chart_id: str) -> None:
    canvas = page.locator(f"canvas#{chart_id}")
    canvas.wait_for(state="attached")
    page.wait_for_selector(f'canvas#{chart_id}[data-drawn="1"]')
    # Something was painted: not every pixel is the white background.
    painted = page.evaluate(
        """(id) => {
            const c = document.getElementById(id);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) return true;
            }
            return false;
        }""",
        chart_id,
    )
    assert painted, f"chart {chart_id} has no visible drawing"
    # The table alternative is in the page with the same number of rows as the chart's labels.
    labels = page.evaluate(
        f"() => JSON.parse(document.getElementById('{chart_id}-data').textContent).labels.length"
    )
    assert page.locator(f"table#{chart_id}-table tbody tr").count() == labels
    assert page.locator(f"table#{chart_id}-table caption").count() == 1
