"""The PNRR component classifier: TF-IDF (word 1-2-grams + character 3-5-grams) and a multinomial logistic
regression with balanced class weights.

The artefact is data only, never code: `model.npz` (vocabularies, idf, coefficients; read with
`allow_pickle=False`) and `manifest.json` (format and model version, creation time, seed, checksums of the
training files, parameters, metrics). Inference is re-implemented here from those arrays (sparse TF-IDF, one
matrix product, softmax), so loading a model never runs code from the file, and a file that was altered after
training (checksum in the manifest) or that does not have the expected arrays is refused with `ModelError`.

The mission scores are the sums of its components' probabilities, so the three lists agree with each other.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from decimetro.linking.ranking import ObjectiveIndex, objective_index, rank_objectives, rank_text
from decimetro.linking.text import char_features, word_features, words

FORMAT_VERSION = 2  # 2: calibration (temperature) and abstain threshold in the arrays (issue 18)
MODEL_NAME = "component-classifier"
MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
MAX_VOCAB_TERM = 64  # characters; the longest word bigram kept
CHAR_CACHE_SIZE = 300_000  # distinct words whose character n-grams are kept in memory
ARRAYS = (
    "classes",
    "word_vocab",
    "word_idf",
    "char_vocab",
    "char_idf",
    "char_weight",
    "coef",
    "intercept",
    "temperature",
    "abstain_threshold",
)


class ModelError(Exception):
    """No usable model: missing, from another format version, altered, or malformed."""


@dataclass(frozen=True)
class Params:
    seed: int = 20260101
    c: float = 2.0  # inverse regularisation strength of the logistic regression
    min_df: int = 2  # a feature must appear in at least this many training texts
    char_weight: float = 1.0  # the character block's weight next to the word block (each L2-normalised)
    structure_weight: float = 10.0  # sample weight of the structure and milestone texts (long, official)
    measure_balance: float = 0.5  # 0: none; 1: every measure of a component weighs the same in training
    max_iter: int = 300
    validation_share: float = 0.1  # of the training split: not fitted, calibrates and sets the abstain
    abstain_precision: float = 0.93  # abstain threshold: validation mission accuracy kept at least this
    field_weight: float = 10.0  # > 0: the work/supply/service fields of training projects are extra examples

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "c": self.c,
            "min_df": self.min_df,
            "char_weight": self.char_weight,
            "structure_weight": self.structure_weight,
            "measure_balance": self.measure_balance,
            "max_iter": self.max_iter,
            "validation_share": self.validation_share,
            "abstain_precision": self.abstain_precision,
            "field_weight": self.field_weight,
        }


# Features --------------------------------------------------------------------------------------------------


@dataclass
class Vectorizer:
    """Two TF-IDF blocks (sublinear tf, smooth idf, L2 per block), vocabularies sorted alphabetically."""

    word_vocab: list[str]
    word_idf: np.ndarray
    char_vocab: list[str]
    char_idf: np.ndarray
    char_weight: float = 1.0
    _word_index: dict[str, int] = field(init=False, repr=False)
    _char_index: dict[str, int] = field(init=False, repr=False)
    _char_cache: dict[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._word_index = {t: i for i, t in enumerate(self.word_vocab)}
        self._char_index = {t: i for i, t in enumerate(self.char_vocab)}
        self._char_cache = {}

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab)

    @classmethod
    def fit(
        cls, analysed: Sequence[tuple[list[str], list[str]]], *, min_df: int, char_weight: float
    ) -> Vectorizer:
        n = len(analysed)
        word_df: Counter[str] = Counter()
        char_df: Counter[str] = Counter()
        for word_feats, char_feats in analysed:
            word_df.update(set(word_feats))
            char_df.update(set(char_feats))
        word_vocab = sorted(t for t, d in word_df.items() if d >= min_df and len(t) <= MAX_VOCAB_TERM)
        char_vocab = sorted(t for t, d in char_df.items() if d >= min_df)
        return cls(
            word_vocab=word_vocab,
            word_idf=_idf([word_df[t] for t in word_vocab], n),
            char_vocab=char_vocab,
            char_idf=_idf([char_df[t] for t in char_vocab], n),
            char_weight=char_weight,
        )

    def transform(self, analysed: Sequence[tuple[list[str], list[str]]]) -> sparse.csr_matrix:
        """Features of already analysed texts (training)."""
        wi, ci = self._word_index, self._char_index
        word = [[wi[f] for f in a[0] if f in wi] for a in analysed]
        char = [[ci[f] for f in a[1] if f in ci] for a in analysed]
        return self._matrix(word, char)

    def transform_texts(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """Features of raw texts (inference): the same as `transform`, with the character n-grams of each
        distinct word computed once."""
        wi = self._word_index
        word: list[list[int]] = []
        char: list[list[int]] = []
        for text in texts:
            tokens = words(text)
            word.append([wi[f] for f in word_features(tokens) if f in wi])
            char.append(self._char_indices(tokens))
        return self._matrix(word, char)

    def knows_a_word(self, text: str) -> bool:
        """Whether a word of the text is in the vocabulary (else the model cannot know)."""
        wi = self._word_index
        return any(token in wi for token in words(text))

    def _char_indices(self, tokens: list[str]) -> list[int]:
        out: list[int] = []
        cache, ci = self._char_cache, self._char_index
        for token in tokens:
            ids = cache.get(token)
            if ids is None:
                ids = [ci[f] for f in char_features([token]) if f in ci]
                if len(cache) < CHAR_CACHE_SIZE:
                    cache[token] = ids
            out.extend(ids)
        return out

    def _matrix(self, word: list[list[int]], char: list[list[int]]) -> sparse.csr_matrix:
        w = _tfidf(word, self.word_idf)
        c = _tfidf(char, self.char_idf)
        if self.char_weight != 1.0:
            c = c * self.char_weight
        return sparse.hstack([w, c], format="csr", dtype=np.float64)


def _idf(df: list[int], n: int) -> np.ndarray:
    return np.log((1.0 + n) / (1.0 + np.asarray(df, dtype=np.float64))) + 1.0


def _tfidf(docs: list[list[int]], idf: np.ndarray) -> sparse.csr_matrix:
    """Rows of feature indices → L2-normalised sublinear TF-IDF, all documents at once with numpy."""
    n_docs, n_cols = len(docs), len(idf)
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n_docs)
    flat = np.fromiter((j for d in docs for j in d), dtype=np.int64, count=int(lengths.sum()))
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    keys, tf = np.unique(doc * n_cols + flat, return_counts=True)
    rows, cols = np.divmod(keys, n_cols) if n_cols else (keys, keys)
    values = (1.0 + np.log(tf)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_docs))
    norms[norms == 0] = 1.0
    values /= norms[rows]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_docs))])
    return sparse.csr_matrix((values, cols, indptr), shape=(n_docs, n_cols))


# The model -------------------------------------------------------------------------------------------------


@dataclass
class Prediction:
    mission: list[tuple[str, float]]
    component: list[tuple[str, float]]
    component_scores: dict[str, float]
    confidence: float = 0.0  # calibrated probability of the top mission
    abstain: bool = False  # confidence below the validated threshold, or no known word: "non so"


@dataclass
class ComponentModel:
    classes: list[str]
    vectorizer: Vectorizer
    coef: np.ndarray  # (n_classes, n_features) float32
    intercept: np.ndarray  # (n_classes,) float32
    temperature: float = 1.0  # softmax temperature fitted on the validation split (calibration)
    abstain_threshold: float = 0.0  # below this top-mission probability the model says "non so"
    manifest: dict[str, Any] = field(default_factory=dict)
    _weights: np.ndarray = field(init=False, repr=False)  # coef.T as float64, (n_features, n_classes)
    _bias: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._weights = np.ascontiguousarray(self.coef.T, dtype=np.float64)
        self._bias = self.intercept.astype(np.float64)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_classes) probabilities, rows summing to 1."""
        x = self.vectorizer.transform_texts(texts)
        return self.probabilities_from_features(x)

    def probabilities_from_features(
        self, x: sparse.csr_matrix, *, temperature: float | None = None
    ) -> np.ndarray:
        """Calibrated probabilities (the model's temperature, or the one given)."""
        scores = np.asarray(x @ self._weights) + self._bias
        scores /= self.temperature if temperature is None else temperature
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.probabilities(texts)
        return [self.classes[i] for i in probs.argmax(axis=1)]

    def classify(self, text: str, *, limit: int = 3) -> Prediction:
        x = self.vectorizer.transform_texts([text])
        probs = self.probabilities_from_features(x)[0]
        components = {c: float(p) for c, p in zip(self.classes, probs, strict=True)}
        missions: dict[str, float] = {}
        for c, p in components.items():
            missions[c[:2]] = missions.get(c[:2], 0.0) + p
        confidence = max(missions.values())
        known_word = self.vectorizer.knows_a_word(text)
        return Prediction(
            mission=_top(missions, limit),
            component=_top(components, limit),
            component_scores=components,
            confidence=min(1.0, max(0.0, round(confidence, 6))),
            abstain=not known_word or confidence < self.abstain_threshold,
        )

    # Persistence ------------------------------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "classes": np.asarray(self.classes, dtype="<U8"),
            "word_vocab": np.asarray(self.vectorizer.word_vocab, dtype=f"<U{MAX_VOCAB_TERM}"),
            "word_idf": self.vectorizer.word_idf.astype(np.float64),
            "char_vocab": np.asarray(self.vectorizer.char_vocab, dtype="<U8"),
            "char_idf": self.vectorizer.char_idf.astype(np.float64),
            "char_weight": np.asarray([self.vectorizer.char_weight], dtype=np.float64),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
            "temperature": np.asarray([self.temperature], dtype=np.float64),
            "abstain_threshold": np.asarray([self.abstain_threshold], dtype=np.float64),
        }


def _top(scores: dict[str, float], limit: int) -> list[tuple[str, float]]:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(code, min(1.0, max(0.0, round(score, 6)))) for code, score in ranked]


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A .npz whose bytes depend only on the arrays (fixed entry dates and order): same model, same file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in ARRAYS:
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, entry.getvalue())
    return buffer.getvalue()


def model_dir(base: Path | str | None = None) -> Path:
    """`<DECIMETRO_MODEL_DIR>/component-classifier` (the setting defaults to var/models)."""
    if base is None:
        from django.conf import settings

        base = settings.DECIMETRO_MODEL_DIR
    return Path(base) / MODEL_NAME


def save(model: ComponentModel, directory: Path, *, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write model.npz and manifest.json atomically (a temporary directory renamed into place)."""
    payload = npz_bytes(model.arrays())
    digest = hashlib.sha256(payload).hexdigest()
    manifest = {
        "name": MODEL_NAME,
        "format_version": FORMAT_VERSION,
        "model_version": digest[:12],
        "model_sha256": digest,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "classes": list(model.classes),
        "n_features": model.vectorizer.n_features,
        **manifest,
    }
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    (tmp / MODEL_FILE).write_bytes(payload)
    (tmp / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    old = directory.with_name(f".{directory.name}-old")
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    if old.exists():
        for child in old.iterdir():
            child.unlink()
        old.rmdir()
    model.manifest = manifest
    return manifest


def load(directory: Path) -> ComponentModel:
    """Read and check an artefact. Raises ModelError (never anything else) when it is unusable."""
    manifest_path = directory / MANIFEST_FILE
    model_path = directory / MODEL_FILE
    if not manifest_path.is_file() or not model_path.is_file():
        raise ModelError(f"nessun modello in {directory}: eseguire `manage.py linking_train`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: manifest illeggibile ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{manifest_path}: versione del formato non supportata")
    payload = model_path.read_bytes()
    if hashlib.sha256(payload).hexdigest() != manifest.get("model_sha256"):
        raise ModelError(f"{model_path}: l'impronta SHA-256 non corrisponde al manifest (file alterato)")
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(ARRAYS):
                raise ModelError(f"{model_path}: array attesi {', '.join(ARRAYS)}")
            arrays = {name: npz[name] for name in ARRAYS}
    except ModelError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"{model_path}: file del modello non valido ({exc})") from exc
    return _from_arrays(arrays, manifest, str(model_path))


def _from_arrays(arrays: dict[str, np.ndarray], manifest: dict[str, Any], name: str) -> ComponentModel:
    texts = ("classes", "word_vocab", "char_vocab")
    for key in texts:
        if arrays[key].dtype.kind != "U" or arrays[key].ndim != 1:
            raise ModelError(f"{name}: «{key}» deve essere un vettore di testi")
    for key in (k for k in ARRAYS if k not in texts):  # every other array holds numbers
        if arrays[key].dtype.kind != "f" or not np.all(np.isfinite(arrays[key])):
            raise ModelError(f"{name}: «{key}» deve contenere numeri finiti")
    classes = [str(c) for c in arrays["classes"]]
    n_w, n_c = len(arrays["word_vocab"]), len(arrays["char_vocab"])
    if (
        arrays["word_idf"].shape != (n_w,)
        or arrays["char_idf"].shape != (n_c,)
        or arrays["coef"].shape != (len(classes), n_w + n_c)
        or arrays["intercept"].shape != (len(classes),)
        or arrays["char_weight"].shape != (1,)
        or arrays["temperature"].shape != (1,)
        or arrays["abstain_threshold"].shape != (1,)
        or not float(arrays["temperature"][0]) > 0
        or len(classes) < 2
    ):
        raise ModelError(f"{name}: dimensioni degli array incoerenti")
    char_weight = float(arrays["char_weight"][0])
    vectorizer = Vectorizer(
        word_vocab=[str(t) for t in arrays["word_vocab"]],
        word_idf=arrays["word_idf"].astype(np.float64),
        char_vocab=[str(t) for t in arrays["char_vocab"]],
        char_idf=arrays["char_idf"].astype(np.float64),
        char_weight=char_weight,
    )
    return ComponentModel(
        classes=classes,
        vectorizer=vectorizer,
        coef=arrays["coef"].astype(np.float32),
        intercept=arrays["intercept"].astype(np.float32),
        temperature=float(arrays["temperature"][0]),
        abstain_threshold=float(arrays["abstain_threshold"][0]),
        manifest=manifest,
    )


_CACHE: dict[str, tuple[float, ComponentModel]] = {}


def load_current(base: Path | str | None = None) -> ComponentModel:
    """The installed model, cached per process and reloaded when its manifest changes."""
    directory = model_dir(base)
    manifest_path = directory / MANIFEST_FILE
    try:
        mtime = manifest_path.stat().st_mtime
    except OSError:
        _CACHE.pop(str(directory), None)
        raise ModelError(f"nessun modello in {directory}: eseguire `manage.py linking_train`") from None
    cached = _CACHE.get(str(directory))
    if cached and cached[0] == mtime:
        return cached[1]
    model = load(directory)
    _CACHE[str(directory)] = (mtime, model)
    return model


MAX_TEXT_CHARS = 5000


TOP = 3


@dataclass(frozen=True)
class Classification:
    mission: list[tuple[str, float]]
    component: list[tuple[str, float]]
    objectives: list[tuple[str, float]]
    model_version: str
    confidence: float = 0.0  # calibrated probability of the top mission
    abstain: bool = False  # "non so": the suggestions are shown, but the model is not confident


def classify_text(text: str, *, limit: int = TOP) -> Classification:
    """Top `limit` missions, components and objectives with scores in [0, 1], best first.

    Raises ModelError when no usable model is installed and ValueError for an empty or oversize text.
    """
    if not text.strip():
        raise ValueError("il testo è vuoto")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"il testo è troppo lungo ({len(text)} caratteri, al massimo {MAX_TEXT_CHARS})")
    model = load_current()
    prediction = model.classify(text, limit=limit)
    objectives = rank_objectives(text=text, component_scores=prediction.component_scores, limit=limit)
    return _classification(model, prediction, objectives)


def classify_texts(texts: Sequence[str], *, limit: int = TOP) -> list[Classification]:
    """`classify_text` for many texts with a constant number of queries (the objective index is read once):
    the suggestions of a page of observations. Texts are cut at MAX_TEXT_CHARS; an empty text gets empty
    lists and abstains. Raises ModelError when no usable model is installed."""
    model = load_current()
    index: ObjectiveIndex | None = objective_index()
    out: list[Classification] = []
    for text in texts:
        text = text[:MAX_TEXT_CHARS]
        if not text.strip():
            out.append(Classification([], [], [], str(model.manifest.get("model_version", "")), 0.0, True))
            continue
        prediction = model.classify(text, limit=limit)
        objectives = (
            rank_text(index, text=text, component_scores=prediction.component_scores, limit=limit)
            if index is not None
            else []
        )
        out.append(_classification(model, prediction, objectives))
    return out


def _classification(
    model: ComponentModel, prediction: Prediction, objectives: list[tuple[str, float]]
) -> Classification:
    return Classification(
        mission=prediction.mission,
        component=prediction.component,
        objectives=[(code, min(1.0, max(0.0, float(score)))) for code, score in objectives],
        model_version=str(model.manifest.get("model_version", "")),
        confidence=prediction.confidence,
        abstain=prediction.abstain,
    )
