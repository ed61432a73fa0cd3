from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.linking.classifier import MANIFEST_FILE, ModelError, Params, load, model_dir
from decimetro.linking.tasks import classifier_train_enqueue
from decimetro.linking.training import train_artefact
from decimetro.linking.training_data import bundled_files, find_files
from decimetro.pnrr.sources import BadFile

DEFAULT_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = (
        "Addestra il classificatore delle componenti PNRR sui testi etichettati (progetti validati, misure, "
        "milestone e target) e salva il modello (manifest.json + model.npz, nessun pickle) in "
        "DECIMETRO_MODEL_DIR. Seme fisso: stessi dati, stesso modello."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help=f"cartella con i file open data (predefinita: {DEFAULT_DATA_DIR})",
        )
        parser.add_argument(
            "--bundled",
            action="store_true",
            help="usa l'estratto incluso in decimetro/pnrr/data (progetti CMM, quadro, milestone)",
        )
        parser.add_argument("--model-dir", type=Path, default=None, help="predefinita: DECIMETRO_MODEL_DIR")
        parser.add_argument("--seed", type=int, default=Params.seed)
        parser.add_argument(
            "--if-missing", action="store_true", help="non fa nulla se un modello valido è già installato"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="accoda l'addestramento per il worker (un'attività in background) invece di eseguirlo qui",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        if o["background"]:
            if o["model_dir"] or o["if_missing"]:
                raise CommandError("--background: cartella predefinita, senza --model-dir né --if-missing.")
            folder = "" if o["bundled"] else str(o["data_dir"] or DEFAULT_DATA_DIR)
            job = classifier_train_enqueue(by=None, bundled=o["bundled"], data_dir=folder, seed=o["seed"])
            self.stdout.write(f"Addestramento accodato (attività {job.pk}).")
            return
        directory = model_dir(o["model_dir"])
        if o["if_missing"] and (directory / MANIFEST_FILE).exists():
            try:
                current = load(directory)
            except ModelError as exc:
                self.stdout.write(f"Modello esistente non utilizzabile ({exc}): lo riaddestro.")
            else:
                version = current.manifest.get("model_version")
                if current.manifest.get("params") == Params(seed=o["seed"]).as_dict():
                    self.stdout.write(
                        f"Classificatore già presente (versione {version}): nessun addestramento."
                    )
                    return
                self.stdout.write(f"Classificatore {version} addestrato con altri parametri: lo riaddestro.")
        if o["bundled"] and o["data_dir"]:
            raise CommandError("Indicare --data-dir oppure --bundled, non entrambi.")
        if o["bundled"]:
            files, label = bundled_files(), "bundled"
        else:
            data_dir = o["data_dir"] or DEFAULT_DATA_DIR
            if not data_dir.is_dir():
                raise CommandError(
                    f"Cartella dei dati non trovata: {data_dir} (usare --data-dir o --bundled)."
                )
            files, label = find_files(data_dir), str(data_dir.resolve())
        if not files:
            raise CommandError("Nessun file etichettato trovato (progetti validati, quadro, milestone).")
        for f in files:
            self.stdout.write(f"  {f.kind:<20} {f.path.name}  sha256 {f.sha256[:12]}")
        try:
            result = train_artefact(
                files=files, params=Params(seed=o["seed"]), directory=directory, data_label=label
            )
        except (BadFile, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        held = m["metrics"]["held_out"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Classificatore {m['model_version']} salvato in {directory} "
                f"({result.n_train} testi di addestramento, {result.n_test} di verifica, "
                f"{m['n_features']} feature) in {result.seconds:.1f} s ({result.cpu_seconds:.1f} s di CPU)."
            )
        )
        self.stdout.write(
            f"Held-out: missione accuratezza {held['mission']['accuracy']:.3f} macro-F1 "
            f"{held['mission']['macro_f1']:.3f}; componente accuratezza {held['component']['accuracy']:.3f} "
            f"macro-F1 {held['component']['macro_f1']:.3f}. Impronta del modello: {m['model_sha256']}"
        )
