from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.pnrr.services import BUNDLED_FILES, ImportRejected, ImportSummary, pnrr_import_file
from decimetro.pnrr.signals import imports_done


class Command(BaseCommand):
    help = (
        "Importa file open data PNRR di Italia Domani (.csv o .csv.gz): progetti, localizzazioni validate o "
        "universo, pagamenti, quadro finanziario, milestone e target. "
        "Il tipo è riconosciuto dall'intestazione."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument(
            "--bundled",
            action="store_true",
            help="importa l'estratto per il territorio incluso in decimetro/pnrr/data",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="importa le righe valide e scrive le scartate nel file degli scarti",
        )
        parser.add_argument(
            "--reject-file",
            type=Path,
            default=None,
            help="CSV degli scarti (predefinito: <nome file>.scarti.csv nella cartella corrente); "
            "con più file, il nome del file viene aggiunto",
        )
        parser.add_argument(
            "--skip-imported",
            action="store_true",
            help="salta i file già importati (stessa impronta SHA-256)",
        )
        parser.add_argument(
            "--no-refresh",
            action="store_true",
            help="non accoda l'aggiornamento dei suggerimenti dei collegamenti dopo l'importazione",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        failed = 0
        written: list[str] = []
        paths: list[Path] = list(o["paths"]) + (BUNDLED_FILES if o["bundled"] else [])
        if not paths:
            raise CommandError("Indicare almeno un file (o --bundled).")
        for path in paths:
            reject = (
                self._reject_path(o["reject_file"], path, many=len(paths) > 1) if o["skip_invalid"] else None
            )
            try:
                summary = pnrr_import_file(
                    path=path,
                    skip_invalid=o["skip_invalid"],
                    reject_file=reject,
                    skip_if_imported=o["skip_imported"],
                    progress=self._progress(path),
                )
            except ImportRejected as exc:
                self._end_bar()
                failed += 1
                self.stderr.write(self.style.ERROR(f"RIFIUTATO {exc}"))
                continue
            self._end_bar()
            self._print(summary)
            if summary.status in ("ok", "partial"):
                written.append(summary.file_name)
        if written and not o["no_refresh"]:
            # What follows new data (the suggestions' refresh, in `linking`) is enqueued by its receivers.
            imports_done.send(sender=self.__class__, files=written)
        if failed:
            raise CommandError(f"{failed} file su {len(paths)} rifiutati: nessuna scrittura per quei file.")

    @staticmethod
    def _reject_path(option: Path | None, path: Path, *, many: bool) -> Path:
        base = path.name.removesuffix(".gz").removesuffix(".csv")
        if option is None:
            return Path(f"{base}.scarti.csv")
        return option.with_name(f"{option.stem}.{base}{option.suffix}") if many else option

    def _progress(self, path: Path) -> Any:
        interactive = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        last: dict[str, Any] = {"phase": None, "step": -1}

        def show(phase: str, fraction: float) -> None:
            if not interactive:  # a log or a pipe: only the summary
                return
            step = int(fraction * 20)
            if (phase, step) == (last["phase"], last["step"]):
                return
            last.update(phase=phase, step=step)
            bar = "#" * step + "." * (20 - step)
            self.stdout.write(f"\r  {path.name} [{bar}] {fraction:4.0%} {phase:<16}", ending="")
            sys.stdout.flush()

        return show

    def _end_bar(self) -> None:
        if hasattr(self.stdout, "isatty") and self.stdout.isatty():
            self.stdout.write("")

    def _print(self, s: ImportSummary) -> None:
        if s.status == "skipped":
            self.stdout.write(f"{s.file_name}: {s.message}, saltato.")
            return
        extra = "".join(f", {k.replace('_', ' ')} {v}" for k, v in s.extra.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{s.file_name} ({s.kind}, rilascio {s.release_date or '-'}): lette {s.rows_read}, "
                f"inserite {s.inserted}, aggiornate {s.updated}, invariate {s.unchanged}, "
                f"scartate {s.rejected}"
                f"{extra} — {s.duration_s:.1f} s"
            )
        )
        if s.reject_file:
            self.stdout.write(f"  righe scartate scritte in {s.reject_file}")
