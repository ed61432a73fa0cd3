"""`manage.py monitoring_remind`: e-mail the owners of indicators whose value is due and missing (once per
due date; safe to run every day, e.g. from cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decimetro.monitoring.services import indicator_reminders_send


class Command(BaseCommand):
    help = "Invia un promemoria ai responsabili degli indicatori il cui valore è atteso e mancante."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", type=date.fromisoformat, help="data di riferimento AAAA-MM-GG (default oggi)"
        )
        parser.add_argument(
            "--base-url", default="", help="indirizzo del sito per i link (default: DECIMETRO_SITE_URL)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = indicator_reminders_send(today=options["date"], base_url=options["base_url"])
        self.stdout.write(
            f"promemoria: {result.emails} email, {result.indicators} indicatori, "
            f"{result.already_sent} già inviati in precedenza"
        )
        for username in result.no_email:
            self.stderr.write(f"responsabile senza email: {username}")
