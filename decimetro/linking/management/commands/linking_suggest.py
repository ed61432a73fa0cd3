from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decimetro.linking.models import LinkOrigin, ProjectObjectiveLink
from decimetro.linking.services import links_apply_rules, links_suggest_all


class Command(BaseCommand):
    help = (
        "Suggerisce gli obiettivi del piano per i progetti PNRR del territorio (o tutti con --all). "
        "Le decisioni del personale (confermati/respinti) restano; i suggerimenti superati sono sostituiti; "
        "i progetti delle misure con una regola approvata sono collegati per regola."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="tutti i progetti, anche fuori dal territorio")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help=(
                "solo se non esiste ancora alcun suggerimento o decisione (i collegamenti per regola non "
                "contano); altrimenti applica soltanto le regole approvate (per i progetti nuovi)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and ProjectObjectiveLink.objects.exclude(origin=LinkOrigin.RULE).exists():
            rules = links_apply_rules(by=None)
            self.stdout.write(
                "Collegamenti già presenti: suggerimenti non ricalcolati; regole approvate applicate "
                f"(collegamenti per regola nuovi {rules.rule_linked}, ritirati {rules.rule_withdrawn})."
            )
            return
        summary = links_suggest_all(by=None, everything=options["all"], progress=self._progress())
        if hasattr(self.stdout, "isatty") and self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Suggerimenti: progetti {summary.projects}, creati {summary.created}, "
                f"aggiornati {summary.updated}, invariati {summary.unchanged}, superati {summary.withdrawn}, "
                f"decisioni del personale mantenute {summary.kept_decisions}, "
                f"progetti senza suggerimento {summary.without_suggestion}, "
                f"collegamenti per regola nuovi {summary.rule_linked}, ritirati {summary.rule_withdrawn}"
            )
        )

    def _progress(self) -> Any:
        interactive = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        last = {"step": -1}

        def show(done: int, total: int) -> None:
            if not interactive or not total:
                return
            step = int(done / total * 20)
            if step == last["step"] and done != total:
                return
            last["step"] = step
            bar = "#" * step + "." * (20 - step)
            self.stdout.write(f"\r  progetti [{bar}] {done}/{total}", ending="")
            sys.stdout.flush()

        return show
