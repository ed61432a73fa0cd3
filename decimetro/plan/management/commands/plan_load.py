from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.plan.models import Edition
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, PlanFileError, read_plan_file
from decimetro.plan.services import plan_load


class Command(BaseCommand):
    help = "Carica (o aggiorna) un'edizione del piano da un file YAML. Idempotente; atomico."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PLAN_FILE))
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help=(
                "non toccare un'edizione già presente "
                "(usato da `make run`, per non annullare le modifiche dello staff)"
            ),
        )

        parser.add_argument(
            "--draft",
            action="store_true",
            help="carica una nuova edizione come bozza: l'edizione corrente resta quella pubblicata",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_plan_file(options["path"])
        except PlanFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["if_missing"] and Edition.objects.filter(slug=data.edition.slug).exists():
            self.stdout.write(f"Edizione {data.edition.slug} già presente: nulla da fare.")
            return
        try:
            summary = plan_load(data=data, draft=options["draft"])
        except ValidationError as exc:  # the whole load is rolled back: nothing was written
            raise CommandError(f"{options['path']}: dati non validi, nulla è stato salvato: {exc}") from exc
        for label, bucket in (
            ("creati", summary.created),
            ("aggiornati", summary.updated),
            ("invariati", summary.unchanged),
        ):
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(bucket.items())) or "-"
            self.stdout.write(f"{label}: {detail}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Piano {data.edition.short_title} caricato: "
                f"{len(data.missions)} missioni, {len(data.components)} componenti, "
                f"{len(data.objectives)} obiettivi."
            )
        )
