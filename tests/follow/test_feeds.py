"""The Atom feeds: valid XML, a self link, dated entries pointing at the public pages."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.participation.models import Audience
from decimetro.plan.models import Edition, Objective
from tests.factories import PlaceFactory, ProjectFactory
from tests.participation.fixtures import ConsultationFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own response; raises on invalid XML


def _self(feed: ET.Element) -> str:
    return next(link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")


def _entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def test_the_comune_feed_lists_its_projects_newest_first(client, comune_a):
    older, newer = ProjectFactory(title="Scuola"), ProjectFactory(title="Biblioteca")
    for p in (older, newer):
        PlaceFactory(project=p, comune=comune_a, dataset=p.provenance)
    PlaceFactory(project=ProjectFactory(title="Altrove"))  # elsewhere
    url = reverse("public:comune_projects_atom", args=[comune_a.codice_istat])
    feed = _feed(client, url)
    assert _self(feed) == f"http://testserver{url}"
    assert comune_a.name in feed.find(f"{ATOM}title").text
    entries = _entries(feed)
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        f"{newer.cup} – Biblioteca",  # noqa: RUF001
        f"{older.cup} – Scuola",  # noqa: RUF001
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{reverse('public:project', args=[newer.pk])}"
    assert all(e.find(f"{ATOM}updated") is not None and e.find(f"{ATOM}id") is not None for e in entries)
    assert client.get(reverse("public:comune_projects_atom", args=["999999"])).status_code == 404


def test_the_objective_feed_lists_only_confirmed_projects(client, plan):
    objective = Objective.objects.get(edition=Edition.objects.get(is_current=True), code="M1.1")
    confirmed, suggested = ProjectFactory(title="Confermato"), ProjectFactory(title="Suggerito")
    ProjectObjectiveLink.objects.create(
        project=confirmed,
        objective=objective,
        origin=LinkOrigin.STAFF,
        status=LinkStatus.CONFIRMED,
        decided_at=timezone.now(),
    )
    ProjectObjectiveLink.objects.create(
        project=suggested, objective=objective, origin=LinkOrigin.MODEL, status=LinkStatus.SUGGESTED
    )
    url = reverse("public:objective_projects_atom", args=["m1.1"])
    feed = _feed(client, url)
    assert _self(feed) == "http://testserver" + reverse("public:objective_projects_atom", args=["M1.1"])
    titles = [e.find(f"{ATOM}title").text for e in _entries(feed)]
    assert titles == [f"{confirmed.cup} – Confermato"]  # noqa: RUF001


def test_the_consultations_feed(client, plan):
    first = ConsultationFactory(title="Prima", audience=Audience.ALL)
    second = ConsultationFactory(title="Seconda", audience=Audience.ALL)
    url = reverse("public:consultations_atom")
    feed = _feed(client, url)
    assert _self(feed) == f"http://testserver{url}"
    entries = _entries(feed)
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Seconda", "Prima"]
    assert (
        entries[0].find(f"{ATOM}link").get("href").endswith(reverse("public:consultation", args=[second.pk]))
    )
    assert first.pk != second.pk


@pytest.mark.parametrize(
    "page,feed",
    [
        (lambda: reverse("public:consultations"), lambda: reverse("public:consultations_atom")),
        (
            lambda: reverse("public:objective", args=["M1.1"]),
            lambda: reverse("public:objective_projects_atom", args=["M1.1"]),
        ),
    ],
)
def test_the_pages_announce_their_feed(client, plan, page, feed):
    html = client.get(page()).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html and f'href="{feed()}"' in html


def test_the_comune_page_announces_its_feed(client, comune_a):
    html = client.get(reverse("public:comune", args=[comune_a.codice_istat])).content.decode()
    feed = reverse("public:comune_projects_atom", args=[comune_a.codice_istat])
    assert 'type="application/atom+xml"' in html and f'href="{feed}"' in html
