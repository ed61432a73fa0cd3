"""Factories for the models, used by every test module."""

from __future__ import annotations

import factory

from decimetro.core.models import User
from decimetro.plan.models import Component, Edition, Keyword, Mission, Objective
from decimetro.territory.models import Comune, Zone


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utente{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "una-password-molto-lunga-42")


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

    codice_istat = factory.Sequence(lambda n: f"015{n + 500:03d}")
    name = factory.Sequence(lambda n: f"Comune {n}")
    codice_catastale = factory.Sequence(lambda n: f"Z{n % 1000:03d}")
    codice_uts = "215"
    uts_name = "Milano"
    population_legal = 10000
    population_resident = 10100
    area_kmq = factory.Faker("pydecimal", left_digits=2, right_digits=4, positive=True)
    zone = factory.SubFactory(ZoneFactory)
    geometry = {"type": "Polygon", "coordinates": [[[9.0, 45.4], [9.1, 45.4], [9.1, 45.5], [9.0, 45.4]]]}
