"""Development only: two demo consultations (one open, one closed) and a demo DUP for Milano, written through
the services by the demo Ente administrator (so they are audited). Idempotent."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from decimetro.core.models import Organisation, User
from decimetro.participation.models import Audience, Consultation, DupObjective
from decimetro.participation.services_consultations import consultation_close, consultation_create
from decimetro.participation.services_dup import dup_objective_create
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Mission, Objective

DEMO_PREFIX = "[demo]"


class Command(BaseCommand):
    help = "SOLO SVILUPPO: crea due consultazioni dimostrative e un DUP dimostrativo per Milano."

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) or not settings.DEBUG:
            raise CommandError("demo_participation gira solo in sviluppo (DEBUG attivo).")
        admin = User.objects.filter(username="admin.ente").first()
        edition = plan_sel.current_edition()
        if admin is None or edition is None:
            self.stdout.write("demo_participation: manca admin.ente o il piano, nulla da fare.")
            return
        today = timezone.localdate()
        if not Consultation.objects.filter(title__startswith=DEMO_PREFIX).exists():
            objective = (
                Objective.objects.filter(edition=edition).order_by("mission__number", "number").first()
            )
            mission = Mission.objects.filter(edition=edition).order_by("number").last()
            consultation_create(
                by=admin,
                title=f"{DEMO_PREFIX} Mobilità sostenibile: le vostre proposte",
                text="L'Ente raccoglie osservazioni e proposte di progetti o indicatori su questo obiettivo.",
                subject=objective,
                opens_on=today - datetime.timedelta(days=3),
                closes_on=today + datetime.timedelta(days=30),
                audience=Audience.ALL,
            )
            closed = consultation_create(
                by=admin,
                title=f"{DEMO_PREFIX} Consultazione conclusa sulla missione",
                text="Consultazione chiusa: non accetta più osservazioni.",
                subject=mission,
                opens_on=today - datetime.timedelta(days=60),
                closes_on=today - datetime.timedelta(days=30),
                audience=Audience.KINDS,
                kinds=["comune", "body"],
            )
            consultation_close(by=admin, consultation=closed)
            self.stdout.write("Consultazioni dimostrative create.")
        milano = Organisation.objects.filter(comune__codice_istat="015146").first()
        if milano is not None and not DupObjective.objects.filter(organisation=milano).exists():
            objectives = list(Objective.objects.filter(edition=edition).order_by("mission__number", "number"))
            for i, (code, title) in enumerate(
                [("SO.1", "Milano città dei 15 minuti"), ("SO.2", "Transizione ecologica e verde urbano")]
            ):
                dup_objective_create(
                    by=admin,
                    organisation=milano,
                    code=code,
                    title=title,
                    dup_mission=str(9 + i),
                    year_from=today.year,
                    year_to=today.year + 2,
                    plan_objectives=objectives[i * 5 : i * 5 + 3],
                )
            self.stdout.write("DUP dimostrativo di Milano creato.")
