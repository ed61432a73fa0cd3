from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.linking.classifier import ModelError, Params, load, model_dir
from decimetro.linking.management.commands.linking_train import DEFAULT_DATA_DIR
from decimetro.linking.training import SPLITS, evaluate_all, load_dataset
from decimetro.linking.training_data import bundled_files, find_files

METHODS = {
    "majority": "classe più frequente",
    "logreg": "TF-IDF + regressione logistica (modello)",
    "complement_nb": "TF-IDF + complement naive Bayes",
    "ensemble": "media logistica + naive Bayes",
}


class Command(BaseCommand):
    help = (
        "Valuta il classificatore installato: accuratezza, macro-F1, F1 per classe e matrice di confusione "
        "sul campione di verifica; accanto, la generalizzazione fuori dominio (milestone e misure escluse)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="predefinita: i dati dell'addestramento"
        )
        parser.add_argument(
            "--bundled", action="store_true", help="l'estratto incluso in decimetro/pnrr/data"
        )
        parser.add_argument("--model-dir", type=Path, default=None, help="predefinita: DECIMETRO_MODEL_DIR")
        parser.add_argument(
            "--no-ood",
            action="store_true",
            help="salta le prove fuori dominio (che riaddestrano due modelli)",
        )
        parser.add_argument(
            "--compare",
            action="store_true",
            help="confronta con la classe più frequente, complement naive Bayes e l'ensemble",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        directory = model_dir(o["model_dir"])
        try:
            model = load(directory)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        manifest = model.manifest
        trained_on = manifest.get("data", "")
        if o["bundled"] or (not o["data_dir"] and trained_on == "bundled"):
            files = bundled_files()
        else:
            data_dir = o["data_dir"] or Path(trained_on or DEFAULT_DATA_DIR)
            if not data_dir.is_dir():
                raise CommandError(f"Cartella dei dati non trovata: {data_dir}")
            files = find_files(data_dir)
        expected = {(f["kind"], f["sha256"]) for f in manifest.get("training_files", [])}
        if {(f.kind, f.sha256) for f in files} != expected:
            raise CommandError(
                "I file dei dati non sono quelli dell'addestramento (impronte SHA-256 diverse): il campione "
                "di verifica non sarebbe lo stesso. Riaddestrare con `manage.py linking_train` sugli stessi "
                "dati."
            )
        known = set(Params.__dataclass_fields__)
        params = Params(**{k: v for k, v in manifest.get("params", {}).items() if k in known})
        start = time.perf_counter()
        data = load_dataset(files)
        results = evaluate_all(model, data, params=params, ood=not o["no_ood"], compare=o["compare"])
        self.stdout.write(
            f"Modello {manifest.get('model_version')} ({manifest.get('created')}), dati: {trained_on}, "
            f"{len(data)} testi distinti. Valutazione in {time.perf_counter() - start:.1f} s."
        )
        self._tables(results)
        self._details(results["held_out"]["logreg"])

    def _tables(self, results: dict[str, dict[str, dict[str, Any]]]) -> None:
        header = (
            f"{'campione':<16}{'metodo':<16}{'n':>7}{'acc. miss.':>12}{'F1m miss.':>11}"
            f"{'acc. comp.':>12}{'F1m comp.':>11}{'F1 M2':>8}{'F1 M3':>8}"
        )
        self.stdout.write("\n" + header)
        self.stdout.write("-" * len(header))
        for split, rows in results.items():
            for method, r in rows.items():
                mission, component = r["mission"], r["component"]
                f1 = mission["per_class_f1"]
                self.stdout.write(
                    f"{split:<16}{method:<16}{mission['n']:>7}{mission['accuracy']:>12.3f}"
                    f"{mission['macro_f1']:>11.3f}{component['accuracy']:>12.3f}{component['macro_f1']:>11.3f}"
                    f"{f1.get('M2', 0.0):>8.3f}{f1.get('M3', 0.0):>8.3f}"
                )
        self.stdout.write("")
        for split in results:
            self.stdout.write(f"  {split}: {SPLITS[split]}")
        used = {m for rows in results.values() for m in rows}
        for method, label in METHODS.items():
            if method in used:
                self.stdout.write(f"  {method}: {label}")

    def _details(self, result: dict[str, Any]) -> None:
        for level in ("mission", "component"):
            r = result[level]
            self.stdout.write(f"\nHeld-out, {level}: F1 per classe (supporto)")
            for label in r["labels"]:
                self.stdout.write(f"  {label:<6} {r['per_class_f1'][label]:.3f} ({r['support'][label]})")
            self.stdout.write(f"Matrice di confusione ({level}; righe = vero, colonne = previsto)")
            labels = r["labels"]
            width = max(6, *(len(str(v)) + 1 for row in r["confusion"] for v in row))
            self.stdout.write(" " * 7 + "".join(f"{lab:>{width}}" for lab in labels))
            for label, row in zip(labels, r["confusion"], strict=True):
                self.stdout.write(f"  {label:<5}" + "".join(f"{v:>{width}}" for v in row))
