"""`manage.py backup PATH`: the database, the uploaded files and the trained models in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Scrive un archivio (.tar, .tar.gz o .tgz) con il database (pg_dump o backup online di SQLite), "
        "i file caricati (MEDIA_ROOT), i modelli addestrati (DECIMETRO_MODEL_DIR) e un manifest con versioni "
        "e checksum. Se PATH è una cartella, vi scrive decimetro-AAAAMMGG-HHMMSS.tar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="file dell'archivio da creare, o cartella")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_write(options["path"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup scritto: {summary.path} ({summary.size / 1_000_000:.1f} MB, {summary.files} file, "
            f"database {summary.vendor}) in {summary.seconds:.1f} s."
        )
