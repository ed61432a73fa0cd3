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
            "--ood",
            action="store_true",
            help="(predefinito) prove fuori dominio: oggetti di gara, milestone, misure escluse; "
            "in più gli obiettivi dal solo testo e la latenza",
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
        if o["ood"]:
            self._objectives_and_latency(model, data, params)
        self._details(results["held_out"]["logreg"])

    def _tables(self, results: dict[str, dict[str, dict[str, Any]]]) -> None:
        missions = ("M1", "M2", "M3", "M4", "M5", "M6")
        header = (
            f"{'campione':<16}{'metodo':<15}{'n':>6}{'acc.miss':>9}{'F1m miss':>9}{'r@3 miss':>9}"
            f"{'acc.comp':>9}{'F1m comp':>9}{'r@3 comp':>9}{'copert.':>8}{'acc.risp':>9}"
            + "".join(f"{'F1 ' + m:>7}" for m in missions)
        )
        self.stdout.write("\n" + header)
        self.stdout.write("-" * len(header))
        for split, rows in results.items():
            for method, r in rows.items():
                mission, component = r["mission"], r["component"]
                f1 = mission["per_class_f1"]
                abstain = r.get("abstain", {})
                cover = (
                    f"{abstain['coverage']:>8.3f}{abstain['answered_accuracy']:>9.3f}"
                    if abstain
                    else " " * 17
                )
                self.stdout.write(
                    f"{split:<16}{method:<15}{mission['n']:>6}{mission['accuracy']:>9.3f}"
                    f"{mission['macro_f1']:>9.3f}{mission.get('recall_at_3', 0.0):>9.3f}"
                    f"{component['accuracy']:>9.3f}{component['macro_f1']:>9.3f}"
                    f"{component.get('recall_at_3', 0.0):>9.3f}{cover}"
                    + "".join(
                        f"{f1[m]:>7.3f}" if m in mission["support"] and mission["support"][m] else f"{'-':>7}"
                        for m in missions
                    )
                )
        self.stdout.write("")
        for split in results:
            self.stdout.write(f"  {split}: {SPLITS[split]}")
        used = {m for rows in results.values() for m in rows}
        for method, label in METHODS.items():
            if method in used:
                self.stdout.write(f"  {method}: {label}")

    def _objectives_and_latency(self, model, data, params: Params) -> None:
        from decimetro.linking import objective_text as ot
        from decimetro.linking.training import held_out

        _train, test = held_out(data, params.seed)
        index, labels = ot.plan_index(), ot.crosswalk()
        prior = ot.component_prior((m, o) for m, objs in labels.items() for o in objs)
        self.stdout.write(
            "\nObiettivi dal solo testo (progetti di verifica etichettati con le corrispondenze della loro "
            "misura; titolo + sintesi, senza misura)"
        )
        for label, used_model, used_prior in (
            ("solo somiglianza testuale", None, None),
            ("testo + componenti previste", model, None),
            ("testo + componenti + corrispondenze previste", model, prior),
        ):
            r = ot.objective_recall(used_model, test.examples, index=index, labels=labels, prior=used_prior)
            self.stdout.write(f"  {label:<46} n={r.n:>5}  recall@1 {r.at1:.3f}  recall@3 {r.at3:.3f}")
        texts = [ex.text for ex in test.examples[:300]]
        start = time.process_time()
        for text in texts:
            model.classify(text)
        cpu = time.process_time() - start
        self.stdout.write(
            f"\nLatenza: {1000 * cpu / max(1, len(texts)):.2f} ms CPU per testo "
            f"({len(texts)} testi, uno alla volta); "
            f"addestramento {model.manifest.get('training_cpu_seconds')} s CPU; "
            f"temperatura {model.temperature}, soglia «non so» {model.abstain_threshold}"
        )

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
