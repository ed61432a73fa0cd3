from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decimetro.insights.cache import precomputed_enabled
from decimetro.insights.precomputed import precompute_figures


class Command(BaseCommand):
    help = (
        "Ricalcola subito le cifre delle pagine pesanti (home, missioni, obiettivi, comuni, zone, mappa) "
        "per i dati attuali. Idempotente."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-enabled",
            action="store_true",
            help="solo se le cifre sono precalcolate in questa istanza (DECIMETRO_PRECOMPUTED_FIGURES)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_enabled"] and not precomputed_enabled():
            self.stdout.write("Cifre precalcolate non attive (DECIMETRO_PRECOMPUTED_FIGURES): nulla da fare.")
            return
        start = time.perf_counter()
        r = precompute_figures()
        self.stdout.write(
            f"Cifre ricalcolate: {r.pages} calcoli, {r.stored} salvate, {r.removed} rimosse "
            f"— {time.perf_counter() - start:.1f} s"
        )
