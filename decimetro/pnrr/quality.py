"""The PNRR data-quality report: per release and per comune, what the open data gets wrong (read-only)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from decimetro.pnrr.models import ImportRun, Place, Project, Provenance
from decimetro.pnrr.selectors import own_places


def data_quality() -> dict[str, int]:
    """Counts for the data-quality report (whole database)."""
    own = Place.objects.filter(own_places())
    return {
        "progetti": Project.objects.count(),
        "progetti_validati": Project.objects.filter(provenance=Provenance.VALIDATED).count(),
        "progetti_solo_universo": Project.objects.filter(provenance=Provenance.UNIVERSE).count(),
        "progetti_senza_luogo": Project.objects.exclude(pk__in=own.values("project_id")).count(),
        "pnrr_maggiore_del_totale": Project.objects.filter(fin_pnrr__gt=F("fin_totale")).count(),
        "luoghi_nazionali_o_sovracomunali": own.filter(istat_code="").count(),
        "luoghi_con_comune_fuori_territorio": own.exclude(istat_code="").filter(comune__isnull=True).count(),
        "righe_scartate_importazioni": ImportRun.objects.aggregate(n=Coalesce(Sum("rejected"), 0))["n"],
    }


QUALITY_CHECKS: dict[str, Any] = {
    "senza_luogo": _("Progetti senza localizzazione"),
    "cup_duplicato": _("Progetti con CUP ripetuto (stesso CUP con altro codice locale o submisura)"),
    "pnrr_maggiore_del_totale": _("Progetti con quota PNRR maggiore del finanziamento totale"),
    "istat_sconosciuto": _("Localizzazioni con codice ISTAT sconosciuto"),
    "solo_universo": _("Progetti nell'universo ma non validati"),
}


PLACE_CHECKS = frozenset({"istat_sconosciuto"})


QUALITY_EXAMPLES = 5


@dataclass
class QualityProblem:
    """One listed problem: a project (project checks) or one of its places (place checks)."""

    check: str
    project_id: int
    cup: str
    local_code: str
    submeasure: str
    title: str
    provenance: str
    release: Any  # date | None
    istat_code: str = ""
    place_name: str = ""
    detail: str = ""

    @property
    def provenance_label(self) -> str:
        return (
            str(Provenance(self.provenance).label)
            if self.provenance in Provenance.values
            else self.provenance
        )


@dataclass
class QualityRow:
    """Counts of every check for one release or one comune."""

    key: Any  # a release date (or None) / an ISTAT code ("" = places that are not a comune)
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(k, 0) for k in QUALITY_CHECKS]


@dataclass
class QualityReport:
    release: Any  # the release filter (date | None)
    comune: str  # the ISTAT code filter ("" = all)
    releases: list[Any]  # all release dates, oldest first (the filter choices)
    totals: dict[str, int]
    by_release: list[QualityRow]
    by_comune: list[QualityRow]
    comuni_omitted: int
    examples: dict[str, list[QualityProblem]]

    @property
    def checks(self) -> list[tuple[str, Any, int, list[QualityProblem]]]:
        """(key, label, count, examples) for every check, in QUALITY_CHECKS order."""
        return [
            (k, label, self.totals.get(k, 0), self.examples.get(k, [])) for k, label in QUALITY_CHECKS.items()
        ]


def quality_releases() -> list[Any]:
    """The release dates of the successful imports, oldest first."""
    dates = (
        ImportRun.objects.filter(
            status__in=[ImportRun.Status.OK, ImportRun.Status.PARTIAL], release_date__isnull=False
        )
        .order_by("release_date")
        .values_list("release_date", flat=True)
        .distinct()
    )
    return list(dates)


def _release_of(day: Any, releases: list[Any]) -> Any:
    if day is None:
        return None
    for r in releases:
        if day <= r:
            return r
    return None


def _release_range(release: Any, releases: list[Any]) -> tuple[Any, Any]:
    """(exclusive lower bound or None, inclusive upper bound) of the data dates that belong to `release`."""
    earlier = [r for r in releases if r < release]
    return (earlier[-1] if earlier else None), release


@functools.lru_cache(maxsize=1)
def _national_istat_codes() -> frozenset[str]:
    """Every comune code of the bundled national ISTAT list (SITUAS)."""
    import csv

    from decimetro.territory.sources import SITUAS_FILE

    with SITUAS_FILE.open(encoding="utf-8-sig", newline="") as f:
        return frozenset(
            (row.get("Codice Comune (alfanumerico)") or "").strip()
            for row in csv.DictReader(f, delimiter=";")
        )


def _project_date() -> Any:
    own_latest = (
        Place.objects.filter(project=OuterRef("pk"), dataset=OuterRef("provenance"))
        .order_by()
        .values("project")
        .annotate(d=models.Max("updated_on"))
        .values("d")
    )
    return Coalesce(F("updated_on"), Subquery(own_latest), output_field=models.DateField())


def _quality_projects(check: str, *, span: tuple[Any, Any] | None, comune: str) -> QuerySet[Any]:
    """The projects failing `check`, annotated with `data_date`."""
    qs: QuerySet[Any] = Project.objects.annotate(data_date=_project_date())
    if span is not None:
        low, high = span
        qs = qs.filter(data_date__lte=high)
        if low is not None:
            qs = qs.filter(data_date__gt=low)
    if comune:
        qs = qs.filter(pk__in=Place.objects.filter(own_places(), istat_code=comune).values("project_id"))
    if check == "senza_luogo":
        return qs.exclude(pk__in=Place.objects.filter(own_places()).values("project_id"))
    if check == "cup_duplicato":
        repeated = (
            Project.objects.order_by().values("cup").annotate(n=Count("pk")).filter(n__gt=1).values("cup")
        )
        return qs.filter(cup__in=repeated)
    if check == "pnrr_maggiore_del_totale":
        return qs.filter(fin_pnrr__gt=F("fin_totale"))
    if check == "solo_universo":
        return qs.filter(provenance=Provenance.UNIVERSE)
    raise ValueError(check)


def _suspect_places(*, span: tuple[Any, Any] | None, comune: str) -> QuerySet[Place]:
    """Own places with an ISTAT code that is not a comune of our database (the unknown ones among them are
    found against the national list)."""
    qs = Place.objects.filter(own_places(), comune__isnull=True).exclude(istat_code="")
    if span is not None:
        low, high = span
        qs = qs.filter(updated_on__lte=high)
        if low is not None:
            qs = qs.filter(updated_on__gt=low)
    if comune:
        qs = qs.filter(istat_code=comune)
    return qs


def _unknown_codes(places: QuerySet[Place]) -> list[str]:
    national = _national_istat_codes()
    codes = places.order_by().values_list("istat_code", flat=True).distinct()
    return sorted(c for c in codes if c not in national)


def data_quality_report(
    *, release: Any = None, comune: str = "", examples: int = QUALITY_EXAMPLES, comuni_limit: int = 50
) -> QualityReport:
    """The data-quality checks (QUALITY_CHECKS), optionally for one release and/or one comune (ISTAT code):
    totals, counts per release and per comune, and up to `examples` problems per check. A fixed number of
    queries whatever the data. Project checks count projects (per comune: projects with a place there); the
    ISTAT check counts places (per comune: by the code as written in the source)."""
    comune = (comune or "").strip()
    releases = quality_releases()
    span = _release_range(release, releases) if release is not None else None
    totals: dict[str, int] = {}
    per_release: dict[Any, dict[str, int]] = defaultdict(dict)
    per_comune: dict[str, dict[str, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    found: dict[str, list[QualityProblem]] = {}
    for check in QUALITY_CHECKS:
        if check in PLACE_CHECKS:
            suspect = _suspect_places(span=span, comune=comune)
            unknown = _unknown_codes(suspect)
            places = suspect.filter(istat_code__in=unknown)
            for day, n in places.order_by().values_list("updated_on").annotate(n=Count("pk")):
                rel = _release_of(day, releases)
                per_release[rel][check] = per_release[rel].get(check, 0) + n
            for code, name, n in (
                places.order_by()
                .values_list("istat_code")
                .annotate(name=models.Max("comune_name"), n=Count("pk"))
            ):
                per_comune[code][check] = n
                names.setdefault(code, (name or "").title())
            totals[check] = sum(per_comune[c].get(check, 0) for c in unknown)
            found[check] = [_place_problem(check, p, releases) for p in _place_rows(places)[:examples]]
            continue
        projects = _quality_projects(check, span=span, comune=comune)
        for day, n in projects.order_by().values_list("data_date").annotate(n=Count("pk")):
            rel = _release_of(day, releases)
            per_release[rel][check] = per_release[rel].get(check, 0) + n
        totals[check] = sum(v.get(check, 0) for v in per_release.values())
        located = Place.objects.filter(own_places(), project__in=projects.values("pk"))
        if comune:
            located = located.filter(istat_code=comune)
        for code, name, own_name, n in (
            located.order_by()
            .values_list("istat_code")
            .annotate(
                name=models.Max("comune__name"),
                own_name=models.Max("comune_name"),
                n=Count("project", distinct=True),
            )
        ):
            per_comune[code][check] = n
            if name or own_name:
                names.setdefault(code, name or (own_name or "").title())
        found[check] = [_project_problem(check, p, releases) for p in _project_rows(projects)[:examples]]
    by_release = [
        QualityRow(key=r, label=r.isoformat() if r else "", counts=per_release[r])
        for r in [*releases, None]
        if per_release.get(r)
    ]
    rows = sorted(
        (QualityRow(key=code, label=names.get(code, ""), counts=c) for code, c in per_comune.items()),
        key=lambda r: (-r.total, r.key),
    )
    return QualityReport(
        release=release,
        comune=comune,
        releases=releases,
        totals=totals,
        by_release=by_release,
        by_comune=rows[:comuni_limit],
        comuni_omitted=max(0, len(rows) - comuni_limit),
        examples=found,
    )


def _project_rows(projects: QuerySet[Any]) -> QuerySet[Any]:
    return projects.order_by("cup", "local_code", "pk").values_list(
        "pk",
        "cup",
        "local_code",
        "submeasure__code",
        "title",
        "provenance",
        "data_date",
        "fin_pnrr",
        "fin_totale",
    )


def _place_rows(places: QuerySet[Place]) -> QuerySet[Any]:
    return places.order_by("istat_code", "project__cup", "pk").values_list(
        "project_id",
        "project__cup",
        "project__local_code",
        "project__submeasure__code",
        "project__title",
        "project__provenance",
        "updated_on",
        "istat_code",
        "comune_name",
    )


def _problem_fields(check: str, row: Any, releases: list[Any]) -> dict[str, Any]:
    """The project part of a QualityProblem, from the first seven columns shared by _project_rows and
    _place_rows."""
    pk, cup, local_code, sub, title, provenance, day = row[:7]
    return {
        "check": check,
        "project_id": pk,
        "cup": cup,
        "local_code": local_code,
        "submeasure": sub,
        "title": title,
        "provenance": provenance,
        "release": _release_of(day, releases),
    }


def _project_problem(check: str, row: Any, releases: list[Any]) -> QualityProblem:
    pnrr, totale = row[7:]
    detail = f"PNRR {pnrr} > totale {totale}" if check == "pnrr_maggiore_del_totale" else ""
    return QualityProblem(**_problem_fields(check, row, releases), detail=detail)


def _place_problem(check: str, row: Any, releases: list[Any]) -> QualityProblem:
    istat_code, name = row[7:]
    return QualityProblem(
        **_problem_fields(check, row, releases),
        istat_code=istat_code,
        place_name=name,
        detail=f"codice ISTAT {istat_code} non presente nell'elenco ISTAT dei comuni",
    )


def data_quality_problems(*, release: Any = None, comune: str = "") -> Iterator[QualityProblem]:
    """Every problem of `data_quality_report` (same filters), check by check: two queries per check plus one,
    streamed."""
    comune = (comune or "").strip()
    releases = quality_releases()
    span = _release_range(release, releases) if release is not None else None
    for check in QUALITY_CHECKS:
        if check in PLACE_CHECKS:
            suspect = _suspect_places(span=span, comune=comune)
            places = suspect.filter(istat_code__in=_unknown_codes(suspect))
            for row in _place_rows(places).iterator(chunk_size=2000):
                yield _place_problem(check, row, releases)
            continue
        projects = _quality_projects(check, span=span, comune=comune)
        for row in _project_rows(projects).iterator(chunk_size=2000):
            yield _project_problem(check, row, releases)
