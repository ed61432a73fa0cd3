"""Reads of the territory: one query per page or API answer."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, F, OrderBy, Q, QuerySet, Sum

from decimetro.territory.models import Comune, Zone

# URL value of `?ordina=` → model field. "-x" sorts descending.
COMUNE_SORTS = {
    "name": "name",
    "code": "codice_istat",
    "zone": "zone__name",
    "population": "population_resident",
    "area": "area_kmq",
}
DEFAULT_SORT = "name"


def comune_sort_is_valid(sort: str) -> bool:
    return sort.removeprefix("-") in COMUNE_SORTS


def _order_by(sort: str) -> OrderBy:
    """Missing values (no zone, no population) go last in both directions, on every database."""
    field = COMUNE_SORTS.get(sort.removeprefix("-"), COMUNE_SORTS[DEFAULT_SORT])
    if sort.startswith("-"):
        return F(field).desc(nulls_last=True)
    return F(field).asc(nulls_last=True)


def comuni_of_territory() -> QuerySet[Comune]:
    """The comuni of the territory the site is about (setting DECIMETRO_TERRITORY_UTS)."""
    return Comune.objects.filter(codice_uts=settings.DECIMETRO_TERRITORY_UTS)


def comune_by_name(name: str) -> Comune | None:
    """The comune of the territory called `name` (any case), or the only one whose name contains it; None
    when there is none or several (the "find your comune" box of the map falls back on the list)."""
    comuni = comuni_of_territory().only("codice_istat", "name")
    exact = list(comuni.filter(name__iexact=name)[:2])
    if len(exact) == 1:
        return exact[0]
    partial = list(comuni.filter(name__icontains=name)[:2])
    return partial[0] if len(partial) == 1 else None


def comuni_list(
    *, q: str | None = None, zone: str | None = None, sort: str = DEFAULT_SORT
) -> QuerySet[Comune]:
    """Comuni for a table: searched by name (contains), ISTAT code (prefix) or cadastral code (exact),
    filtered by zone slug, sorted by `sort` (a key of COMUNE_SORTS, "-" for descending), ties by name."""
    qs = comuni_of_territory().select_related("zone").defer("geometry")
    q = (q or "").strip()
    if q:
        match = Q(name__icontains=q) | Q(codice_catastale__iexact=q)
        if q.isdigit():
            match |= Q(codice_istat__startswith=q)
        qs = qs.filter(match)
    if zone:
        qs = qs.filter(zone__slug=zone)
    return qs.order_by(_order_by(sort), "name", "codice_istat")


def comune_detail() -> QuerySet[Comune]:
    return comuni_of_territory().select_related("zone")


def comuni_for_map() -> QuerySet[Comune]:
    """Comuni with their geometry and zone, for the GeoJSON feed."""
    return comuni_of_territory().select_related("zone").order_by("name", "codice_istat")


def zones_with_totals() -> QuerySet[Zone]:
    """The zones of the territory with their number of comuni, resident population and area.
    Filtering on the comuni before annotating makes the totals count only the territory's comuni."""
    return (
        Zone.objects.filter(comuni__codice_uts=settings.DECIMETRO_TERRITORY_UTS)
        .annotate(
            comuni_count=Count("comuni"),
            population=Sum("comuni__population_resident"),
            area=Sum("comuni__area_kmq"),
        )
        .order_by("kind", "name")
    )
