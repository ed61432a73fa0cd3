"""Issue 18: the classifier's suggestions where text with no measure arrives — the observations staff moderate
(objectives suggested, "non so" when the classifier abstains, constant queries) — and `classify_texts`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decimetro.linking import classifier as clf
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import ObservationFactory

pytestmark = pytest.mark.django_db

HEALTH = "Casa della comunità e ospedale di comunità: assistenza sanitaria territoriale e domiciliare"
NONSENSE = "xqzw plorf vantrix gubbel"


def _get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_moderation_shows_suggestions_and_non_so_with_constant_queries(
    participation_site, persona_client, with_model
):
    c = participation_site["consultation"]
    org_b = participation_site["org_b"]
    url = reverse("backoffice:consultation_manage", args=[c.pk])
    first = participation_site["observation"]
    first.text = NONSENSE
    first.save()
    html, one = _get(persona_client("ente_admin"), url)
    assert f'id="oss-{first.pk}-suggested"' in html
    assert "non so" in html.split(f'id="oss-{first.pk}-suggested"')[1].split("</p>")[0]
    more = [ObservationFactory(consultation=c, organisation=org_b, text=HEALTH) for _ in range(3)]
    html, three = _get(persona_client("ente_admin"), url)
    assert three == one
    for obs in more:
        block = html.split(f'id="oss-{obs.pk}-suggested"')[1].split("</p>")[0]
        assert "non so" not in block


def test_moderation_without_a_model_shows_no_suggestions(
    participation_site, persona_client, settings, tmp_path
):
    settings.DECIMETRO_MODEL_DIR = tmp_path / "none"
    c = participation_site["consultation"]
    html, _ = _get(persona_client("ente_admin"), reverse("backoffice:consultation_manage", args=[c.pk]))
    assert "-suggested" not in html


def test_classify_texts_matches_classify_text(plan, with_model):
    texts = [HEALTH, NONSENSE, "Lavori di messa in sicurezza idraulica del torrente", "   "]
    many = clf.classify_texts(texts)
    for text, result in zip(texts[:3], many[:3], strict=True):
        one = clf.classify_text(text)
        assert (result.mission, result.component, result.objectives) == (
            one.mission,
            one.component,
            one.objectives,
        )
        assert (result.confidence, result.abstain) == (one.confidence, one.abstain)
    assert many[3].abstain is True and many[3].objectives == []
