"""The open data: the bulk zip validates as a Frictionless data package, every resource has rows and a schema
that matches its header, the links say nothing of who decided, the served descriptor's paths resolve, the
DCAT-AP_IT catalogue parses with the required classes and properties, the build follows imports."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from frictionless import Package, validate
from rdflib import Graph, Namespace, URIRef
from rdflib import namespace as vocab

from decimetro.core.models import Job
from decimetro.linking.models import LinkOrigin, LinkStatus, MeasureObjective, ProjectObjectiveLink
from decimetro.participation.models import Consultation, DupObjective, Observation, ObservationStatus
from decimetro.plan.models import Objective
from decimetro.pnrr.signals import imports_done
from decimetro.reports.opendata import bundle as ob
from decimetro.reports.opendata.resources import RESOURCES
from decimetro.reports.opendata.tasks import KIND
from decimetro.territory.models import Comune
from tests.factories import (
    ComuneOrganisationFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MeasurePaymentFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    UserFactory,
)

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
# rdflib's vocabularies, in a container: pytest's look at module globals warns on a closed namespace.
V = SimpleNamespace(DCAT=vocab.DCAT, DCTERMS=vocab.DCTERMS, RDF=vocab.RDF)
BASE = "/dati-aperti/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def data(db, plan, territory, media):
    """One row at least in every resource, and what must never be published beside it."""
    objective = Objective.objects.get(code="M1.1")
    comune = Comune.objects.get(codice_istat="015146")
    decider = UserFactory(username="decisore.segreto", first_name="Mario", last_name="Segreti")
    project = ProjectFactory(title='=HYPERLINK("x")')
    PlaceFactory(project=project, comune=comune)
    PaymentSnapshotFactory(project=project)
    MeasurePaymentFactory()
    measure = project.submeasure.measure
    rule = MeasureObjective.objects.create(
        measure=measure, objective=objective, state="approved", decided_by=decider, decided_at=timezone.now()
    )
    ProjectObjectiveLink.objects.create(
        project=project,
        objective=objective,
        origin=LinkOrigin.RULE,
        status=LinkStatus.CONFIRMED,
        decided_by=decider,
        decided_at=timezone.now(),
        rule=rule,
    )
    organisation = ComuneOrganisationFactory(comune=comune, name="Comune di Milano")
    dup = DupObjective.objects.create(
        organisation=organisation, code="SO.1", title="Una città più verde", year_from=2025, year_to=2027
    )
    dup.plan_objectives.add(objective)
    indicator = IndicatorFactory(objective=objective, code="IND-OD")
    IndicatorValueFactory(indicator=indicator, value=Decimal("12.5"), note="nota")
    consultation = Consultation.objects.create(
        title="Consultazione sul verde",
        text="Testo",
        objective=objective,
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 2, 1),
        audience="all",
    )
    author = UserFactory(username="autore.osservazione", first_name="Anna", last_name="Autrice")
    Observation.objects.create(
        consultation=consultation,
        organisation=organisation,
        author=author,
        text="Osservazione pubblicata",
        status=ObservationStatus.PUBLISHED,
    )
    Observation.objects.create(
        consultation=consultation,
        organisation=organisation,
        author=author,
        text="Osservazione in attesa",
        status=ObservationStatus.PENDING,
    )
    return {"project": project, "decider": decider, "author": author}


def _built():
    bundle, built = ob.build_bundle()
    assert built
    return bundle


def _member(bundle, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(bundle.zip_path) as archive:
        text = archive.read(f"{name}.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_bundle_validates_with_frictionless(data, tmp_path):
    bundle = _built()
    out = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle.zip_path) as archive:
        archive.extractall(out)
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_every_resource_has_rows_and_a_schema_matching_its_header(data):
    bundle = _built()
    descriptor = json.loads(bundle.descriptor_path.read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == [r.name for r in RESOURCES]
    with zipfile.ZipFile(bundle.zip_path) as archive:
        for resource in descriptor["resources"]:
            text = archive.read(resource["path"]).decode("utf-8")
            assert not text.startswith("\ufeff")  # standard CSV: no BOM
            rows = list(csv.reader(io.StringIO(text)))
            header = [f["name"] for f in resource["schema"]["fields"]]
            assert rows[0] == header, resource["name"]
            assert len(rows) > 1, f"{resource['name']} has no rows"
            assert bundle.resource(resource["name"]).rows == len(rows) - 1
            assert all(f.get("description") for f in resource["schema"]["fields"])


def test_licence_and_credits_in_the_metadata(data):
    bundle = _built()
    descriptor = json.loads(bundle.descriptor_path.read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert any("Italia Domani" in s["title"] for s in descriptor["sources"])
    for resource in descriptor["resources"]:
        assert resource["licenses"][0]["name"] == "CC-BY-4.0"
        assert resource["sources"], resource["name"]
        assert resource["dialect"]["delimiter"] == ","
    projects = _member(bundle, "progetti")
    assert "Italia Domani" in projects[0]["fonte"]


def test_links_never_say_who_decided(data):
    bundle = _built()
    descriptor = json.loads(bundle.descriptor_path.read_text(encoding="utf-8"))
    links = next(r for r in descriptor["resources"] if r["name"] == "collegamenti")
    names = [f["name"] for f in links["schema"]["fields"]]
    assert not [
        n for n in names if any(w in n for w in ("utente", "user", "nome", "decis_da", "by", "autore"))
    ]
    rows = _member(bundle, "collegamenti")
    assert rows[0]["stato"] == "confirmed" and rows[0]["origine"] == "rule"
    assert rows[0]["regola_misura"] == data["project"].submeasure.measure.code
    assert rows[0]["data_decisione"] == timezone.localdate().isoformat()
    with zipfile.ZipFile(bundle.zip_path) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8")
    for secret in ("decisore.segreto", "Segreti", "autore.osservazione", "Autrice", "Osservazione in attesa"):
        assert secret not in everything


def test_formulas_neutralised_and_only_published_observations(data):
    bundle = _built()
    assert _member(bundle, "progetti")[0]["titolo"].startswith("'=")
    observations = _member(bundle, "osservazioni")
    assert [o["testo"] for o in observations] == ["Osservazione pubblicata"]
    assert observations[0]["organizzazione"] == "Comune di Milano"


def test_a_second_build_of_the_same_version_writes_nothing(data):
    first = _built()
    again, built = ob.build_bundle()
    assert not built and again.key == first.key


def test_only_the_latest_versions_are_kept(data, settings):
    for i in range(ob.KEEP + 1):
        ProjectFactory(cup=f"J99A23{i:09d}")  # a new project: a new data version
        _built()
    assert len(ob.bundles()) == ob.KEEP


# The pages --------------------------------------------------------------------------------------------------


def test_page_enqueues_the_build_then_lists_resources_with_counts(
    client, data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(BASE)  # nothing built: the build is enqueued (run at once on commit in tests)
    assert 'id="opendata-building"' in response.content.decode()
    assert response.status_code == 200
    assert Job.objects.filter(kind=KIND).count() == 1
    response = client.get(BASE)
    body = response.content.decode()
    assert 'id="opendata-building"' not in body
    assert "CC BY 4.0" in body
    assert "datapackage.json" in body and "catalogo.rdf" in body
    for r in RESOURCES:
        assert f'data-resource="{r.name}"' in body
    assert 'data-rows="1"' in body
    assert "Fonte: ISTAT" in body


def test_page_while_building_says_so_and_is_not_cached(client, data, django_capture_on_commit_callbacks):
    from django.db import transaction

    with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
        response = client.get(BASE)
    body = response.content.decode()
    assert 'id="opendata-building"' in body
    assert "no-cache" in response["Cache-Control"]
    assert client.get(BASE + "datapackage.json").status_code in (200, 503)


def test_served_datapackage_paths_resolve_to_the_csvs(client, data, tmp_path):
    _built()
    response = client.get(BASE + "datapackage.json")
    assert response.status_code == 200
    descriptor = response.json()
    for resource in descriptor["resources"]:
        assert resource["path"] == f"http://testserver{BASE}{resource['name']}.csv"
        csv_response = client.get(BASE + f"{resource['name']}.csv")
        assert csv_response.status_code == 200
        text = b"".join(csv_response.streaming_content).decode("utf-8")
        (tmp_path / f"{resource['name']}.csv").write_text(text, encoding="utf-8")
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    assert Package(str(tmp_path / "datapackage.json")).get_resource("progetti").read_rows()[0]["id_progetto"]


def test_zip_download(client, data):
    bundle = _built()
    response = client.get(BASE + ob.ZIP_NAME)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert len(content) == bundle.size
    assert "datapackage.json" in zipfile.ZipFile(io.BytesIO(content)).namelist()


def test_unknown_resource_is_404(client, data):
    _built()
    assert client.get(BASE + "utenti.csv").status_code == 404


def test_catalogue_is_dcat_ap_it(client, data):
    bundle = _built()
    response = client.get(BASE + "catalogo.rdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rdf+xml")
    g = Graph().parse(data=response.content, format="xml")
    catalog = next(g.subjects(V.RDF.type, DCATAPIT.Catalog))
    assert (catalog, V.RDF.type, V.DCAT.Catalog) in g
    dataset = next(g.subjects(V.RDF.type, DCATAPIT.Dataset))
    assert (catalog, V.DCAT.dataset, dataset) in g
    for prop in (V.DCTERMS.identifier, V.DCTERMS.title, V.DCTERMS.description, V.DCTERMS.modified):
        assert g.value(dataset, prop) is not None, prop
    assert str(g.value(dataset, V.DCTERMS.title)).startswith("Decimetro")
    assert g.value(dataset, V.DCTERMS.title).language == "it"
    publisher = g.value(dataset, V.DCTERMS.publisher)
    assert (publisher, V.RDF.type, DCATAPIT.Agent) in g
    assert str(g.value(publisher, V.DCTERMS.identifier)) == "cmmi"
    assert g.value(dataset, V.DCTERMS.rightsHolder) == publisher
    assert g.value(catalog, V.DCTERMS.publisher) == publisher
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in set(
        g.objects(dataset, V.DCAT.theme)
    )
    assert g.value(dataset, V.DCTERMS.accrualPeriodicity) is not None
    assert g.value(dataset, V.DCAT.contactPoint) is not None
    distributions = list(g.objects(dataset, V.DCAT.distribution))
    assert len(distributions) == len(RESOURCES) + 1
    downloads = set()
    for d in distributions:
        assert (d, V.RDF.type, DCATAPIT.Distribution) in g
        licence = g.value(d, V.DCTERMS.license)
        assert (licence, V.RDF.type, DCATAPIT.LicenseDocument) in g
        assert str(licence) == "https://creativecommons.org/licenses/by/4.0/"
        assert str(g.value(d, V.DCTERMS.format)).rsplit("/", 1)[1] in ("CSV", "ZIP")
        downloads.add(str(g.value(d, V.DCAT.downloadURL)))
    assert f"http://testserver{BASE}{ob.ZIP_NAME}" in downloads
    assert f"http://testserver{BASE}progetti.csv" in downloads
    assert str(g.value(dataset, V.DCTERMS.modified)) == bundle.built_at[:10]


def test_files_answer_503_while_nothing_is_built(client, data, django_capture_on_commit_callbacks):
    from django.db import transaction

    with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
        response = client.get(BASE + "catalogo.rdf")
    assert response.status_code == 503
    assert response["Retry-After"]


# After an import --------------------------------------------------------------------------------------------


def test_an_import_builds_the_new_version(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        imports_done.send(sender=None, files=["progetti.csv"])
    assert ob.latest_bundle() is not None
    assert ob.latest_bundle().key == ob.version_key()
    job = Job.objects.get(kind=KIND)
    assert job.state == Job.State.DONE
    assert job.summary["rows"]["progetti"] == 1


def test_build_not_enqueued_twice_for_the_same_version(data, django_capture_on_commit_callbacks):
    from decimetro.reports.opendata.tasks import opendata_build_enqueue

    with django_capture_on_commit_callbacks(execute=False):
        assert opendata_build_enqueue() is not None
        assert opendata_build_enqueue() is None
    assert Job.objects.filter(kind=KIND).count() == 1
