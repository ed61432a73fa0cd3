"""Factories for the models, used by every test module."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from decimetro.core.models import Membership, Organisation, OrganisationKind, Role, User
from decimetro.plan.models import Component, Edition, Keyword, Mission, Objective
from decimetro.pnrr import models as pnrr
from decimetro.pnrr.models import Provenance
from decimetro.pnrr.quality import QUALITY_CHECKS
from decimetro.territory.models import Comune, Zone


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"utente{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # Hashed before the save (a post-generation set_password was never saved, so the session hash of a
    # force_login'd user did not match the stored one and the user was logged out on the next request).
    password = factory.django.Password("una-password-molto-lunga-42")


class StaffFactory(UserFactory):
    is_staff = True


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        django_get_or_create = ("slug",)

    slug = "test-edition"
    title = "Piano di prova"
    short_title = "Piano prova"
    ente = "Città metropolitana di Milano"
    year_start = 2022
    year_end = 2024
    is_current = True


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    edition = factory.SubFactory(EditionFactory)
    slug = factory.Sequence(lambda n: f"parola-{n}")
    name = factory.Sequence(lambda n: f"Parola {n}")
    position = factory.Sequence(lambda n: n + 1)


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    edition = factory.SubFactory(EditionFactory)
    number = factory.Sequence(lambda n: (n % 6) + 1)
    code = factory.LazyAttribute(lambda m: f"M{m.number}")
    title = factory.LazyAttribute(lambda m: f"Missione {m.number}")
    matrix_title = factory.LazyAttribute(lambda m: m.title)
    introduction = "Introduzione della missione con **testo evidenziato**."


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    edition = factory.SelfAttribute("mission.edition")
    mission = factory.SubFactory(MissionFactory)
    code = factory.Sequence(lambda n: f"M1C{n % 10}")
    title = factory.Sequence(lambda n: f"Componente {n}")
    position = factory.Sequence(lambda n: n + 1)
    citta_metropolitana = True


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    edition = factory.SelfAttribute("mission.edition")
    mission = factory.SubFactory(MissionFactory)
    number = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"{o.mission.code}.{o.number}")
    title = factory.Sequence(lambda n: f"Obiettivo strategico di prova numero {n}")
    citta_metropolitana = True
    comuni = False
    corpi_intermedi = False


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"Zona {n}")
    slug = factory.Sequence(lambda n: f"zona-{n}")


class ComuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comune

    # Six digits like the real codes (the column is 6 wide), never a real one: province 9xx does not exist.
    codice_istat = factory.Sequence(lambda n: f"9{n % 100000:05d}")
    name = factory.Sequence(lambda n: f"Comune {n}")
    codice_catastale = factory.Sequence(lambda n: f"Z{n % 1000:03d}")
    codice_uts = "215"
    uts_name = "Milano"
    population_legal = 10000
    population_resident = 10100
    area_kmq = factory.Faker("pydecimal", left_digits=2, right_digits=4, positive=True)
    zone = factory.SubFactory(ZoneFactory)
    geometry = {"type": "Polygon", "coordinates": [[[9.0, 45.4], [9.1, 45.4], [9.1, 45.5], [9.0, 45.4]]]}


# PNRR ------------------------------------------------------------------------------------------


class PnrrMissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.PnrrMission
        django_get_or_create = ("code",)

    code = "M1"
    name = "Digitalizzazione, innovazione, competitività e cultura"


class PnrrComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.PnrrComponent
        django_get_or_create = ("code",)

    mission = factory.SubFactory(PnrrMissionFactory)
    code = factory.LazyAttribute(lambda c: f"{c.mission.code}C1")
    name = "Digitalizzazione, innovazione e sicurezza nella PA"


class PnrrMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.Measure
        django_get_or_create = ("code",)

    component = factory.SubFactory(PnrrComponentFactory)
    code = factory.LazyAttribute(lambda m: f"{m.component.code}I1.02")
    name = "Abilitazione al cloud per le PA locali"
    kind = "Investimento"


class SubMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.SubMeasure
        django_get_or_create = ("code",)

    measure = factory.SubFactory(PnrrMeasureFactory)
    code = factory.LazyAttribute(lambda s: f"{s.measure.code}.00")
    name = factory.LazyAttribute(lambda s: s.measure.name)
    amount_total = Decimal("1000000000.00")
    in_frame = True


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.Milestone
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"M1C1-{n + 100}")
    kind = pnrr.Milestone.Kind.TARGET
    name = factory.Sequence(lambda n: f"Servizi migrati al cloud {n}")
    unit = "Numero"
    baseline = Decimal("0")
    target_value = Decimal("12464")
    quarter = "Q2"
    year = 2026

    @factory.post_generation
    def submeasures(self, create, extracted, **kwargs):
        if create and extracted:
            self.submeasures.set(extracted)


class ImplementingBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.ImplementingBody
        django_get_or_create = ("fiscal_code",)

    fiscal_code = factory.Sequence(lambda n: f"{n + 1:011d}")
    name = factory.Sequence(lambda n: f"COMUNE DI PROVA {n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A validated project; its places come from PlaceFactory (none by default)."""

    class Meta:
        model = pnrr.Project

    cup = factory.Sequence(lambda n: f"B11C22{n:09d}")
    local_code = factory.LazyAttribute(lambda p: f"PRJ_{p.cup}")
    submeasure = factory.SubFactory(SubMeasureFactory)
    provenance = pnrr.Provenance.VALIDATED
    title = factory.Sequence(lambda n: f"Migrazione al cloud dei servizi n. {n}")
    synthesis = "Migrazione al cloud dei servizi digitali dell'amministrazione."
    fin_pnrr = Decimal("100000.00")
    fin_totale = Decimal("120000.00")
    fin_comune = Decimal("20000.00")
    implementing_body = factory.SubFactory(ImplementingBodyFactory)
    updated_on = datetime.date(2023, 2, 21)


class PlaceFactory(factory.django.DjangoModelFactory):
    """A place in a comune (pass comune=...; istat and codes follow it). For a national row pass
    comune=None, istat_code="", region_code="0"."""

    class Meta:
        model = pnrr.Place

    project = factory.SubFactory(ProjectFactory)
    dataset = factory.SelfAttribute("project.provenance")
    comune = factory.SubFactory(ComuneFactory)
    istat_code = factory.LazyAttribute(lambda p: p.comune.codice_istat if p.comune else "")
    region_code = "3"
    region_name = "LOMBARDIA"
    # The ISTAT code is province (3 digits) + comune (3 digits): a factory comune (9nnnnn) never shares both
    # with another comune, so two places of one project never collide on the place key.
    province_code = factory.LazyAttribute(lambda p: str(int(p.istat_code[:3])) if p.istat_code else "15")
    province_name = "MILANO"
    comune_code = factory.LazyAttribute(lambda p: str(int(p.istat_code[3:])) if p.istat_code else "0")
    comune_name = factory.LazyAttribute(lambda p: p.comune.name.upper() if p.comune else "")


class PaymentSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.PaymentSnapshot

    project = factory.SubFactory(ProjectFactory)
    release_date = datetime.date(2025, 3, 31)
    fin_totale = factory.SelfAttribute("project.fin_totale")
    fin_pnrr = factory.SelfAttribute("project.fin_pnrr")
    paid_total = Decimal("60000.00")
    paid_pnrr = Decimal("50000.00")


class MeasurePaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.MeasurePayment

    submeasure = factory.SubFactory(SubMeasureFactory)
    release_date = datetime.date(2025, 3, 31)
    fin_totale = Decimal("13950000000.00")
    fin_pnrr = Decimal("13950000000.00")
    paid_total = Decimal("13950000000.00")
    paid_pnrr = Decimal("13950000000.00")


class ImportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pnrr.ImportRun

    file_name = factory.Sequence(lambda n: f"progetti_{n}.csv.gz")
    checksum = factory.Sequence(lambda n: f"{n:064x}")
    kind = "progetti"
    release_date = datetime.date(2023, 2, 24)
    rows_read = 10
    inserted = 10
    status = pnrr.ImportRun.Status.OK
    by_label = "manage.py"


# Actors -----------------------------------------------------------------------------------------------


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.BODY
    name = factory.Sequence(lambda n: f"Associazione {n}")
    email = factory.LazyAttribute(lambda o: f"org{o.name.split()[-1]}@example.org")


class EnteFactory(OrganisationFactory):
    kind = OrganisationKind.ENTE
    name = "Città metropolitana di Milano"
    fiscal_code = "08911820960"

    class Meta:
        model = Organisation
        django_get_or_create = ("name",)


class ComuneOrganisationFactory(OrganisationFactory):
    """The organisation of a comune: pass comune=…; its name follows the comune's."""

    kind = OrganisationKind.COMUNE
    comune = factory.SubFactory(ComuneFactory)
    name = factory.LazyAttribute(lambda o: f"Comune di {o.comune.name}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.EDITOR


# Monitoring -------------------------------------------------------------------------------------------------


class IndicatorFactory(factory.django.DjangoModelFactory):
    """An indicator of the whole territory, higher is better, 0 → 100 over 2024-2026, yearly, owned."""

    class Meta:
        model = "monitoring.Indicator"

    code = factory.Sequence(lambda n: f"IND-{n}")
    objective = factory.SubFactory(ObjectiveFactory)
    name = factory.Sequence(lambda n: f"Indicatore di prova {n}")
    unit = "%"
    source = "Fonte di prova"
    baseline_value = 0
    baseline_date = datetime.date(2024, 1, 1)
    target_value = 100
    target_date = datetime.date(2026, 12, 31)
    polarity = "higher"
    frequency = "yearly"
    owner = factory.SubFactory(UserFactory)


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "monitoring.IndicatorValue"

    indicator = factory.SubFactory(IndicatorFactory)
    date = datetime.date(2025, 1, 1)
    value = 10


# The data-quality scenario (the PNRR report and its back-office page) ---------------------------------------

QUALITY_FEB = datetime.date(2023, 2, 24)  # release of the validated files
QUALITY_MAR = datetime.date(2023, 3, 1)  # release of the universe places


def plant_quality_problems(n: int = 1) -> dict[str, Any]:
    """Two releases, two comuni of the territory, clean projects of every kind of place, and `n` planted
    problems per check (the CUPs of each are returned)."""
    ImportRunFactory(release_date=QUALITY_FEB)
    ImportRunFactory(release_date=QUALITY_MAR, kind="localizzazioni_universo")
    ImportRunFactory(release_date=datetime.date(2023, 4, 1), status="rejected")  # not a release
    a = ComuneFactory(codice_istat="015146", name="Milano")
    b = ComuneFactory(codice_istat="015118", name="Garbagnate Milanese")
    # Clean: a place in the territory, a national row, a real comune outside the territory (Agliè, TO).
    PlaceFactory(project=ProjectFactory(cup="B11C23000000001"), comune=a)
    PlaceFactory(
        project=ProjectFactory(cup="B11C23000000002"),
        comune=None,
        istat_code="",
        region_code="0",
        region_name="AMBITO NAZIONALE",
    )
    PlaceFactory(
        project=ProjectFactory(cup="B11C23000000003"),
        comune=None,
        istat_code="001001",
        region_code="1",
        province_code="1",
        comune_name="AGLIE'",
    )
    planted: dict[str, list[str]] = {check: [] for check in QUALITY_CHECKS}
    for i in range(n):
        no_place = ProjectFactory(cup=f"J10A23{i:09d}")
        planted["senza_luogo"].append(no_place.cup)
        cup = f"D20B23{i:09d}"
        for local in ("LOC-1", "LOC-2"):
            PlaceFactory(project=ProjectFactory(cup=cup, local_code=local), comune=a)
        planted["cup_duplicato"] += [cup, cup]
        over = ProjectFactory(
            cup=f"E30C23{i:09d}", fin_pnrr=Decimal("200000.00"), fin_totale=Decimal("120000.00")
        )
        PlaceFactory(project=over, comune=b)
        planted["pnrr_maggiore_del_totale"].append(over.cup)
        ghost = ProjectFactory(cup=f"F40D23{i:09d}")
        PlaceFactory(project=ghost, comune=b)  # a good place, and an unknown one
        PlaceFactory(
            project=ghost,
            comune=None,
            istat_code=f"99999{i}",
            province_code="99",
            comune_code=str(900 + i),
            comune_name="COMUNE FANTASMA",
        )
        planted["istat_sconosciuto"].append(ghost.cup)
        universe = ProjectFactory(
            cup=f"G50E23{i:09d}", provenance=Provenance.UNIVERSE, title="", updated_on=None
        )
        PlaceFactory(project=universe, comune=b, updated_on=QUALITY_MAR)
        planted["solo_universo"].append(universe.cup)
    return {"a": a, "b": b, "planted": planted}
