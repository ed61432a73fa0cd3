from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.linking.models import MeasureObjective, RuleState
from decimetro.linking.services import CROSSWALK_FILE, CrosswalkError, crosswalk_load


class Command(BaseCommand):
    help = (
        "Carica le corrispondenze misura PNRR → obiettivi del piano e le approva come regole "
        '"in configurazione iniziale" (idempotente, non cancella nulla, '
        "non cambia le regole già approvate o revocate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=CROSSWALK_FILE)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="solo se nessuna corrispondenza è stata ancora approvata o revocata",
        )
        parser.add_argument(
            "--proposte", action="store_true", help="carica le righe nuove come proposte, senza approvarle"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        decided = MeasureObjective.objects.exclude(state=RuleState.PROPOSED).exists()
        if options["if_missing"] and decided:
            self.stdout.write("Regole di corrispondenza già decise: file non ricaricato.")
            return
        try:
            counts = crosswalk_load(path=options["path"], approve=not options["proposte"])
        except CrosswalkError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Corrispondenze ({options['path'].name}): create {counts['created']}, "
                f"aggiornate {counts['updated']}, invariate {counts['unchanged']}, "
                f"approvate {counts['approved']}, collegamenti per regola {counts['linked']}"
            )
        )
