"""Writes to the territory: an idempotent, atomic load from the bundled ISTAT / openpolis files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from decimetro.core.audit import audit_record
from decimetro.core.models import (
    Organisation,
    OrganisationKind,
    User,
)
from decimetro.core.permissions import ensure
from decimetro.core.services import organisation_snapshot
from decimetro.territory import sources
from decimetro.territory.models import Comune, Zone


@dataclass
class TerritoryLoadSummary:
    comuni_created: int = 0
    comuni_updated: int = 0
    comuni_unchanged: int = 0
    zones_created: int = 0
    zones_updated: int = 0
    with_geometry: int = 0


COMUNE_FIELDS = [
    "name",
    "codice_catastale",
    "codice_fiscale",
    "sigla",
    "codice_uts",
    "uts_name",
    "is_capoluogo",
    "population_legal",
    "population_resident",
    "area_kmq",
    "zone_id",
    "geometry",
]


def _snapshot(c: Comune) -> dict[str, object]:
    snap = {f: getattr(c, f) for f in COMUNE_FIELDS if f != "geometry"}
    snap["area_kmq"] = str(c.area_kmq) if c.area_kmq is not None else None
    snap["has_geometry"] = c.geometry is not None
    return snap


@transaction.atomic
def territory_load(
    *,
    uts: str,
    situas: Path = sources.SITUAS_FILE,
    population: Path = sources.POPULATION_FILE,
    zones: Path | None = None,
    geometries: Path | None = None,
    by: User | None = None,
) -> TerritoryLoadSummary:
    """Load the comuni of UTS `uts`. All files are read and checked before anything is written, and the whole
    load is one transaction: a bad file leaves the database as it was.

    `zones` and `geometries` default to the files bundled for that UTS (only Milano, 215, has them); a UTS
    without them is loaded from the SITUAS list with population and area only. Loading twice is a no-op:
    only real changes are saved, each with its audit row.
    """
    rows = sources.read_situas(situas, uts=uts)
    codes = {r.codice_istat for r in rows}
    pop = sources.read_population(population, codes=codes)
    zones = zones or sources.BUNDLED_ZONES.get(uts)
    geometries = geometries or sources.BUNDLED_GEOMETRIES.get(uts)
    zone_of = sources.read_zones(zones, codes=codes) if zones else {}
    geoms = {k: v for k, v in sources.read_geometries(geometries).items() if k in codes} if geometries else {}

    summary = TerritoryLoadSummary()
    zone_objs: dict[str, Zone] = {}
    capoluoghi = {r.name for r in rows if r.is_capoluogo}
    for name in sorted(set(zone_of.values())):
        kind = Zone.Kind.CAPOLUOGO if name in capoluoghi else Zone.Kind.ZONA_OMOGENEA
        zone, created = Zone.objects.get_or_create(
            slug=sources.zone_slug(name), defaults={"name": name, "kind": kind}
        )
        if created:
            summary.zones_created += 1
            audit_record(
                by=by,
                by_label="territory_load",
                action="zone.create",
                target=zone,
                before=None,
                after={"name": name, "kind": kind},
            )
        elif (zone.name, zone.kind) != (name, kind):
            zone_before = {"name": zone.name, "kind": zone.kind}
            zone.name, zone.kind = name, kind
            zone.save(update_fields=["name", "kind"])
            summary.zones_updated += 1
            audit_record(
                by=by,
                by_label="territory_load",
                action="zone.update",
                target=zone,
                before=zone_before,
                after={"name": name, "kind": kind},
            )
        zone_objs[name] = zone

    existing = {c.codice_istat: c for c in Comune.objects.filter(codice_istat__in=codes)}
    for r in rows:
        p = pop.get(r.codice_istat, sources.PopulationRow(None, None, None))
        values = {
            "name": r.name,
            "codice_catastale": r.codice_catastale,
            "codice_fiscale": r.codice_fiscale,
            "sigla": r.sigla,
            "codice_uts": r.codice_uts,
            "uts_name": r.uts_name,
            "is_capoluogo": r.is_capoluogo,
            "population_legal": p.population_legal,
            "population_resident": p.population_resident,
            "area_kmq": p.area_kmq,
            "zone_id": zone_objs[zone_of[r.codice_istat]].pk if r.codice_istat in zone_of else None,
            "geometry": geoms.get(r.codice_istat),
        }
        if values["geometry"] is not None:
            summary.with_geometry += 1
        comune = existing.get(r.codice_istat)
        if comune is None:
            comune = Comune(codice_istat=r.codice_istat, **values)
            comune.save()
            audit_record(
                by=by,
                by_label="territory_load",
                action="comune.create",
                target=comune,
                before=None,
                after=_snapshot(comune),
            )
            summary.comuni_created += 1
            continue
        if all(getattr(comune, k) == v for k, v in values.items()):
            summary.comuni_unchanged += 1
            continue
        before = _snapshot(comune)
        for k, v in values.items():
            setattr(comune, k, v)
        comune.save()
        audit_record(
            by=by,
            by_label="territory_load",
            action="comune.update",
            target=comune,
            before=before,
            after=_snapshot(comune),
        )
        summary.comuni_updated += 1
    return summary


ENTE_DEFAULT_NAME = "Città metropolitana di Milano"


ENTE_DEFAULT_FISCAL_CODE = "08911820960"


@dataclass(frozen=True)
class OrganisationsSetupSummary:
    ente_created: bool
    comuni_created: int
    comuni_total: int


def organisations_setup(*, by: User | None = None, uts: str | None = None) -> OrganisationsSetupSummary:
    """Create the Ente and one organisation per comune of the territory (UTS `uts`, default the configured
    one). Idempotent: what exists is left as it is. `by=None` is the system (setup_data); a person must be an
    Ente admin."""
    if by is not None:
        ensure(by, "accounts.manage")
    uts = uts or settings.DECIMETRO_TERRITORY_UTS
    with transaction.atomic():
        ente = Organisation.objects.filter(kind=OrganisationKind.ENTE).first()
        ente_created = False
        if ente is None:
            ente = Organisation.objects.create(
                kind=OrganisationKind.ENTE, name=ENTE_DEFAULT_NAME, fiscal_code=ENTE_DEFAULT_FISCAL_CODE
            )
            audit_record(by=by, action="create", target=ente, before=None, after=organisation_snapshot(ente))
            ente_created = True
        comuni = list(Comune.objects.filter(codice_uts=uts).order_by("name"))
        have = set(Organisation.objects.filter(comune__in=comuni).values_list("comune_id", flat=True))
        taken_names = set(Organisation.objects.values_list("name", flat=True))
        created = 0
        for comune in comuni:
            if comune.pk in have:
                continue
            name = f"Comune di {comune.name}"
            if name in taken_names:  # two comuni with the same name in one territory: disambiguate
                name = f"{name} ({comune.codice_istat})"
            org = Organisation.objects.create(
                kind=OrganisationKind.COMUNE,
                comune=comune,
                name=name,
                fiscal_code=comune.codice_fiscale,
            )
            taken_names.add(name)
            audit_record(by=by, action="create", target=org, before=None, after=organisation_snapshot(org))
            created += 1
    return OrganisationsSetupSummary(
        ente_created=ente_created, comuni_created=created, comuni_total=len(comuni)
    )
