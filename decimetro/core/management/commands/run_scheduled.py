"""`manage.py run_scheduled daily`: the one entry point for cron or a systemd timer (`core.scheduling`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decimetro.core.scheduling import SCHEDULES, scheduled_tasks


class Command(BaseCommand):
    help = (
        "Accoda le attività pianificate (promemoria degli indicatori, controllo dell'aggiornamento dei "
        "dati): da eseguire una volta al giorno con cron o un timer systemd. Con --now le esegue subito qui."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schedule", choices=SCHEDULES)
        parser.add_argument("--now", action="store_true", help="esegue qui, senza passare dalla coda")

    def handle(self, *args: Any, **options: Any) -> None:
        for task in scheduled_tasks(options["schedule"]):
            if options["now"]:
                value = task.call()
                self.stdout.write(f"{task.name}: eseguita ({value})")
            else:
                result = task.enqueue()
                self.stdout.write(f"{task.name}: accodata ({result.id})")
