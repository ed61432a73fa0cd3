from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Carica i dati di base per `make run`: il piano (se assente) e il territorio. Idempotente."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("plan_load", if_missing=True, stdout=self.stdout)
        call_command("territory_load", stdout=self.stdout)
        # The bundled PNRR extract for the territory; files already imported (same checksum) are skipped.
        call_command("pnrr_import", bundled=True, skip_imported=True, stdout=self.stdout)
