"""POST /api/v1/linking/classify: the contract (top 3 missions, components, objectives; scores in [0, 1],
sorted), the errors (422 empty, 422 oversize, 503 without a model) and that it writes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from decimetro.core.models import AuditEntry
from decimetro.linking import classifier as clf
from decimetro.linking.classifier import MAX_TEXT_CHARS
from decimetro.linking.models import ProjectObjectiveLink
from decimetro.plan.models import Objective

pytestmark = pytest.mark.django_db

URL = "/api/v1/linking/classify"
HEALTH_TEXT = "Casa della comunità e ospedale di comunità: assistenza sanitaria territoriale e domiciliare"


def post(client: Client, body: object):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_classify_returns_top3_of_each_sorted_in_unit_interval(client, plan, with_model):
    response = post(client, {"text": HEALTH_TEXT})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"mission", "component", "objectives", "model_version", "confidence", "abstain"}
    for key in ("mission", "component", "objectives"):
        items = body[key]
        assert len(items) == 3
        assert all(set(item) == {"code", "score"} for item in items)
        scores = [item["score"] for item in items]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores)
    assert body["mission"][0]["code"] == "M6"
    assert body["component"][0]["code"].startswith("M6C")
    assert all(item["code"].startswith("M") and len(item["code"]) == 4 for item in body["component"])
    known = set(Objective.objects.values_list("code", flat=True))
    assert {item["code"] for item in body["objectives"]} <= known
    assert body["objectives"][0]["code"].startswith("M6.")  # the plan's health mission
    assert body["model_version"] == clf.load(clf.model_dir(with_model)).manifest["model_version"]


def test_confidence_is_the_calibrated_top_mission_probability(client, plan, with_model):
    body = post(client, {"text": HEALTH_TEXT}).json()
    model = clf.load(clf.model_dir(with_model))
    assert 0 <= body["confidence"] <= 1
    assert body["confidence"] == pytest.approx(body["mission"][0]["score"], abs=1e-6)
    assert body["confidence"] == pytest.approx(model.classify(HEALTH_TEXT).confidence, abs=1e-6)
    assert body["abstain"] is (body["confidence"] < model.abstain_threshold)


@pytest.mark.parametrize("text", ["xqzw plorf vantrix gubbel", "zzzz kkkk", "lorem ipsum dolor"])
def test_nonsense_text_abstains(client, plan, with_model, text):
    response = post(client, {"text": text})
    assert response.status_code == 200
    body = response.json()
    assert body["abstain"] is True
    assert len(body["mission"]) == 3  # the suggestions are still given, marked as "non so"


def test_a_clear_text_does_not_abstain(client, plan, with_model):
    body = post(client, {"text": HEALTH_TEXT}).json()
    assert body["abstain"] is False
    assert body["mission"][0]["code"] == "M6"


def test_new_fields_are_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    props = schema["components"]["schemas"]["ClassifyOut"]["properties"]
    assert props["abstain"]["type"] == "boolean"
    assert props["confidence"]["minimum"] == 0 and props["confidence"]["maximum"] == 1


def test_text_of_exactly_the_limit_is_accepted(client, plan, with_model):
    text = ("asilo nido comunale " * 400)[:MAX_TEXT_CHARS]
    assert len(text) == MAX_TEXT_CHARS
    assert post(client, {"text": text}).status_code == 200


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_text_is_422_with_a_clear_message(client, with_model, text):
    response = post(client, {"text": text})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "text"
    assert detail["msg"] == "il testo è vuoto: scrivere il testo da classificare"


def test_oversize_text_is_422_with_a_clear_message(client, with_model):
    response = post(client, {"text": "a" * (MAX_TEXT_CHARS + 1)})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (
        detail["msg"]
        == f"il testo è troppo lungo: {MAX_TEXT_CHARS + 1} caratteri, al massimo {MAX_TEXT_CHARS}"
    )


@pytest.mark.parametrize("body", [{}, {"text": 12}, {"testo": "casa della comunità"}])
def test_missing_or_wrong_field_is_422(client, with_model, body):
    assert post(client, body).status_code == 422


def test_no_model_is_503_with_a_clear_message(client, settings, tmp_path):
    settings.DECIMETRO_MODEL_DIR = tmp_path / "empty"
    response = post(client, {"text": HEALTH_TEXT})
    assert response.status_code == 503
    assert "linking_train" in response.json()["detail"]


def test_a_tampered_model_is_503_not_a_crash(client, settings, model_base, tmp_path):
    target = clf.model_dir(tmp_path)
    target.mkdir(parents=True)
    for name in (clf.MANIFEST_FILE, clf.MODEL_FILE):
        (target / name).write_bytes((clf.model_dir(model_base) / name).read_bytes())
    (target / clf.MODEL_FILE).write_bytes((target / clf.MODEL_FILE).read_bytes()[:-10])
    settings.DECIMETRO_MODEL_DIR = tmp_path
    assert post(client, {"text": HEALTH_TEXT}).status_code == 503


def test_get_is_not_allowed(client, with_model):
    assert client.get(URL).status_code == 405


def test_it_is_a_read_even_for_a_logged_in_user_without_csrf_token(plan, with_model, staff_user):
    """No session authentication on this route, so no CSRF token is needed, and nothing is written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    audits, links = AuditEntry.objects.count(), ProjectObjectiveLink.objects.count()
    response = post(client, {"text": HEALTH_TEXT})
    assert response.status_code == 200
    assert (AuditEntry.objects.count(), ProjectObjectiveLink.objects.count()) == (audits, links)


def test_the_limit_is_stated_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    text = schema["components"]["schemas"]["ClassifyIn"]["properties"]["text"]
    assert text["maxLength"] == MAX_TEXT_CHARS == 5000
    assert "5000 caratteri" in text["description"]
    responses = schema["paths"][URL]["post"]["responses"]
    assert {"200", "503"} <= set(responses)
