from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.linking.evaluation import VARIANTS, GoldError, evaluate, read_gold

DEFAULT_GOLD = Path(settings.BASE_DIR) / "tests" / "linking" / "data" / "gold_objectives.csv"


class Command(BaseCommand):
    help = "Recall@1 e recall@3 dei suggerimenti di obiettivo sull'insieme etichettato a mano."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="file CSV etichettato")
        parser.add_argument("--misses", action="store_true", help="elenca i progetti mancati nei primi 3")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            gold = read_gold(options["gold"])
        except (OSError, GoldError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Insieme etichettato: {options['gold'].name}, {len(gold)} progetti")
        self.stdout.write(f"{'variante':<22} {'progetti':>8} {'recall@1':>9} {'recall@3':>9}")
        for variant, label in VARIANTS.items():
            result = evaluate(gold, variant=variant)
            self.stdout.write(
                f"{variant:<22} {result.total:>8} {result.recall1:>9.3f} {result.recall3:>9.3f}   ({label})"
            )
            if result.missing:
                self.stderr.write(
                    f"  {len(result.missing)} progetti non trovati: {'; '.join(result.missing[:5])}"
                )
            if options["misses"]:
                for row, codes in result.misses:
                    gold_codes = "/".join(row.objectives)
                    self.stdout.write(
                        f"  mancato riga {row.line} {row.submeasure} oro={gold_codes} top3={codes}"
                    )
