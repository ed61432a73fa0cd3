from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from decimetro.territory.models import Comune, Zone

COMUNE_SORTS = {
    "name": "name", "-name": "-name",
    "population": "population_resident", "-population": "-population_resident",
    "area": "area_kmq", "-area": "-area_kmq",
    "zone": "zone__name", "-zone": "-zone__name",
    "code": "codice_istat", "-code": "-codice_istat",
}


def comuni_of_territory() -> QuerySet[Comune]:
    return Comune.objects.filter(codice_uts=settings.DECIMETRO_TERRITORY_UTS)


def comuni_list(*, q: str | None = None, zone: str | None = None, sort: str = "name") -> QuerySet[Comune]:
    qs = comuni_of_territory().select_related("zone").defer("geometry")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(codice_istat=q) | Q(codice_catastale__iexact=q))
    if zone:
        qs = qs.filter(zone__slug=zone)
    return qs.order_by(COMUNE_SORTS.get(sort, "name"), "name")


def zones_with_totals() -> QuerySet[Zone]:
    return Zone.objects.annotate(
        comuni_count=Count("comuni"),
        population=Sum("comuni__population_resident"),
        area=Sum("comuni__area_kmq"),
    ).order_by("kind", "name")
