"""The DCAT-AP_IT catalogue of the open data (`/dati-aperti/catalogo.rdf`, RDF/XML: the profile dati.gov.it
harvests), built with rdflib from the latest bundle.

One catalogue, one dataset (the whole package), one distribution for the zip and one per CSV resource.
Publisher and rights holder: the Città metropolitana di Milano as a `dcatapit:Agent` identified by its code
in the IPA (Indice dei domicili digitali della Pubblica Amministrazione), `cmmi` — the code we know the
Ente by; stated here in one place so it is corrected in one place if the IPA says otherwise. The dataset's
`dct:identifier` is "<IPA code>:<dataset id>", as DCAT-AP_IT asks."""

from __future__ import annotations

from datetime import datetime

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from decimetro.reports.opendata.bundle import PACKAGE_NAME, TITLE, Bundle

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"

ENTE_NAME = "Città metropolitana di Milano"
ENTE_IPA = "cmmi"
THEMES = ("GOVE", "ECON")  # government and public sector; economy and finance (the PNRR)
FREQUENCY = "IRREG"  # a new version with every import of the PNRR data and every change of the plan's links
LICENCE_URI = "https://creativecommons.org/licenses/by/4.0/"
CATALOGUE_DESCRIPTION = (
    "Catalogo dei dati aperti di Decimetro: il piano strategico della Città metropolitana di Milano, i "
    "progetti PNRR del territorio e i collegamenti fra progetti e obiettivi del piano."
)
DATASET_DESCRIPTION = (
    "Pacchetto di dati aperti (Frictionless Data Package): piano strategico (missioni, componenti, "
    "obiettivi, attori, parole chiave), comuni e zone omogenee, progetti PNRR con luoghi e pagamenti, "
    "pagamenti a livello di misura, collegamenti progetti-obiettivi, corrispondenza misure-obiettivi, "
    "allineamento dei DUP, indicatori e valori, consultazioni e osservazioni pubblicate. CSV standard "
    "(RFC 4180, UTF-8)."
)


def _it(text: str) -> Literal:
    return Literal(text, lang="it")


def catalogue_graph(bundle: Bundle, *, base: str) -> Graph:
    """`base`: the absolute URL of /dati-aperti/ (ending with "/")."""
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("dcatapit", DCATAPIT)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)

    built = datetime.fromisoformat(bundle.built_at)
    modified = Literal(built.date().isoformat(), datatype=XSD.date)
    italian = URIRef(EU + "language/ITA")

    agent = URIRef(f"{base}#ente")
    g.add((agent, RDF.type, DCATAPIT.Agent))
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, _it(ENTE_NAME)))
    g.add((agent, DCTERMS.identifier, Literal(ENTE_IPA)))

    contact = URIRef(f"{base}#contatto")
    g.add((contact, RDF.type, DCATAPIT.Organization))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, _it(f"{ENTE_NAME} - Decimetro")))
    g.add((contact, VCARD.hasURL, URIRef(base)))

    licence = URIRef(LICENCE_URI)
    g.add((licence, RDF.type, DCATAPIT.LicenseDocument))
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.type, URIRef("http://purl.org/adms/licencetype/Attribution")))
    g.add((licence, FOAF.name, Literal("CC BY 4.0")))
    g.add((licence, DCTERMS.title, _it("Creative Commons Attribuzione 4.0 Internazionale")))

    catalog = URIRef(f"{base}catalogo.rdf")
    g.add((catalog, RDF.type, DCATAPIT.Catalog))
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, _it("Decimetro: dati aperti")))
    g.add((catalog, DCTERMS.description, _it(CATALOGUE_DESCRIPTION)))
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, DCTERMS.modified, modified))
    g.add((catalog, DCTERMS.language, italian))
    g.add((catalog, FOAF.homepage, URIRef(base)))

    dataset = URIRef(f"{base}#{PACKAGE_NAME}")
    g.add((catalog, DCAT.dataset, dataset))
    g.add((dataset, RDF.type, DCATAPIT.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.identifier, Literal(f"{ENTE_IPA}:{PACKAGE_NAME}")))
    g.add((dataset, DCTERMS.title, _it(TITLE)))
    g.add((dataset, DCTERMS.description, _it(DATASET_DESCRIPTION)))
    g.add((dataset, DCTERMS.publisher, agent))
    g.add((dataset, DCTERMS.rightsHolder, agent))
    g.add((dataset, DCTERMS.modified, modified))
    g.add((dataset, DCTERMS.language, italian))
    g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/{FREQUENCY}")))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((dataset, DCAT.landingPage, URIRef(base)))
    for theme in THEMES:
        g.add((dataset, DCAT.theme, URIRef(f"{EU}data-theme/{theme}")))
    for word in ("PNRR", "piano strategico", "comuni", "progetti", "Città metropolitana di Milano"):
        g.add((dataset, DCAT.keyword, _it(word)))

    def distribution(node: URIRef, *, title: str, url: str, fmt: str, size: int | None = None) -> None:
        g.add((dataset, DCAT.distribution, node))
        g.add((node, RDF.type, DCATAPIT.Distribution))
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.title, _it(title)))
        g.add((node, DCTERMS.format, URIRef(f"{EU}file-type/{fmt}")))
        g.add((node, DCAT.accessURL, URIRef(base)))
        g.add((node, DCAT.downloadURL, URIRef(url)))
        g.add((node, DCTERMS.license, licence))
        g.add((node, DCTERMS.modified, modified))
        if size is not None:
            g.add((node, DCAT.byteSize, Literal(size, datatype=XSD.decimal)))

    distribution(
        URIRef(f"{base}#zip"),
        title="Pacchetto completo (zip di CSV con datapackage.json)",
        url=f"{base}{bundle.zip_path.name}",
        fmt="ZIP",
        size=bundle.size,
    )
    for r in bundle.resources:
        distribution(URIRef(f"{base}#{r.name}"), title=r.title, url=f"{base}{r.filename}", fmt="CSV")
    return g


def catalogue_rdf(bundle: Bundle, *, base: str) -> bytes:
    return catalogue_graph(bundle, base=base).serialize(format="pretty-xml", encoding="utf-8")
