from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.linking.models import MeasureObjective
from decimetro.linking.services import CROSSWALK_FILE, CrosswalkError, crosswalk_load


class Command(BaseCommand):
    help = "Carica le corrispondenze misura PNRR → obiettivi del piano (idempotente, non cancella nulla)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=CROSSWALK_FILE)
        parser.add_argument("--if-missing", action="store_true", help="solo se la tabella è vuota")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and MeasureObjective.objects.exists():
            self.stdout.write("Corrispondenze già presenti: file non ricaricato.")
            return
        try:
            counts = crosswalk_load(path=options["path"])
        except CrosswalkError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Corrispondenze ({options['path'].name}): create {counts['created']}, "
                f"aggiornate {counts['updated']}, invariate {counts['unchanged']}"
            )
        )
