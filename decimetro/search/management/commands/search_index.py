from typing import Any

from django.core.management.base import BaseCommand

from decimetro.search.indexing import index_rebuild
from decimetro.search.models import Kind


class Command(BaseCommand):
    help = (
        "Ricostruisce l'indice di ricerca: comuni, zone, piano, misure, soggetti attuatori, consultazioni, "
        "progetti."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = index_rebuild()
        parts = ", ".join(f"{Kind(k).label.lower()} {n}" for k, n in summary.counts.items())
        self.stdout.write(f"Indice di ricerca: {summary.total} documenti ({parts}).")
