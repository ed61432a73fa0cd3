"""Building the search index from the data apps: one `SearchDocument` per comune, zone, mission and objective
of the current plan edition, PNRR measure, implementing body, consultation and project.

`index_rebuild()` rewrites everything in one transaction (after an import: 221,685 projects on national data,
well under a minute); `index_refresh(kinds=SMALL_KINDS)` rewrites only the small kinds that people edit (the
plan, the territory, the consultations), in milliseconds. Readers see the old index until the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext as _

from decimetro.participation.models import Consultation
from decimetro.plan.models import Edition, EditionStatus, Mission, Objective
from decimetro.pnrr.models import ImplementingBody, Measure, Project
from decimetro.search.models import KIND_WEIGHTS, Kind, SearchDocument, kind_base
from decimetro.search.text import fold, terms
from decimetro.territory.models import Comune, Zone

BATCH = 2000
CHUNK = 5000
SMALL_KINDS = frozenset({Kind.COMUNE, Kind.ZONE, Kind.MISSION, Kind.OBJECTIVE, Kind.CONSULTATION})
ALL_KINDS = frozenset(Kind)

_TITLE_MAX = SearchDocument._meta.get_field("title").max_length or 300
_SUBTITLE_MAX = SearchDocument._meta.get_field("subtitle").max_length or 300


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _url_of(name: str, sample: str) -> Callable[[object], str]:
    """One `reverse` for a whole kind: the URL with a sample argument, the argument replaced per row."""
    template = reverse(name, args=[sample])
    head, _sep, tail = template.rpartition(sample)
    return lambda value: f"{head}{value}{tail}"


def _doc(kind: str, object_id: object, *, title: str, url: str, subtitle: str = "", code: str = "",
         body: str = "") -> SearchDocument:  # fmt: skip
    shown = _cut(title, _TITLE_MAX)
    return SearchDocument(
        kind=kind,
        object_id=str(object_id),
        title=shown,
        subtitle=_cut(subtitle, _SUBTITLE_MAX),
        url=url,
        title_key=fold(shown)[:_TITLE_MAX],
        code_key=fold(code)[:60],
        title_terms=terms(f"{title} {code}"),
        body_terms=terms(body),
        weight=KIND_WEIGHTS[kind],
    )


def _current_edition() -> Edition | None:
    published = Edition.objects.filter(status=EditionStatus.PUBLISHED)
    return published.filter(is_current=True).first() or published.first()


def _comuni() -> Iterator[SearchDocument]:
    url = _url_of("public:comune", "000000")
    order = (F("population_resident").desc(nulls_last=True), "codice_istat")
    for c in Comune.objects.select_related("zone").order_by(*order):
        zone = c.zone.name if c.zone else ""
        yield _doc(
            Kind.COMUNE,
            c.codice_istat,
            title=c.name,
            url=url(c.codice_istat),
            subtitle=_("Comune") + (f" · {zone}" if zone else ""),
            code=c.codice_istat,
            body=f"{_('comune')} {zone}",
        )


def _zones() -> Iterator[SearchDocument]:
    url = _url_of("public:zone", "sample-slug")
    for z in Zone.objects.order_by("slug"):
        yield _doc(
            Kind.ZONE, z.slug, title=z.name, url=url(z.slug), subtitle=z.get_kind_display(), body=_("zona")
        )


def _missions(edition: Edition | None) -> Iterator[SearchDocument]:
    if edition is None:
        return
    url = _url_of("public:mission", "M0")
    for m in Mission.objects.filter(edition=edition).prefetch_related("keywords").order_by("number"):
        keywords = " ".join(k.name for k in m.keywords.all())
        yield _doc(
            Kind.MISSION,
            m.code,
            title=m.title,
            url=url(m.code),
            subtitle=_("Missione %(code)s") % {"code": m.code},
            code=m.code,
            body=f"{m.matrix_title} {keywords} {m.introduction}",
        )


def _objectives(edition: Edition | None) -> Iterator[SearchDocument]:
    if edition is None:
        return
    url = _url_of("public:objective", "M0.0")
    for o in (
        Objective.objects.filter(edition=edition)
        .select_related("mission")
        .order_by("mission__number", "number")
    ):
        yield _doc(
            Kind.OBJECTIVE,
            o.code,
            title=o.title,
            url=url(o.code),
            subtitle=f"{_('Obiettivo')} {o.code} · {o.mission.title}",
            code=o.code,
            body=o.mission.title,
        )


def _measures() -> Iterator[SearchDocument]:
    url = _url_of("public:measure", "M0C0I0")
    for m in Measure.objects.select_related("component").prefetch_related("submeasures").order_by("code"):
        subs = " ".join(s.name for s in m.submeasures.all())
        yield _doc(
            Kind.MEASURE,
            m.code,
            title=m.name or m.code,
            url=url(m.code),
            subtitle=f"{_('Misura')} {m.code} · {m.component.name or m.component.code}",
            code=m.code,
            body=f"{m.measure_id} {subs}",
        )


def _bodies() -> Iterator[SearchDocument]:
    url = _url_of("public:body", "999999999")
    bodies = ImplementingBody.objects.annotate(n=Count("projects")).order_by("-n", "pk")
    for pk, name, fiscal_code in bodies.values_list("pk", "name", "fiscal_code"):
        yield _doc(
            Kind.BODY,
            pk,
            title=name or fiscal_code,
            url=url(pk),
            subtitle=_("Soggetto attuatore · C.F. %(code)s") % {"code": fiscal_code},
            code=fiscal_code,
        )


def _consultations() -> Iterator[SearchDocument]:
    url = _url_of("public:consultation", "999999999")
    for c in Consultation.objects.order_by("pk"):
        yield _doc(
            Kind.CONSULTATION,
            c.pk,
            title=c.title,
            url=url(c.pk),
            subtitle=_("Consultazione dal %(start)s al %(end)s")
            % {"start": c.opens_on.strftime("%d/%m/%Y"), "end": c.closes_on.strftime("%d/%m/%Y")},
            body=c.text,
        )


def _projects() -> Iterator[SearchDocument]:
    url = _url_of("public:project", "999999999")
    rows = (
        Project.objects.order_by(F("fin_pnrr").desc(nulls_last=True), "pk")
        .values_list("pk", "cup", "title", "synthesis", "implementing_body__name")
        .iterator(chunk_size=CHUNK)
    )
    for pk, cup, title, synthesis, body_name in rows:
        yield _doc(
            Kind.PROJECT,
            pk,
            title=title or _cut(synthesis, 120) or cup,
            url=url(pk),
            subtitle=f"CUP {cup}" + (f" · {body_name}" if body_name else ""),
            code=cup,
            body=f"{synthesis} {body_name or ''}",
        )


_BUILDERS: dict[str, Callable[[Edition | None], Iterable[SearchDocument]]] = {
    Kind.COMUNE: lambda e: _comuni(),
    Kind.ZONE: lambda e: _zones(),
    Kind.MISSION: _missions,
    Kind.OBJECTIVE: _objectives,
    Kind.MEASURE: lambda e: _measures(),
    Kind.BODY: lambda e: _bodies(),
    Kind.CONSULTATION: lambda e: _consultations(),
    Kind.PROJECT: lambda e: _projects(),
}


@dataclass(frozen=True)
class IndexSummary:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def index_refresh(*, kinds: Iterable[str] = ALL_KINDS) -> IndexSummary:
    """Rewrite the documents of `kinds` from the data, in one transaction."""
    wanted = [k for k in Kind if k in set(kinds)]
    counts: dict[str, int] = {}
    with transaction.atomic():
        edition = _current_edition()
        if set(wanted) == ALL_KINDS:
            SearchDocument.objects.all().delete()
        else:
            SearchDocument.objects.filter(kind__in=wanted).delete()
        for kind in wanted:
            counts[kind] = _write(kind, _BUILDERS[kind](edition))
        if connection.vendor == "postgresql":
            # Fresh statistics: without them the planner scans a whole kind instead of the GIN index.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_searchdocument")
    return IndexSummary(counts)


def index_rebuild() -> IndexSummary:
    return index_refresh(kinds=ALL_KINDS)


def _write(kind: str, docs: Iterable[SearchDocument]) -> int:
    """Insert the documents of `kind` with the ids of its range, in the builder's order (most important
    first)."""
    base = kind_base(kind)
    n = 0
    batch: list[SearchDocument] = []
    for doc in docs:
        doc.pk = base + n + len(batch) + 1
        batch.append(doc)
        if len(batch) >= BATCH:
            SearchDocument.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    if batch:
        SearchDocument.objects.bulk_create(batch)
        n += len(batch)
    return n
