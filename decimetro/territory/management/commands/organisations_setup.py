from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from decimetro.territory.services import organisations_setup


class Command(BaseCommand):
    help = "Crea l'organizzazione dell'Ente e una per ogni comune del territorio. Idempotente."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--uts", default=settings.DECIMETRO_TERRITORY_UTS, help="codice UTS ISTAT")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = organisations_setup(uts=options["uts"])
        self.stdout.write(
            f"Organizzazioni: Ente {'creato' if summary.ente_created else 'già presente'}, "
            f"comuni creati {summary.comuni_created} su {summary.comuni_total}."
        )
