"""Reads of the PNRR data for the pages and the API. Each function asks for what it returns in a fixed number
of queries, whatever the number of projects.

The allocation of multi-place projects to comuni (FULL, EQUAL, POPULATION) is not here: it is written once in
`insights.allocation`, above the data apps. A project's places are those of its own provenance
(`Place.dataset == Project.provenance`, `own_places`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from decimetro.pnrr.models import (
    PLACE_LABEL_FIELDS,
    ImplementingBody,
    ImportRun,
    Measure,
    MeasurePayment,
    Milestone,
    PaymentSnapshot,
    Place,
    PnrrMission,
    Project,
    Provenance,
    SubMeasure,
)
from decimetro.territory.models import Comune

MISSION_PATH = "submeasure__measure__component__mission"


def own_places() -> Any:
    """The filter "place of the project's own dataset", for Place querysets."""
    return models.Q(dataset=F("project__provenance"))


# Projects ---------------------------------------------------------------------------------------------------


def projects_for_list() -> QuerySet[Project]:
    return Project.objects.select_related("submeasure__measure__component__mission", "implementing_body")


def projects_in_comuni(*, comuni: Iterable[Comune] | QuerySet[Comune]) -> QuerySet[Project]:
    """Projects with at least one place in these comuni, each once."""
    located = Place.objects.filter(own_places(), comune__in=comuni).values("project_id")
    return projects_for_list().filter(pk__in=located)


def project_detail_queryset() -> QuerySet[Project]:
    """Projects with structure, body, places (with comune) and payment snapshots (oldest first) prefetched.
    Use `project.located_places` for the places of its own provenance."""
    return projects_for_list().prefetch_related(
        Prefetch(
            "places",
            queryset=Place.objects.select_related("comune").order_by(
                "region_code", "province_code", "comune_code"
            ),
        ),
        Prefetch("payments", queryset=PaymentSnapshot.objects.order_by("release_date")),
    )


def projects_by_cup(*, cup: str) -> list[Project]:
    """All projects with this CUP (a CUP may repeat with another Codice Locale Progetto or sub-measure)."""
    return list(project_detail_queryset().filter(cup=cup.strip().upper()))


def projects_of_body(*, body: ImplementingBody) -> QuerySet[Project]:
    return projects_for_list().filter(implementing_body=body)


# Measures and milestones ------------------------------------------------------------------------------------


def measures_with_frame() -> QuerySet[Measure]:
    """Measures with their component and mission, the financial frame total of their sub-measures and
    counts."""
    milestones = (
        Milestone.objects.filter(submeasures__measure=OuterRef("pk"))
        .order_by()
        .values("submeasures__measure")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    projects = (
        Project.objects.filter(submeasure__measure=OuterRef("pk"))
        .order_by()
        .values("submeasure__measure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Measure.objects.select_related("component__mission")
        .annotate(
            frame_total=Sum("submeasures__amount_total"),
            milestone_count=Coalesce(Subquery(milestones), 0),
            project_count=Coalesce(Subquery(projects), 0),
        )
        .order_by("code")
    )


def measure_detail_queryset() -> QuerySet[Measure]:
    return measures_with_frame().prefetch_related("submeasures")


def milestones_for_measure(*, measure: Measure) -> QuerySet[Milestone]:
    """Its milestones and targets, by due date (a milestone shared by several sub-measures appears once)."""
    ids = Milestone.objects.filter(submeasures__measure=measure).values("pk")
    return Milestone.objects.filter(pk__in=ids).order_by("year", "quarter", "code")


def measure_payments(*, measure: Measure) -> list[MeasurePayment]:
    """The payments made at the level of `measure`, with no project (its rows of the payments file with no
    CUP), newest release first, then by sub-measure. National figures: never attributed to a comune."""
    return list(
        MeasurePayment.objects.filter(submeasure__measure=measure)
        .select_related("submeasure")
        .order_by("-release_date", "submeasure__code")
    )


@dataclass(frozen=True)
class MeasurePaymentTotals:
    """The measure-level payments of a measure at its latest release (summed over its sub-measures)."""

    release_date: Any
    fin_totale: Decimal
    paid_total: Decimal
    paid_pnrr: Decimal

    @property
    def paid_share(self) -> float | None:
        return round(float(self.paid_total / self.fin_totale * 100), 1) if self.fin_totale else None


def measure_payment_totals(rows: list[MeasurePayment]) -> MeasurePaymentTotals | None:
    """The totals of `rows` (from `measure_payments`) at their latest release, or None without rows."""
    if not rows:
        return None
    latest = max(r.release_date for r in rows)
    current = [r for r in rows if r.release_date == latest]
    zero = Decimal(0)
    return MeasurePaymentTotals(
        release_date=latest,
        fin_totale=sum((r.fin_totale or zero for r in current), zero),
        paid_total=sum((r.paid_total or zero for r in current), zero),
        paid_pnrr=sum((r.paid_pnrr or zero for r in current), zero),
    )


def missions() -> QuerySet[PnrrMission]:
    return PnrrMission.objects.prefetch_related("components").order_by("code")


# Totals per comune / zone -----------------------------------------------------------------------------------


# Imports and data quality -----------------------------------------------------------------------------------


def import_runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("by").order_by("-started_at", "-id")


def latest_payment_release() -> Any:
    return PaymentSnapshot.objects.order_by("-release_date").values_list("release_date", flat=True).first()


# Pages and API: filtered project lists, indexes, totals of a set of projects --------------------------------
# (added for the PNRR pages and the API; the functions above are unchanged)

PROJECT_SORTS: dict[str, str] = {
    "amount": "fin_pnrr",
    "total": "fin_totale",
    "title": "title",
    "cup": "cup",
    "measure": "submeasure__code",
}
DEFAULT_PROJECT_SORT = "-amount"


def _nullable(path: str) -> bool:
    model: Any = Project
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.null:
            return True
        model = field.related_model
    return False


# The sorts whose column may be null (the amounts): the others never are.
NULLABLE_SORTS = frozenset(key for key, path in PROJECT_SORTS.items() if _nullable(path))


def project_sort_is_valid(sort: str) -> bool:
    return sort.removeprefix("-") in PROJECT_SORTS


@dataclass(frozen=True)
class ProjectFilters:
    """The filters of the project list (web page, CSV export and API). Empty values mean "any"."""

    mission: str = ""  # M1 … M7
    component: str = ""  # M1C1 …
    measure: str = ""  # Codice univoco misura, e.g. M1C1I1.02
    comune: str = ""  # ISTAT code of a place of the project (any comune of Italy)
    zone: str = ""  # slug of a zona omogenea of the territory
    body: str = ""  # implementing body: exact fiscal code or part of the name
    provenance: str = ""  # validated | universe
    amount_min: Decimal | None = None  # on the PNRR amount (fin_pnrr)
    amount_max: Decimal | None = None
    q: str = ""  # title, synthesis or CUP (contains)
    in_territory: bool = False  # only projects with a place in a comune of the loaded territory


def _located(**where: Any) -> Q:
    """The filter "has an own place (`own_places`) matching `where`", one uncorrelated `IN` per provenance:
    the places' side is read once through its own index (the ISTAT code's, the comune's) instead of once per
    project walked in the list's order (the correlated `dataset = project.provenance` forced that: 100 ms
    for a comune on the national data)."""
    located = Q()
    for provenance in Provenance.values:
        ids = Place.objects.filter(dataset=provenance, **where).values("project_id")
        located |= Q(provenance=provenance, pk__in=ids)
    return located


def _projects_filter(qs: QuerySet[Project], f: ProjectFilters) -> QuerySet[Project]:
    # The structure's filters as `submeasure_id IN (1, 2, …)`: the sub-measures read first (one query on a few
    # hundred rows), so that the planner sees the very ids and their share of the projects (with a join or a
    # subquery it guessed an average sub-measure and sorted 31,000 projects of a large measure, 190 ms,
    # instead of walking the list's order).
    structure = {
        "measure__component__mission__code": f.mission,
        "measure__component__code": f.component,
        "measure__code": f.measure,
    }
    chosen = {lookup: value.strip().upper() for lookup, value in structure.items() if value.strip()}
    if chosen:
        submeasures = list(SubMeasure.objects.filter(**chosen).values_list("pk", flat=True))
        qs = qs.filter(submeasure__in=submeasures)
    if f.comune:
        qs = qs.filter(_located(istat_code=f.comune.strip()))
    if f.zone:
        qs = qs.filter(_located(comune__zone__slug=f.zone.strip()))
    if f.in_territory:
        qs = qs.filter(_located(comune__isnull=False))
    if f.body:
        body = f.body.strip()
        bodies = ImplementingBody.objects.filter(
            models.Q(fiscal_code=body) | models.Q(name__icontains=body)
        ).values("pk")
        qs = qs.filter(implementing_body__in=bodies)
    if f.provenance in Provenance.values:
        qs = qs.filter(provenance=f.provenance)
    if f.amount_min is not None:
        qs = qs.filter(fin_pnrr__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(fin_pnrr__lte=f.amount_max)
    if f.q.strip():
        q = f.q.strip()
        qs = qs.filter(
            models.Q(title__icontains=q) | models.Q(synthesis__icontains=q) | models.Q(cup__icontains=q)
        )
    return qs


def project_order(sort: str, *, through: str = "") -> list[Any]:
    """The order of the project list; `through="project__"` orders rows of another model (places,
    payments) by their project in the very same order."""
    if not project_sort_is_valid(sort):
        sort = DEFAULT_PROJECT_SORT
    key = sort.removeprefix("-")
    column = F(through + PROJECT_SORTS[key])
    # Nulls last both ways and the primary key as tie-breaker: the same order on SQLite and PostgreSQL. A
    # column that is never null is ordered without NULLS LAST (the same rows in the same order), so that
    # PostgreSQL reads the descending orders backwards in the ascending index (`title DESC NULLS LAST` is not
    # an index order: it sorted every project, one second on the national data).
    if key not in NULLABLE_SORTS:
        first = column.desc() if sort.startswith("-") else column.asc()
    else:
        first = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
    return [first, f"{through}pk"]


def projects_filtered(
    *, filters: ProjectFilters = ProjectFilters(), sort: str = DEFAULT_PROJECT_SORT
) -> QuerySet[Project]:
    """Projects matching `filters`, with structure and body, in the order `sort` (a key of PROJECT_SORTS, "-"
    for descending; an unknown key falls back to the default)."""
    return _projects_filter(projects_for_list(), filters).order_by(*project_order(sort))


# Keyset pagination of the project list: a page is "the rows after (or before) this row" in the list's order,
# never OFFSET n (which reads and throws away n rows: 221,685 on the national data). The cursor holds the
# boundary row's sort value and primary key (the order's tie-breaker), and its position, only to print
# "shown 26-50". Null amounts sort last both ways, so a page may end with the first nulls: the non-null part
# is
# one index range (`fin_pnrr <= v`), the nulls a second query asked only when the first one ran out.


@dataclass(frozen=True)
class Cursor:
    value: Any  # the sort column's value of the boundary row (None: null)
    pk: int
    position: int  # 1-based position of that row in the whole list


def _sort_column(sort: str) -> tuple[str, bool]:
    if not project_sort_is_valid(sort):
        sort = DEFAULT_PROJECT_SORT
    return PROJECT_SORTS[sort.removeprefix("-")], sort.startswith("-")


def _column_is_decimal(column: str) -> bool:
    return "__" not in column and isinstance(Project._meta.get_field(column), models.DecimalField)


def encode_cursor(cursor: Cursor) -> str:
    value = None if cursor.value is None else str(cursor.value)
    raw = json.dumps([value, cursor.pk, cursor.position], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(raw: str, *, sort: str) -> Cursor | None:
    """The cursor of a link, or None when it is not one of ours (edited, truncated, another sort's value)."""
    if not raw or len(raw) > 1000:
        return None
    try:
        value, pk, position = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not (type(pk) is int and type(position) is int and pk > 0 and position > 0):
        return None
    if value is not None:
        if not isinstance(value, str):
            return None
        if _column_is_decimal(_sort_column(sort)[0]):
            try:
                value = Decimal(value)
            except InvalidOperation:
                return None
            if not value.is_finite():
                return None
    return Cursor(value, pk, position)


@dataclass
class KeysetPage:
    rows: list[Project]
    start: int  # position of the first row (1-based)
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1


def _sort_value(project: Project, column: str) -> Any:
    value: Any = project
    for part in column.split("__"):
        value = getattr(value, part)
    return value


def _rows(qs: QuerySet[Project], limit: int, shown: QuerySet[Project] | None = None) -> list[Project]:
    """The first `limit` rows of `qs` in its order. With `shown` (every project as the rows show them: `only`,
    joins, annotations), the keys are chosen first, in a subquery of `qs` that reads only its filter and
    order columns (on PostgreSQL an index-only scan of the amount order's covering index, `pnrr.0007`), and
    the rows of those keys alone are read from `shown`: a filter the order walks far for (a measure of many
    small projects: 11,590 index entries before its 26th project) no longer reads every skipped project's
    row, and the filters are not evaluated twice. Still one query."""
    if limit <= 0:
        return []
    if shown is None:
        return list(qs[:limit])
    keys = qs.values("pk")[:limit]
    return list(shown.filter(pk__in=keys).prefetch_related(None).order_by(*qs.query.order_by))


def keyset_page(
    qs: QuerySet[Project],
    *,
    sort: str,
    per_page: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
    shown: QuerySet[Project] | None = None,
) -> KeysetPage:
    """The page of `qs` (any filtered project queryset; its order is set here from `sort`, as
    `projects_filtered` orders) after the cursor `after`, before the cursor `before`, or the first page.
    `shown` (optional) is every project as the rows show them (`only`, annotations, prefetches; no filter, no
    slice: the page's keys and order are added to it, once per row query): the keys are then chosen from `qs`
    alone (`_rows`). Its prefetches (or `qs`'s) run once for the page's rows. At most two queries for the rows
    (plus the prefetches)."""
    column, descending = _sort_column(sort)
    field = Project._meta.get_field(column) if "__" not in column else None
    nullable = isinstance(field, models.Field) and field.null
    # The prefetches run once for the page's rows (two row queries must not prefetch twice).
    lookups = getattr(shown if shown is not None else qs, "_prefetch_related_lookups", ())
    base = qs.prefetch_related(None)
    limit = per_page + 1
    col = F(column)
    if before is not None:
        # The rows before the cursor, read backwards (the reverse order, nulls first), then put back in order.
        if nullable:
            back = base.order_by(
                col.asc(nulls_first=True) if descending else col.desc(nulls_first=True), "-pk"
            )
        else:  # never null: an index order read backwards (see `project_order`)
            back = base.order_by(col.asc() if descending else col.desc(), "-pk")
        if before.value is None:
            rows = _rows(back.filter(**{f"{column}__isnull": True, "pk__lt": before.pk}), limit, shown)
            if nullable:
                rows += _rows(back.filter(**{f"{column}__isnull": False}), limit - len(rows), shown)
        else:
            ahead = "gt" if descending else "lt"
            rows = _rows(
                back.filter(**{f"{column}__{ahead}e": before.value}).filter(
                    Q(**{f"{column}__{ahead}": before.value})
                    | Q(**{column: before.value, "pk__lt": before.pk})
                ),
                limit,
                shown,
            )
        has_previous = len(rows) > per_page
        rows = rows[:per_page][::-1]
        start = max(1, before.position - len(rows))
        has_next = True
    else:
        forward = base.order_by(*project_order(sort))
        if after is None:
            rows = _rows(forward, limit, shown)
        elif after.value is None:
            rows = _rows(forward.filter(**{f"{column}__isnull": True, "pk__gt": after.pk}), limit, shown)
        else:
            beyond = "lt" if descending else "gt"
            rows = _rows(
                forward.filter(**{f"{column}__{beyond}e": after.value}).filter(
                    Q(**{f"{column}__{beyond}": after.value}) | Q(**{column: after.value, "pk__gt": after.pk})
                ),
                limit,
                shown,
            )
            if nullable and len(rows) < limit:
                rows += _rows(forward.filter(**{f"{column}__isnull": True}), limit - len(rows), shown)
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        start = after.position + 1 if after is not None else 1
        has_previous = after is not None
    if lookups:
        prefetch_related_objects(rows, *lookups)
    page = KeysetPage(rows=rows, start=start, next_cursor=None, previous_cursor=None)
    if rows and has_next:
        last = rows[-1]
        page.next_cursor = encode_cursor(Cursor(_sort_value(last, column), last.pk, page.end))
    if rows and has_previous:
        first = rows[0]
        page.previous_cursor = encode_cursor(Cursor(_sort_value(first, column), first.pk, start))
    return page


# The columns the project tables show (`public/rows.py`) and the list's sort columns (`PROJECT_SORTS`, read
# back for the cursors): a project has some 45 columns, a page of the uncached list needs nine of them.
LIST_ROW_FIELDS = (
    "cup",
    "title",
    "provenance",
    "fin_pnrr",
    "fin_totale",
    "submeasure__code",
    "submeasure__measure__code",
    "submeasure__measure__name",
    "implementing_body__name",
)


def only_list_rows(qs: QuerySet[Project]) -> QuerySet[Project]:
    """`qs` (from `projects_for_list`) reading only what the project tables show (LIST_ROW_FIELDS)."""
    return (
        qs.select_related(None)
        .select_related("submeasure__measure", "implementing_body")
        .only(*LIST_ROW_FIELDS)
    )


_LIST_PLACE_FIELDS = ("project", "dataset", *PLACE_LABEL_FIELDS, "comune_code", "comune__codice_istat")


def with_list_places(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Prefetch each project's own places (comune name, no geometry) into `project.list_places`: only the
    columns of their label and link (`Place.label`, `public/rows.py`)."""
    own = (
        Place.objects.filter(own_places())
        .select_related("comune")
        .only(*_LIST_PLACE_FIELDS)
        .order_by("region_code", "province_code", "comune_code")
    )
    return qs.prefetch_related(Prefetch("places", queryset=own, to_attr="list_places"))


def projects_of_measure_in_territory(*, measure: Measure) -> QuerySet[Project]:
    """The measure's projects with at least one place in a comune of the loaded territory."""
    # By the measure itself (the code filter would first read its sub-measures: one more query).
    return projects_filtered(filters=ProjectFilters(in_territory=True)).filter(submeasure__measure=measure)


def measures_index() -> QuerySet[Measure]:
    """`measures_with_frame()` plus `territory_project_count`: projects located in the loaded territory."""
    located = Place.objects.filter(own_places(), comune__isnull=False).values("project_id")
    in_territory = (
        Project.objects.filter(submeasure__measure=OuterRef("pk"), pk__in=located)
        .order_by()
        .values("submeasure__measure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return measures_with_frame().annotate(territory_project_count=Coalesce(Subquery(in_territory), 0))


def area_top_projects(*, comuni: Iterable[Comune] | QuerySet[Comune], limit: int = 10) -> list[Project]:
    """The largest projects (by PNRR amount) located in `comuni`. One query (a join from the places, each
    project once: faster than `pk IN (subquery)` on the national data, see `area_totals`)."""
    qs = (
        projects_for_list()
        .filter(places__comune__in=comuni, places__dataset=F("provenance"))
        .distinct()
        .order_by(*project_order(DEFAULT_PROJECT_SORT))
    )
    return list(qs[:limit])


# Data-quality report per release and per comune ------------------------------------------------------------
# (added for the staff page /gestione/qualita-dati/; the functions above are unchanged)
#
# A row's *release* is the first successful import release (ImportRun.release_date) on or after the row's
# own data date (a project's "Data aggiornamento", or for stubs made from places the latest date of its own
# places; a place's date). Rows dated after the last release, or undated, have no release (None).


# The desk ("La mia scrivania") ------------------------------------------------------------------------------
#
# Projects carry no creation time: the import writes them in bulk with growing ids (`bulk.new_pks` never
# reuses one), so "new since a visit" is "an id above the largest one at that visit".


def latest_project_id() -> int:
    """The largest project id (0 without projects): the mark of a visit. One query."""
    return Project.objects.aggregate(top=models.Max("pk"))["top"] or 0


def projects_added_after(project_id: int) -> QuerySet[Project]:
    """The projects imported after the one with this id (see above), newest first."""
    return projects_for_list().filter(pk__gt=project_id).order_by("-pk")


def projects_added_in_comune(*, comune: Comune, after: int) -> QuerySet[Project]:
    """The projects located in this comune (own places) imported after the project with id `after`."""
    return projects_in_comuni(comuni=[comune]).filter(pk__gt=after).order_by("-pk")
