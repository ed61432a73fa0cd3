"""GET /api/v1/territory/summary and the `progress` of GET /api/v1/plan/objectives: the same figures as the
home and objective pages to the cent, with their definitions, the allocation rule and the dataset dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from decimetro.linking.models import LinkOrigin, LinkStatus, MeasureObjective, ProjectObjectiveLink, RuleState
from decimetro.plan.models import Objective
from tests._dom import parse
from tests.factories import (
    EditionFactory,
    ImportRunFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
)

SUMMARY = "/api/v1/territory/summary"
OBJECTIVES = "/api/v1/plan/objectives"
PROJECTS_RELEASE = datetime.date(2023, 2, 24)
PAYMENTS_RELEASE = datetime.date(2025, 3, 31)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _page_totals(client, url: str, prefix: str) -> dict[str, Decimal | int | float | None]:
    """The totals block of a dashboard page, as numbers ("320.000,00 €" → Decimal("320000.00"))."""
    response = client.get(url)
    assert response.status_code == 200
    fig = parse(response.content).find("figure", id=f"{prefix}-totals")
    text = {
        p["data-total"]: " ".join(p.get_text().split()) for p in fig.find_all("p", attrs={"data-total": True})
    }

    def money(s: str) -> Decimal:
        return Decimal(s.rsplit(": ", 1)[-1].rstrip(" €.").replace(".", "").replace(",", "."))

    return {
        "projects": int(text["projects"]),
        "fin_totale": money(text["funded"]),
        "fin_pnrr": money(text["funded_pnrr"]),
        "paid": money(text["paid"]),
        "progress_pct": None
        if text["paid_share"] == "—"
        else float(text["paid_share"].rstrip("%").replace(",", ".")),
        "not_attributed": money(text["not_attributed"]) if "not_attributed" in text else Decimal("0.00"),
    }


def _as_numbers(figures: dict) -> dict[str, Decimal | int | float | None]:
    def value(key: str):
        v = figures[key]["value"]
        return Decimal(v) if isinstance(v, str) else v

    return {
        k: value(k) for k in ("projects", "fin_totale", "fin_pnrr", "paid", "progress_pct", "not_attributed")
    }


@pytest.fixture
def released(map_projects):
    cache.clear()
    ImportRunFactory(kind="progetti", release_date=PROJECTS_RELEASE)
    ImportRunFactory(kind="localizzazioni_validate", release_date=PROJECTS_RELEASE)
    ImportRunFactory(kind="pagamenti", release_date=PAYMENTS_RELEASE)
    yield map_projects
    cache.clear()


# The territory ----------------------------------------------------------------------------------------------


def test_summary_equals_the_home_page_to_the_cent(client, plan, released):
    doc = _get(client, SUMMARY)
    api = _as_numbers(doc["figures"])
    assert api == _page_totals(client, "/", "home")
    # Not a coincidence of zeros: p1 120 000 + p2 2/3 of 90 000 + p3 60 000 + half of p4; not attributed:
    # p2's national third and p4's half in Fuori (a comune of another territory; p5, only there, is not
    # counted).
    assert (
        api["fin_totale"] > Decimal("200000")
        and api["paid"] > 0
        and api["not_attributed"] == Decimal("55000.00")
    )
    assert doc["figures"]["attributed"]["value"] == doc["figures"]["fin_totale"]["value"]


def test_summary_states_each_figure_with_its_definition_rule_and_dates(client, plan, released):
    doc = _get(client, SUMMARY)
    figures = doc["figures"]
    assert list(figures) == [
        "projects",
        "fin_totale",
        "fin_pnrr",
        "paid",
        "progress_pct",
        "per_resident",
        "attributed",
        "not_attributed",
    ]
    assert figures["fin_totale"]["label"] == "Finanziato (totale, nel territorio)"
    assert figures["paid"]["unit"] == "€" and figures["progress_pct"]["unit"] == "%"
    assert figures["paid"]["datasets"] == ["projects", "places", "payments"]
    assert figures["fin_pnrr"]["datasets"] == ["projects", "places"]
    assert all(f["definition"] for f in figures.values())
    assert (
        doc["population"] == 40_000
    )  # Alfa and Beta (Gamma has no population; Fuori is not in the territory)
    per_resident = (Decimal(figures["fin_pnrr"]["value"]) / 40_000).quantize(Decimal("0.01"))
    assert Decimal(figures["per_resident"]["value"]) == per_resident
    assert doc["rule"]["key"] == "equal" and "parti uguali" in doc["rule"]["note"]
    assert doc["datasets"] == [
        {
            "dataset": "projects",
            "label": "progetti",
            "release_date": "2023-02-24",
            "imported_on": str(timezone.localdate()),
        },
        {
            "dataset": "places",
            "label": "luoghi",
            "release_date": "2023-02-24",
            "imported_on": str(timezone.localdate()),
        },
        {
            "dataset": "payments",
            "label": "pagamenti",
            "release_date": "2025-03-31",
            "imported_on": str(timezone.localdate()),
        },
    ]
    assert "Italia Domani" in doc["attribution"] and "ISTAT" in doc["attribution"]


def test_summary_without_a_plan_is_404(client, db):
    assert client.get(SUMMARY).status_code == 404


# The objectives' progress -----------------------------------------------------------------------------------


def _link(project, objective, *, status=LinkStatus.CONFIRMED, origin=LinkOrigin.STAFF):
    """A link; one of origin RULE is made by an approved rule of the project's measure (as the service)."""
    rule = None
    if origin == LinkOrigin.RULE:
        rule, _ = MeasureObjective.objects.get_or_create(
            measure=project.submeasure.measure, objective=objective, defaults={"state": RuleState.APPROVED}
        )
    return ProjectObjectiveLink.objects.create(
        project=project, objective=objective, origin=origin, status=status, score=0.8, rule=rule
    )


def test_objective_progress_equals_the_objective_page_to_the_cent(client, plan, released):
    m = released
    objective = Objective.objects.get(edition=plan, code="M1.1")
    _link(m["p1"], objective)
    _link(m["p2"], objective)
    _link(m["p3"], objective, origin=LinkOrigin.RULE)
    _link(m["p4"], objective, status=LinkStatus.SUGGESTED, origin=LinkOrigin.MODEL)
    _link(m["p5"], objective, status=LinkStatus.REJECTED, origin=LinkOrigin.MODEL)
    items = {o["code"]: o for o in _get(client, OBJECTIVES)}
    progress = items["M1.1"]["progress"]
    page = _page_totals(client, "/piano/obiettivi/M1.1/", "objective")
    assert progress["projects"] == page["projects"] == 3
    for key in ("fin_totale", "fin_pnrr", "paid"):
        assert Decimal(progress[key]) == page[key], key
    assert progress["progress_pct"] == page["progress_pct"]
    # p1 120 000 + p2 60 000 (2/3 in the territory) + p3 60 000: the suggested p4 is not summed
    assert progress["fin_totale"] == "240000.00"
    assert (progress["links_confirmed"], progress["links_by_rule"], progress["suggestions_pending"]) == (
        3,
        1,
        1,
    )
    assert items["M1.2"]["progress"]["projects"] == 0


def test_a_rule_link_taken_over_by_staff_counts_one_by_one(client, plan, released, staff_user):
    """A staff decision takes a link over from its rule (the rule is cleared, the origin stays "rule"): the
    API counts it as the objective page does (by its rule), not by its origin."""
    from decimetro.linking.services import link_confirm

    m = released
    objective = Objective.objects.get(edition=plan, code="M1.1")
    link_confirm(by=staff_user, link=_link(m["p3"], objective, origin=LinkOrigin.RULE))
    progress = {o["code"]: o for o in _get(client, OBJECTIVES)}["M1.1"]["progress"]
    assert (progress["links_confirmed"], progress["links_by_rule"]) == (1, 0)


def _objectives_with_projects(n: int) -> None:
    edition = EditionFactory()
    mission = MissionFactory(edition=edition, number=1, code="M1")
    for i in range(1, n + 1):
        objective = ObjectiveFactory(mission=mission, number=i)
        for origin in (LinkOrigin.STAFF, LinkOrigin.RULE):
            project = ProjectFactory()
            PlaceFactory(project=project)
            PaymentSnapshotFactory(project=project)
            _link(project, objective, origin=origin)
        _link(ProjectFactory(), objective, status=LinkStatus.SUGGESTED, origin=LinkOrigin.MODEL)


@pytest.mark.parametrize("n", [1, 3])
def test_objectives_progress_query_count_is_constant(client, db, django_assert_num_queries, n):
    _objectives_with_projects(n)
    # edition, objectives with their mission, confirmed links, pending suggestions per objective, the
    # confirmed projects, their places, their payments
    with django_assert_num_queries(7):
        items = _get(client, OBJECTIVES)
    assert len(items) == n
    assert all(
        (o["progress"]["projects"], o["progress"]["links_by_rule"], o["progress"]["suggestions_pending"])
        == (2, 1, 1)
        for o in items
    )


# Documentation ----------------------------------------------------------------------------------------------


def test_openapi_documents_the_summary_and_the_progress(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    summary = schema["paths"]["/api/v1/territory/summary"]["get"]
    assert "Italia Domani" in summary["description"]
    ref = summary["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    components = schema["components"]["schemas"]
    assert set(components[ref]["properties"]) == {"figures", "population", "rule", "datasets", "attribution"}
    assert set(components["ProgressOut"]["properties"]) == {
        "projects",
        "fin_totale",
        "fin_pnrr",
        "paid",
        "progress_pct",
        "links_confirmed",
        "links_by_rule",
        "suggestions_pending",
    }
    assert "progress" in components["ObjectiveOut"]["properties"]
    assert "Italia Domani" in schema["paths"]["/api/v1/plan/objectives"]["get"]["description"]
