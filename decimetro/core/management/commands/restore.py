"""`manage.py restore PATH [--noinput] [--force]`: an archive of `manage.py backup` back into the instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from decimetro.core.backup import BackupError, archive_verify, backup_restore


class Command(BaseCommand):
    help = (
        "Ripristina un archivio di `manage.py backup` in un database vuoto (con --force anche in uno che ha "
        "già dati, sostituendoli), dopo averne verificato i checksum; ripristina anche i file caricati e i "
        "modelli. Fermare prima il sito e il worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="archivio scritto da `manage.py backup`")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="non chiedere conferma")
        parser.add_argument(
            "--force", action="store_true", help="sostituisce il contenuto di un database che non è vuoto"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            check = archive_verify(path)
            self.stdout.write(
                f"Archivio verificato: {len(check.manifest['files'])} file, database {check.vendor}, "
                f"creato il {check.manifest.get('created_at', '?')}."
            )
            if not options["noinput"]:
                name = connection.settings_dict["NAME"]
                answer = input(f"Ripristinare l'archivio nel database {name}? Scrivere 'si' per continuare: ")
                if answer.strip().lower() not in {"si", "sì"}:
                    raise CommandError("Ripristino annullato.")
            summary = backup_restore(path, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Ripristino completato in {summary.seconds:.1f} s: database {summary.vendor}, "
            f"{summary.media_files} file caricati, {summary.model_files} file di modelli."
        )
        if summary.pending_migrations:
            self.stdout.write(
                f"Il database ha {summary.pending_migrations} migrazioni da applicare: eseguire "
                "`manage.py migrate`."
            )
