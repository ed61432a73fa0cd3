"""Issue 18: the tender-like out-of-domain set (made only from held-out texts, never leaking into training),
calibration and abstain, and the objective suggestions from text alone (soft crosswalk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from decimetro.linking import classifier as clf
from decimetro.linking import objective_text as ot
from decimetro.linking import training as tr
from decimetro.linking import training_data as td
from decimetro.linking.ood import tender_object, tender_set
from decimetro.linking.text import dedup_key

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "classifier"
PARAMS = clf.Params(seed=7)


@pytest.fixture(scope="module")
def dataset() -> tr.Dataset:
    return tr.load_dataset(td.find_files(FIXTURE_DIR))


@pytest.fixture(scope="module")
def model(tmp_path_factory, dataset) -> clf.ComponentModel:
    directory = clf.model_dir(tmp_path_factory.mktemp("ood-model"))
    tr.train_artefact(files=td.find_files(FIXTURE_DIR), params=PARAMS, directory=directory, data_label="t")
    return clf.load(directory)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "LAVORI DI MESSA IN SICUREZZA IDRAULICA DEL TORRENTE SEVESO - VIA ROMA 12",
            "Lavori di messa in sicurezza idraulica del torrente seveso",
        ),
        ("ACQUISTO ARREDI PER ASILO NIDO COMUNALE", "Fornitura di acquisto arredi per asilo nido comunale"),
        (
            "M1C1I1.2 MIGRAZIONE AL CLOUD DEI SERVIZI DEL COMUNE",
            "Servizi di migrazione al cloud dei servizi del comune",
        ),
        ("ROSSI SRL", ""),  # a beneficiary's name: no object
    ],
)
def test_tender_object_rewrites_by_fixed_rules(title, expected):
    assert tender_object(title) == expected


def test_no_tender_text_leaks_into_training(dataset):
    """Every tender object, normalised, differs from every training text and from every field of one."""
    train, test = tr.held_out(dataset, PARAMS.seed)
    tenders = tender_set(test.examples, train.examples)
    assert tenders, "the fixture must give some tender objects"
    training_keys = {ex.key for ex in train.examples}
    training_fields = {dedup_key(f) for ex in train.examples for f in ex.text.split("*") if f.strip()}
    tender_keys = {dedup_key(t.text) for t in tenders}
    assert not tender_keys & training_keys
    assert not tender_keys & training_fields
    # made from held-out examples only
    assert {t.source_key for t in tenders} <= {ex.key for ex in test.examples}
    # also the tender objects added to the validation texts come from the validation part only
    fitting, validation = tr.validation_split(train, PARAMS)
    extra = [ex for ex in tr.validation_texts(fitting, validation).examples if ex.sources == {"bando"}]
    assert not {ex.key for ex in extra} & {ex.key for ex in fitting.examples}


def test_held_out_split_gives_every_component_enough_projects(dataset):
    """The tender objects come from held-out projects only: every component holds out at least
    MIN_TEST_PROJECTS of its project texts (never more than half), so a thin mission (M3: 7 and 8 projects
    in the fixture, 15 in the national table) is not measured on one or two texts."""
    examples = dataset.examples
    train, test = td.split(examples, seed=PARAMS.seed, min_test_projects=td.MIN_TEST_PROJECTS)
    _plain_train, plain_test = td.split(examples, seed=PARAMS.seed)
    held, plain_held = set(test), set(plain_test)
    assert not held & set(train)
    for component in td.COMPONENTS:
        projects = [
            i
            for i, ex in enumerate(examples)
            if ex.component == component and td.SOURCE_PROJECTS in ex.sources
        ]
        n_held = len(held.intersection(projects))
        assert n_held >= min(td.MIN_TEST_PROJECTS, len(projects) // 2), component
        assert n_held <= max(round(len(projects) * 0.2), len(projects) // 2), component
        assert len(projects) - n_held >= 1, component  # something left to learn from
    thin = [i for i, ex in enumerate(examples) if ex.component == "M3C1" and td.SOURCE_PROJECTS in ex.sources]
    assert len(held.intersection(thin)) > len(plain_held.intersection(thin))  # the rule acts on M3
    # the held-out split of the classifier uses the rule
    _train, test_set = tr.held_out(dataset, PARAMS.seed)
    assert {ex.key for ex in test_set.examples} == {examples[i].key for i in test}


def test_tender_set_is_deterministic(dataset):
    train, test = tr.held_out(dataset, PARAMS.seed)
    assert tender_set(test.examples, train.examples) == tender_set(
        list(reversed(test.examples)), train.examples
    )


def test_calibration_is_stored_and_used(model, dataset):
    assert model.temperature in set(tr.TEMPERATURES.tolist())
    assert 0.0 <= model.abstain_threshold <= 1.0
    x = model.vectorizer.transform(dataset.analysed[:20])
    raw = model.probabilities_from_features(x, temperature=1.0)
    calibrated = model.probabilities_from_features(x)
    if model.temperature != 1.0:
        assert not np.allclose(raw, calibrated)
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)


@pytest.mark.parametrize("text", ["xqzw plorf vantrix gubbel", "lorem ipsum dolor", "zzz"])
def test_nonsense_abstains(model, text):
    prediction = model.classify(text)
    assert prediction.abstain is True
    assert 0 <= prediction.confidence <= 1


def test_abstain_follows_the_threshold(model):
    text = "Casa della comunità e ospedale di comunità: assistenza sanitaria territoriale e domiciliare"
    prediction = model.classify(text)
    assert prediction.confidence == pytest.approx(prediction.mission[0][1], abs=1e-6)
    assert prediction.abstain is (prediction.confidence < model.abstain_threshold)
    model_strict = clf.ComponentModel(
        classes=model.classes,
        vectorizer=model.vectorizer,
        coef=model.coef,
        intercept=model.intercept,
        temperature=model.temperature,
        abstain_threshold=1.01,
    )
    assert model_strict.classify(text).abstain is True


def test_evaluation_reports_the_tender_set_recall_at_3_and_abstain(model, dataset):
    results = tr.evaluate_all(model, dataset, params=PARAMS, ood=True)
    assert "ood_tenders" in results
    row = results["ood_tenders"]["logreg"]
    assert row["mission"]["n"] > 0
    assert 0 <= row["mission"]["recall_at_3"] <= 1
    assert row["mission"]["recall_at_3"] >= row["mission"]["accuracy"]
    assert set(row["abstain"]) == {"threshold", "coverage", "answered_accuracy", "abstained_accuracy"}


def test_soft_crosswalk_from_component_probabilities():
    prior = ot.component_prior([("M1C1I1.02", "M1.2"), ("M1C1I1.07", "M1.4"), ("M6C1I1.01", "M6.1")])
    assert prior["M1C1"] == {"M1.2": 0.5, "M1.4": 0.5}
    soft = ot.soft_crosswalk({"M1C1": 0.8, "M6C1": 0.2}, prior)
    assert soft == pytest.approx({"M1.2": 0.4, "M1.4": 0.4, "M6.1": 0.2})


def test_text_only_objective_ranking_gains_from_the_soft_crosswalk(model, dataset):
    """On held-out projects labelled by the crosswalk of their measure, text only (no measure): the soft
    crosswalk must not lose against the component probabilities alone."""
    _train, test = tr.held_out(dataset, PARAMS.seed)
    index, labels = ot.plan_index(), ot.crosswalk()
    prior = ot.component_prior((m, o) for m, objs in labels.items() for o in objs)
    plain = ot.objective_recall(model, test.examples, index=index, labels=labels, prior=None)
    soft = ot.objective_recall(model, test.examples, index=index, labels=labels, prior=prior)
    assert plain.n == soft.n > 0
    assert soft.at3 >= plain.at3
