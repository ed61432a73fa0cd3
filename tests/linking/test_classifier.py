"""The PNRR component classifier: leakage stripping, dedup before split, training on a small real sample,
the safe artefact (round trip, reproducibility, tampered and forged files) and the two commands."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import pickle
import zipfile
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from decimetro.linking import classifier as clf
from decimetro.linking import training as tr
from decimetro.linking import training_data as td
from decimetro.linking.text import analyse, dedup_key, strip_leakage, words

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "classifier"
PARAMS = clf.Params(seed=7)


@pytest.fixture(scope="module")
def fixture_files() -> list[td.DataFile]:
    return td.find_files(FIXTURE_DIR)


@pytest.fixture(scope="module")
def dataset(fixture_files) -> tr.Dataset:
    return tr.load_dataset(fixture_files)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, fixture_files) -> tuple[Path, tr.TrainResult]:
    directory = clf.model_dir(tmp_path_factory.mktemp("models"))
    result = tr.train_artefact(
        files=fixture_files, params=PARAMS, directory=directory, data_label=str(FIXTURE_DIR)
    )
    return directory, result


def copy_model(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in (clf.MODEL_FILE, clf.MANIFEST_FILE):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


# Leakage ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("Progetto M1C1 per il cloud", "m1c1"),
        ("Misura M2C4I2.1 - riduzione del rischio", "m2c4i2"),
        ("M1C1I1.02.00 migrazione", "02"),
        ("INVESTIMENTO 1.2: ABILITAZIONE AL CLOUD", "investimento"),
        ("Riforma 3.1 della PA", "riforma"),
        ("MISSIONE 5 COMPONENTE 3 - aree interne", "missione"),
        ("M5 C3 strategia aree interne", "c3"),
        ("Sub-investimento 2.1.3 borghi", "investimento"),
        ("Milestone M4C1-12 asili", "m4c1"),
        ("1.4.4c_i959Comune di Stimigliano", "i959"),
        ("M6 salute", "m6"),
    ],
)
def test_strip_leakage_removes_the_codes_that_name_the_label(text, leaked):
    tokens = words(text)
    assert leaked not in " ".join(tokens)
    assert not any(ch.isdigit() for ch in " ".join(tokens))
    # the informative words stay
    assert any(len(t) > 3 for t in tokens)


def test_strip_leakage_keeps_ordinary_words():
    assert words("Casa della Comunità di Milano") == ["casa", "della", "comunita", "di", "milano"]
    assert "Comune di Stimigliano" in strip_leakage("1.4.4c_i959Comune di Stimigliano")


def test_features_never_contain_a_code():
    word_feats, char_feats = analyse("M2C4I2.1 INVESTIMENTO 1.2 rete idrica M5 C3")
    assert word_feats == ["rete", "idrica", "rete idrica"]
    assert all(not any(ch.isdigit() for ch in f) for f in char_feats)


# Dedup before split ----------------------------------------------------------------------------------------


def lt(text: str, component: str, source: str = td.SOURCE_PROJECTS) -> td.LabelledText:
    return td.LabelledText(text=text, component=component, measure=f"{component}I1.01", source=source)


def test_texts_equal_but_for_case_accents_and_codes_are_one_example_with_the_majority_label():
    examples = td.dedup(
        [
            lt("INVESTIMENTO 1.2 Casa della Comunità", "M6C1"),
            lt("casa della comunita", "M6C1"),
            lt("Casa della Comunita M6C1", "M5C2"),
            lt("Asilo nido comunale", "M4C1", td.SOURCE_MILESTONES),
            lt("M1C1", "M1C1"),  # nothing left once the code is stripped: dropped
        ]
    )
    assert [(e.key, e.component, e.copies) for e in examples] == [
        ("asilo nido comunale", "M4C1", 1),
        ("casa della comunita", "M6C1", 3),
    ]


def test_split_keeps_identical_texts_out_of_both_sides(dataset):
    train, test = td.split(dataset.examples, seed=7)
    assert not set(train) & set(test)
    assert len(train) + len(test) == len(dataset)
    train_keys = {dataset.examples[i].key for i in train}
    test_keys = {dataset.examples[i].key for i in test}
    assert not train_keys & test_keys
    # every fixture copy of a text maps to one example: no two examples share a key
    assert len({e.key for e in dataset.examples}) == len(dataset)
    # the raw fixture has duplicated texts (e.g. milestone rows repeated per sub-measure), dedup removed them
    raw = list(td.read_texts(td.find_files(FIXTURE_DIR)))
    assert len({dedup_key(t.text) for t in raw if dedup_key(t.text)}) == len(dataset) < len(raw)
    # stratified: every component is in train, and the thin M3 components have test examples too
    assert {dataset.examples[i].component for i in train} == set(td.COMPONENTS)
    assert {"M3C1", "M3C2"} <= {dataset.examples[i].component for i in test}
    # deterministic
    assert td.split(dataset.examples, seed=7) == (train, test)
    assert td.split(dataset.examples, seed=8) != (train, test)


def test_group_split_holds_out_whole_measures(dataset):
    train, test = td.group_split(dataset.examples, seed=7)
    train_measures = {dataset.examples[i].measure for i in train}
    test_measures = {dataset.examples[i].measure for i in test}
    assert test and not train_measures & test_measures


def test_out_of_domain_milestones_are_not_in_training(dataset):
    train, test = tr.out_of_domain_milestones(dataset)
    assert len(test) > 0
    assert all(ex.sources == {td.SOURCE_MILESTONES} for ex in test.examples)
    assert not any(ex.sources == {td.SOURCE_MILESTONES} for ex in train.examples)


def test_m7_and_unknown_components_are_left_out(tmp_path):
    with open(FIXTURE_DIR / "quadro_finanziario_sample.csv", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, row = reader.fieldnames, next(reader)
    m7 = dict(row)
    m7.update(
        missione="M7",
        componente="M7C1",
        id_misura="M7C1I1",
        codice_univoco_misura="M7C1I1.01",
        codice_univoco_submisura="M7C1I1.01.00",
        descrizione_misura="REPowerEU: reti elettriche intelligenti",
        descrizione_submisura="REPowerEU: reti elettriche intelligenti",
    )
    with open(tmp_path / "quadro.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows([row, m7])
    texts = list(td.read_texts(td.find_files(tmp_path)))
    assert {t.component for t in texts} == {row["componente"]}
    assert not any("REPowerEU" in t.text for t in texts)


# Training on a small real sample ---------------------------------------------------------------------------


def test_training_on_the_real_sample_beats_the_majority_baseline(dataset):
    train, test = tr.held_out(dataset, PARAMS.seed)
    model = tr.fit(train, PARAMS)
    result = tr.evaluate(model, test)
    baseline = tr.majority_baseline(train, test)
    assert baseline["component"]["macro_f1"] < 0.05
    assert result["component"]["macro_f1"] > 0.5
    assert result["mission"]["macro_f1"] > 0.6
    assert set(model.classes) == set(td.COMPONENTS)


def test_inference_from_the_arrays_matches_scikit_learn(dataset):
    """Our sparse TF-IDF and softmax give what scikit-learn gives with the same vocabulary, idf, weights."""
    train, test = tr.held_out(dataset, PARAMS.seed)
    model = tr.fit(train, PARAMS)
    texts = [ex.text for ex in test.examples]
    ours = model.vectorizer.transform_texts(texts).toarray()
    word = TfidfVectorizer(
        analyzer=lambda t: analyse(t)[0], vocabulary=model.vectorizer.word_vocab, sublinear_tf=True
    )
    word.fit(["x"])
    word.idf_ = model.vectorizer.word_idf
    char = TfidfVectorizer(
        analyzer=lambda t: analyse(t)[1], vocabulary=model.vectorizer.char_vocab, sublinear_tf=True
    )
    char.fit(["x"])
    char.idf_ = model.vectorizer.char_idf
    theirs = np.hstack([word.transform(texts).toarray(), char.transform(texts).toarray()])
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
    lr = LogisticRegression()
    lr.classes_ = np.array(model.classes)
    lr.coef_ = model.coef.astype(np.float64)
    lr.intercept_ = model.intercept.astype(np.float64)
    np.testing.assert_allclose(model.probabilities(texts), lr.predict_proba(theirs), atol=1e-9)


# The artefact ----------------------------------------------------------------------------------------------


def test_round_trip_gives_the_same_predictions(trained, dataset):
    directory, result = trained
    loaded = clf.load(directory)
    texts = [ex.text for ex in dataset.examples[:80]] + ["Riqualificazione energetica della scuola", "x"]
    # the artefact's procedure: fit on the training split less its validation share, then calibrate
    fitting, validation = tr.validation_split(tr.held_out(dataset, PARAMS.seed)[0], PARAMS)
    fresh = tr.fit(fitting, PARAMS)
    tr.calibrate(fresh, tr.validation_texts(fitting, validation), PARAMS)
    assert (fresh.temperature, fresh.abstain_threshold) == (loaded.temperature, loaded.abstain_threshold)
    np.testing.assert_array_equal(loaded.probabilities(texts), fresh.probabilities(texts))
    manifest = json.loads((directory / clf.MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format_version"] == clf.FORMAT_VERSION
    assert manifest["model_sha256"] == hashlib.sha256((directory / clf.MODEL_FILE).read_bytes()).hexdigest()
    assert manifest["model_version"] == manifest["model_sha256"][:12]
    assert manifest["params"]["seed"] == 7
    assert {f["name"]: f["sha256"] for f in manifest["training_files"]} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in FIXTURE_DIR.glob("*.csv")
    }
    assert 0 < manifest["metrics"]["held_out"]["component"]["macro_f1"] <= 1
    assert manifest["examples"]["train"] == result.n_train
    assert manifest["created"]


def test_classify_gives_top3_sorted_in_unit_interval(trained):
    model = clf.load(trained[0])
    prediction = model.classify("Casa della comunità e ospedale di comunità per la sanità territoriale")
    for pairs in (prediction.mission, prediction.component):
        assert len(pairs) == 3
        scores = [s for _, s in pairs]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores)
    assert prediction.mission[0][0] == prediction.component[0][0][:2]
    assert abs(sum(prediction.component_scores.values()) - 1) < 1e-6


def test_same_data_and_seed_give_the_same_artefact(trained, fixture_files, tmp_path):
    directory, _ = trained
    again = tr.train_artefact(
        files=fixture_files, params=PARAMS, directory=clf.model_dir(tmp_path), data_label="again"
    )
    assert again.manifest["model_sha256"] == clf.load(directory).manifest["model_sha256"]
    assert (clf.model_dir(tmp_path) / clf.MODEL_FILE).read_bytes() == (
        directory / clf.MODEL_FILE
    ).read_bytes()


def test_a_tampered_model_file_is_refused(trained, tmp_path):
    target = copy_model(trained[0], tmp_path / "m")
    data = bytearray((target / clf.MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (target / clf.MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(clf.ModelError, match="alterato"):
        clf.load(target)


def forge(target: Path, arrays: dict[str, object], *, pickled: str | None = None) -> None:
    """Write a model.npz with these arrays (and optionally one pickled object array) and a manifest that
    matches its checksum: the attacker controls both files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, value in arrays.items():
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.asarray(value), allow_pickle=True)
            zf.writestr(f"{name}.npy", entry.getvalue())
    payload = buffer.getvalue()
    manifest = json.loads((target / clf.MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["model_sha256"] = hashlib.sha256(payload).hexdigest()
    (target / clf.MODEL_FILE).write_bytes(payload)
    (target / clf.MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")


class _Boom:
    """Unpickling this would create a file: the loader must never get that far."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_forged_model_with_a_pickle_inside_is_refused_without_running_it(trained, tmp_path):
    target = copy_model(trained[0], tmp_path / "m")
    sentinel = tmp_path / "pwned"
    arrays = dict(clf.load(target).arrays())
    evil = np.empty(1, dtype=object)
    evil[0] = _Boom(str(sentinel))
    arrays["classes"] = evil
    forge(target, arrays)
    assert b"pwned" in pickle.dumps(evil)  # the payload is really there
    with pytest.raises(clf.ModelError):
        clf.load(target)
    assert not sentinel.exists()


@pytest.mark.parametrize("damage", ["missing_array", "bad_shape", "nan", "numbers_as_vocab"])
def test_a_malformed_model_is_refused(trained, tmp_path, damage):
    target = copy_model(trained[0], tmp_path / "m")
    arrays = dict(clf.load(target).arrays())
    if damage == "missing_array":
        del arrays["intercept"]
    elif damage == "bad_shape":
        arrays["coef"] = arrays["coef"][:, :-1]
    elif damage == "nan":
        arrays["intercept"] = np.full_like(arrays["intercept"], np.nan)
    else:
        arrays["word_vocab"] = np.arange(len(arrays["word_vocab"]))
    forge(target, arrays)
    with pytest.raises(clf.ModelError):
        clf.load(target)


def test_missing_or_unknown_format_is_refused(trained, tmp_path):
    with pytest.raises(clf.ModelError, match="linking_train"):
        clf.load(tmp_path / "nothing")
    target = copy_model(trained[0], tmp_path / "m")
    manifest = json.loads((target / clf.MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    (target / clf.MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(clf.ModelError, match="formato"):
        clf.load(target)
    (target / clf.MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(clf.ModelError, match="manifest"):
        clf.load(target)


# Commands --------------------------------------------------------------------------------------------------


def test_linking_train_and_evaluate_commands(tmp_path):
    out = StringIO()
    call_command("linking_train", data_dir=FIXTURE_DIR, model_dir=tmp_path, seed=7, stdout=out)
    text = out.getvalue()
    assert "salvato" in text and " s di CPU" in text and "Held-out" in text
    assert (clf.model_dir(tmp_path) / clf.MODEL_FILE).is_file()
    first = clf.load(clf.model_dir(tmp_path)).manifest["model_sha256"]

    out = StringIO()
    call_command(
        "linking_train", data_dir=FIXTURE_DIR, model_dir=tmp_path, if_missing=True, seed=7, stdout=out
    )
    assert "già presente" in out.getvalue()
    assert clf.load(clf.model_dir(tmp_path)).manifest["model_sha256"] == first

    # a model trained with other parameters (older code) is replaced
    manifest_path = clf.model_dir(tmp_path) / clf.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["params"]["c"] = 99.0
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    out = StringIO()
    call_command(
        "linking_train", data_dir=FIXTURE_DIR, model_dir=tmp_path, if_missing=True, seed=7, stdout=out
    )
    assert "altri parametri" in out.getvalue() and "salvato" in out.getvalue()
    assert json.loads(manifest_path.read_text(encoding="utf-8"))["params"]["c"] == clf.Params().c

    out = StringIO()
    call_command("linking_evaluate", model_dir=tmp_path, compare=True, stdout=out)
    report = out.getvalue()
    for needle in (
        "held_out",
        "ood_milestones",
        "ood_measures",
        "majority",
        "logreg",
        "complement_nb",
        "Matrice di confusione",
        "F1 per classe",
        "M3C2",
    ):
        assert needle in report


def test_linking_evaluate_refuses_other_data_and_missing_model(tmp_path):
    call_command("linking_train", data_dir=FIXTURE_DIR, model_dir=tmp_path, stdout=StringIO())
    other = tmp_path / "other"
    other.mkdir()
    for p in FIXTURE_DIR.glob("*.csv"):
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        (other / p.name).write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(CommandError, match="impronte"):
        call_command("linking_evaluate", model_dir=tmp_path, data_dir=other, stdout=StringIO())
    with pytest.raises(CommandError, match="linking_train"):
        call_command("linking_evaluate", model_dir=tmp_path / "empty", stdout=StringIO())
    with pytest.raises(CommandError, match="non trovata"):
        call_command("linking_train", data_dir=tmp_path / "does_not_exist", stdout=StringIO())
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(CommandError, match="Nessun file"):
        call_command("linking_train", data_dir=tmp_path / "empty_dir", stdout=StringIO())


@pytest.mark.parametrize("balance", [0.0, 0.5, 1.0])
def test_measure_balance_weighs_each_measure_by_a_power_of_its_size(balance):
    """Inside a component a measure with n texts weighs n^(1 - balance) in total (issue 18, round 5: the
    default went from 1, every measure the same, to 0.5); each component keeps the same total weight."""

    def ex(key: str, component: str, measure: str) -> td.Example:
        return td.Example(key, key, component, measure, frozenset({td.SOURCE_PROJECTS}), 1)

    examples = [ex(f"a{i}", "M1C1", "M1C1I1.01") for i in range(16)]
    examples += [ex(f"b{i}", "M1C1", "M1C1I1.02") for i in range(4)]
    examples += [ex(f"c{i}", "M2C1", "M2C1I1.01") for i in range(5)]
    weights = tr.sample_weights(examples, clf.Params(measure_balance=balance))
    total_a, total_b, total_c = weights[:16].sum(), weights[16:20].sum(), weights[20:].sum()
    assert total_a / total_b == pytest.approx((16 / 4) ** (1 - balance))
    assert total_a + total_b == pytest.approx(total_c)
    assert clf.Params().measure_balance == 0.5
