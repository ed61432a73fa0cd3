"""Phone first: at a 390 px viewport no page scrolls sideways (`document.documentElement.scrollWidth <= 390`),
for every public page (enumerated from the URLconf: a new public page without an entry here fails the test)
and for each persona's pages (logged in, the header must fit too); and no page has two elements with the same
id. One browser, one context per persona, one page reused across its URLs."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse

from decimetro.follow.tokens import confirm_token, unsubscribe_token
from decimetro.participation.models import VerificationReport
from decimetro.plan.models import Edition, Mission, Objective
from decimetro.territory.models import Zone
from tests.factories import IndicatorFactory, IndicatorValueFactory
from tests.participation.fixtures import ConsultationFactory, DupObjectiveFactory, ObservationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Public routes that are not pages a person reads at a phone: a health check, downloads, a POST-only form
# target, a redirect to the project page (measured there).
NOT_PAGES = {
    "health",
    "observation_attachment",
    "verification_photo",
    "observation_create",
    "project_by_cup",
    "comune_projects_atom",  # Atom feeds (XML)
    "objective_projects_atom",
    "consultations_atom",
}

SCROLL_WIDTH = "() => document.documentElement.scrollWidth"
DUPLICATE_IDS = """() => {
    const seen = {}, dup = new Set();
    document.querySelectorAll('[id]').forEach(e => { if (seen[e.id]) dup.add(e.id); seen[e.id] = true; });
    return Array.from(dup);
}"""
WIDEST = """() => {
    /* The elements that stick out of the viewport: what to fix when the test fails. */
    const w = document.documentElement.clientWidth, out = [];
    document.querySelectorAll('body *').forEach(e => {
        const r = e.getBoundingClientRect();
        let clipped = false;  /* inside a scrolling box (.table-responsive): it does not widen the page */
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
        }
        if (!clipped && r.right > w + 1 && r.width > 0) {
            const p = e.parentElement && e.parentElement.getBoundingClientRect();
            const cls = typeof e.className === 'string' ? e.className.trim().split(/\\s+/).join('.') : '';
            const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (cls ? '.' + cls : '');
            if (!p || p.right <= w + 1) out.push(name + ' ' + Math.round(r.right));
        }
    });
    return out.slice(0, 6);
}"""


@dataclass
class Site:
    url: str
    public: dict[str, str]
    personas: dict[str, tuple[Any, list[str]]] = field(default_factory=dict)


def _public_pages(linked: Any, indicator: Any, consultation: Any) -> dict[str, str]:
    """One URL for every public route (by name)."""
    objective = Objective.objects.filter(edition__is_current=True).get(code="M3.1")
    edition = Edition.objects.get(is_current=True)
    project = linked.tram
    return {
        "home": reverse("public:home"),
        "mission": reverse("public:mission", args=[Mission.objects.filter(edition=edition).first().code]),
        "objectives": reverse("public:objectives"),
        "objective": reverse("public:objective", args=[objective.code]),
        "editions": reverse("public:editions"),
        "edition": reverse("public:edition", args=[edition.slug]),
        "comuni": reverse("public:comuni"),
        "comune": reverse("public:comune", args=["015146"]),
        "zones": reverse("public:zones"),
        "zone": reverse("public:zone", args=[Zone.objects.order_by("slug").first().slug]),
        "map": reverse("public:map"),
        "map_objective": reverse("public:map") + "?obiettivo=M3.1&metrica=funding",
        "compare": reverse("public:compare") + "?a=015146&b=015182",
        "projects": reverse("public:projects"),
        "project": reverse("public:project", args=[project.pk]),
        "measures": reverse("public:measures"),
        "measure": reverse("public:measure", args=[project.submeasure.measure.code]),
        "body": reverse("public:body", args=[project.implementing_body_id]),
        "indicators": reverse("public:indicators"),
        "indicator": reverse("public:indicator", args=[indicator.pk]),
        "consultations": reverse("public:consultations"),
        "consultation": reverse("public:consultation", args=[consultation.pk]),
        "dup": reverse("public:dup"),
        "dup_detail": reverse("public:dup_detail", args=["015146"]),
        "follow": reverse("public:follow", args=["comune", "015146"]),
        "follow_sent": reverse("public:follow_sent") + "?comune=015146",
        # the pages of the emails' signed links (GET only shows the button)
        "follow_confirm": reverse(
            "public:follow_confirm", args=[confirm_token(follow_id=1, email_hash="0" * 16)]
        ),
        "follow_unsubscribe": reverse(
            "public:follow_unsubscribe", args=[unsubscribe_token(follower_id=1, email_hash="0" * 16)]
        ),
        "search": reverse("public:search") + "?q=scuole",
        # the widgets (narrow by design: also read inside a comune's page on a phone) and their builder
        "embed_comune": reverse("public:embed_comune", args=["015146"]),
        "embed_objective": reverse("public:embed_objective", args=[objective.code]),
        "widget_builder": reverse("public:widget_builder") + "?widget=c:015146",
        "login": reverse("login"),
    }


def _optional(path: str) -> list[str]:
    """`path` if a route answers it (the desk is built by another change)."""
    try:
        resolve(path)
    except Resolver404:
        return []
    return [path]


def _backoffice_pages(linked: Any, indicator: Any, consultation: Any) -> list[str]:
    """The staff's back office: every route without parameters, and the forms of one object of each kind."""
    names = [
        "home",
        "editions",
        "import_log",
        "data_quality",
        "link_queue",
        "link_queue_matching",
        "crosswalk",
        "indicators_manage",
        "indicator_create",
        "indicator_import",
        "indicators_overdue",
        "consultation_admin",
        "consultation_create",
        "dup_manage_home",
        "users",
        "organisations",
        "organisation_create",
        "audit_log",
        "profile",
        "password_change",
    ]
    urls = []
    for name in names:
        try:
            urls.append(reverse(f"backoffice:{name}"))
        except NoReverseMatch:  # pragma: no cover - a renamed route shows up as a missing page, not a crash
            continue
    edition = Edition.objects.get(is_current=True)
    urls += [
        reverse("backoffice:objective_edit", args=["M3.1"]),
        reverse("backoffice:mission_edit", args=[Mission.objects.filter(edition=edition).first().code]),
        reverse("backoffice:indicator_edit", args=[indicator.pk]),
        reverse("backoffice:consultation_manage", args=[consultation.pk]),
        reverse("backoffice:dup_manage", args=["015146"]),
        reverse("public:home"),
        reverse("public:project", args=[linked.tram.pk]),
        reverse("public:objective", args=["M3.1"]),
    ]
    return urls + _optional("/scrivania/")


@pytest.fixture
def phone_site(
    transactional_db,
    live_server,
    plan,
    territory,
    linked,
    comune_a,
    ente_admin,
    comune_a_editor,
    comune_b_editor,
    association_user,
) -> Site:
    """The plan, the territory, three projects with suggested links (the badges), an indicator, an open
    consultation with an observation, a DUP objective of Milano, a verification report; the personas."""
    indicator = IndicatorFactory(
        code="MI-RD-2030-OBIETTIVO-LUNGO",
        name="Raccolta differenziata a Milano",
        unit="%",
        comune=comune_a,
        objective=Objective.objects.get(code="M3.1"),
    )
    IndicatorValueFactory(indicator=indicator, date=datetime.date(2024, 12, 31))
    consultation = ConsultationFactory(objective=Objective.objects.get(code="M3.1"))
    ObservationFactory(
        consultation=consultation,
        author=association_user,
        organisation=association_user.membership.organisation,
    )
    org = comune_a_editor.membership.organisation
    dup = DupObjectiveFactory(organisation=org)
    dup.plan_objectives.set([Objective.objects.get(code="M3.1")])
    VerificationReport.objects.create(
        project=linked.tram,
        author=comune_a_editor,
        organisation=org,
        status="in_progress",
        seen_on=datetime.date(2026, 1, 10),
        note="Cantiere aperto",
    )
    site = Site(url=live_server.url, public=_public_pages(linked, indicator, consultation))
    desk = _optional("/scrivania/")
    site.personas = {
        "staff": (ente_admin, _backoffice_pages(linked, indicator, consultation)),
        "comune": (
            comune_a_editor,
            [
                reverse("backoffice:profile"),
                reverse("backoffice:dup_manage", args=["015146"]),
                reverse("backoffice:dup_edit", args=["015146", dup.pk]),
                reverse("public:consultation", args=[consultation.pk]),
                reverse("public:project", args=[linked.tram.pk]),
                reverse("public:dup_detail", args=["015146"]),
                reverse("public:home"),
                *desk,
            ],
        ),
        "ente_intermedio": (
            association_user,
            [
                reverse("backoffice:profile"),
                reverse("public:consultation", args=[consultation.pk]),
                reverse("public:home"),
                *desk,
            ],
        ),
    }
    return site


@pytest.fixture
def phone_context(browser) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="it-IT", is_mobile=True, has_touch=True)
    try:
        yield context
    finally:
        context.close()


def _login(context: Any, url: str, user: Any) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}])


def measure(context: Any, base: str, paths: list[str]) -> dict[str, dict[str, Any]]:
    """Width, duplicate ids and the elements sticking out of each page (one page, reused)."""
    page = context.new_page()
    page.set_default_timeout(20_000)
    out: dict[str, dict[str, Any]] = {}
    for path in paths:
        response = page.goto(base + path)
        width = page.evaluate(SCROLL_WIDTH)
        out[path] = {
            "status": response.status if response is not None else 0,
            "width": width,
            "duplicates": page.evaluate(DUPLICATE_IDS),
            "widest": page.evaluate(WIDEST) if width > PHONE["width"] else [],
        }
    page.close()
    return out


def _report(persona: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\nscrollWidth at {PHONE['width']} px, {persona}:")
    for path, r in results.items():
        print(f"  {r['width']:5d}  {path}  (HTTP {r['status']})")


def _assert_fits(results: dict[str, dict[str, Any]]) -> None:
    failed = {p: r["status"] for p, r in results.items() if not 200 <= r["status"] < 400}
    assert not failed, f"pages that did not answer: {failed}"
    wide = {p: (r["width"], r["widest"]) for p, r in results.items() if r["width"] > PHONE["width"]}
    assert not wide, "pages wider than the phone (scrollWidth, what sticks out):\n" + "\n".join(
        f"  {p}: {w} px {widest}" for p, (w, widest) in wide.items()
    )
    duplicates = {p: r["duplicates"] for p, r in results.items() if r["duplicates"]}
    assert not duplicates, f"duplicate ids: {duplicates}"


def test_every_public_route_is_measured(phone_site):
    """The list of public pages follows the URLconf: a new public page must be added to this test."""
    public = get_resolver().namespace_dict["public"][1]
    names = {p.name for p in public.url_patterns if getattr(p, "name", None)}
    assert names - NOT_PAGES <= set(phone_site.public), sorted(names - NOT_PAGES - set(phone_site.public))


def test_public_pages_fit_a_phone(phone_site, phone_context):
    results = measure(phone_context, phone_site.url, list(phone_site.public.values()))
    _report("anonimo", results)
    _assert_fits(results)


@pytest.mark.parametrize("persona", ["staff", "comune", "ente_intermedio"])
def test_persona_pages_fit_a_phone(phone_site, phone_context, persona):
    user, paths = phone_site.personas[persona]
    _login(phone_context, phone_site.url, user)
    results = measure(phone_context, phone_site.url, paths)
    _report(persona, results)
    _assert_fits(results)
    # Logged in, the way out is on screen: "Esci" (in the account menu on a phone) can be reached.
    page = phone_context.new_page()
    page.goto(phone_site.url + reverse("public:home"))
    logout = page.locator("form[action='/uscita/'] button[type=submit]")
    if not logout.is_visible():
        page.locator("#account-menu-toggle").click()
    logout.wait_for(state="visible")
    box = logout.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
