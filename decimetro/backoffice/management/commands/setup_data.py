from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Carica i dati di base per `make run`: il piano (se assente) e il territorio. Idempotente."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("plan_load", if_missing=True, stdout=self.stdout)
        call_command("territory_load", stdout=self.stdout)
        # The bundled PNRR extract for the territory; files already imported (same checksum) are skipped. No
        # suggestions' refresh task: `linking_suggest` below does it once the crosswalk rules are loaded.
        call_command("pnrr_import", bundled=True, skip_imported=True, no_refresh=True, stdout=self.stdout)
        # The PNRR component classifier (linking), trained on the bundled extract when no model is installed.
        call_command("linking_train", bundled=True, if_missing=True, stdout=self.stdout)
        # The measure → objective crosswalk, approved as rules "in configurazione iniziale" (only while no
        # rule was ever approved or revoked: staff decisions stay) and its projects linked; then the
        # suggestions if none exist, else only the approved rules (a re-import's projects get their links).
        call_command("linking_crosswalk_load", if_missing=True, stdout=self.stdout)
        call_command("linking_suggest", if_missing=True, stdout=self.stdout)
        # The organisations of the actors: the Ente and one per comune of the territory (idempotent).
        call_command("organisations_setup", stdout=self.stdout)
        # The heavy pages' figures for the data just loaded (production: `DECIMETRO_PRECOMPUTED_FIGURES`).
        call_command("insights_precompute", if_enabled=True, stdout=self.stdout)
        self.demo_data()
        # The search index over all of the above (later imports and edits refresh it by tasks).
        call_command("search_index", stdout=self.stdout)

    def demo_data(self) -> None:
        """Development only (never in production, never in tests where DEBUG is off): demo accounts, one per
        persona, with their passwords printed here, and their consultations. In production the accounts would
        be open doors (their passwords are in the log): refused, and said."""
        if getattr(settings, "PRODUCTION", False):
            self.stdout.write(
                "Produzione: nessun account dimostrativo creato (le loro password sarebbero note); "
                "il primo amministratore con `manage.py createsuperuser`."
            )
        elif settings.DEBUG:
            call_command("demo_users", stdout=self.stdout)
            call_command("demo_participation", stdout=self.stdout)
