"""Re-encode the verification photos stored before uploads were cleaned: drop their EXIF/GPS metadata.

Run once after upgrading (a second run changes nothing): `manage.py participation_clean_photos`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from decimetro.participation.services_verification import photos_clean_stored


class Command(BaseCommand):
    help = "Riscrive le foto delle verifiche già caricate senza metadati (EXIF, posizione GPS)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = photos_clean_stored()
        self.stdout.write(
            f"Foto ripulite: {summary.cleaned}; già pulite: {summary.already_clean}; "
            f"non leggibili: {len(summary.unreadable)}."
        )
        for name in summary.unreadable:
            self.stdout.write(f"  non leggibile: {name}")
