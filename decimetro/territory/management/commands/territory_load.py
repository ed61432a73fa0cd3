from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.territory import sources
from decimetro.territory.services import territory_load


class Command(BaseCommand):
    help = (
        "Carica i comuni del territorio (codice UTS ISTAT) con popolazione, superficie, zone e confini. "
        "Idempotente: una seconda esecuzione non cambia nulla. Un file non valido non modifica il database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--uts",
            default=settings.DECIMETRO_TERRITORY_UTS,
            help="codice UTS ISTAT (215 = Città metropolitana di Milano; default: DECIMETRO_TERRITORY_UTS)",
        )
        parser.add_argument("--situas", type=Path, default=sources.SITUAS_FILE, help="elenco comuni SITUAS")
        parser.add_argument("--population", type=Path, default=sources.POPULATION_FILE)
        parser.add_argument(
            "--zones",
            type=Path,
            default=None,
            help="CSV codice_istat,zona_omogenea (predefinito: incluso per 215)",
        )
        parser.add_argument(
            "--geometries",
            type=Path,
            default=None,
            help="GeoJSON dei confini comunali (predefinito: incluso per 215)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        uts = o["uts"]
        try:
            s = territory_load(
                uts=uts,
                situas=o["situas"],
                population=o["population"],
                zones=o["zones"],
                geometries=o["geometries"],
            )
        except sources.TerritoryDataError as exc:
            raise CommandError(str(exc)) from exc
        total = s.comuni_created + s.comuni_updated + s.comuni_unchanged
        self.stdout.write(
            self.style.SUCCESS(
                f"Territorio UTS {uts}: {total} comuni (creati {s.comuni_created}, "
                f"aggiornati {s.comuni_updated}, invariati {s.comuni_unchanged}); "
                f"zone create {s.zones_created}, aggiornate {s.zones_updated}; con confini {s.with_geometry}."
            )
        )
