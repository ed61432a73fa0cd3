"""The write API with organisation tokens (issue 17): tokens hashed at rest and shown once, the command, the
three writes through the web forms' services, the refusals (401, 403, 422, 429) with Italian messages and
nothing written, the audit naming the token, the OpenAPI. The guard of every persona and endpoint is in
tests/security/test_write_endpoints.py (TOKEN_WRITES)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from decimetro.core.models import ApiToken, AuditEntry, User
from decimetro.core.selectors import users_for_admin
from decimetro.core.services_tokens import api_token_create, api_token_revoke
from decimetro.monitoring.models import IndicatorValue
from decimetro.participation.models import DupObjective, VerificationReport
from tests.factories import IndicatorFactory
from tests.participation.fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_b(participation_site):
    token, secret = api_token_create(by=None, organisation=participation_site["org_b"], name="Gestionale DUP")
    return token, secret


def _post(secret: str | None, url: str, payload: dict) -> object:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client().post(url, payload, content_type="application/json", **headers)


def _dup_url(site) -> str:
    return f"/api/v1/participation/dup/{site['org_b'].comune.codice_istat}/objectives"


def test_token_is_stored_hashed_and_acts_as_an_editor_of_its_organisation(participation_site, token_b):
    token, secret = token_b
    assert secret.startswith("dcm_") and len(secret) > 40
    assert token.prefix == secret[:10] and token.digest != secret
    with connection.cursor() as cursor:  # the secret is nowhere in the database
        for table in ("core_apitoken", "core_auditentry", "core_user"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed names)
            assert not any(secret in str(row) for row in cursor.fetchall()), table
    user = token.user
    assert not user.has_usable_password() and not user.is_staff
    assert user.membership.organisation == participation_site["org_b"] and user.membership.role == "editor"
    assert user not in users_for_admin()  # not a person: not in the accounts list


def test_dup_objective_write_calls_the_service_and_audits_the_token(participation_site, token_b):
    token, secret = token_b
    r = _post(
        secret,
        _dup_url(participation_site),
        {"title": "Scuole sicure", "objectives": ["m1.1", "M1.2"], "description": "Adeguamento sismico"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"] == "API-1" and body["objectives"] == ["M1.1", "M1.2"]
    year = datetime.date.today().year
    assert (body["year_from"], body["year_to"]) == (year, year + 2)
    d = DupObjective.objects.get(pk=body["id"])
    assert d.organisation == participation_site["org_b"] and d.description == "Adeguamento sismico"
    assert sorted(o.code for o in d.plan_objectives.all()) == ["M1.1", "M1.2"]
    public_dup = Client().get(urlsplit(body["url"]).path).content.decode()
    assert "Adeguamento sismico" in public_dup
    entry = AuditEntry.objects.get(action="dup.create", target_id=str(d.pk))
    assert (
        entry.actor_label
        == f"token API «Gestionale DUP» ({token.prefix}…) di {participation_site['org_b'].name}"
    )
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert _post(secret, _dup_url(participation_site), {"title": "Secondo"}).json()["code"] == "API-2"


def test_unknown_objective_codes_are_named_and_nothing_is_written(participation_site, token_b):
    _token, secret = token_b
    before = DupObjective.objects.count(), AuditEntry.objects.count()
    r = _post(secret, _dup_url(participation_site), {"title": "X", "objectives": ["M1.1", "M9.9", "ZZ"]})
    assert r.status_code == 422
    [issue] = r.json()["detail"]
    assert issue["loc"] == ["body", "objectives"] and "M9.9, ZZ" in issue["msg"]
    assert (DupObjective.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"objectives": ["M1.1"]}, "title"),
        ({"title": "", "objectives": []}, "title"),
        ({"title": "X", "year_from": 2030, "year_to": 2027}, "year_to"),
        ({"title": "X", "code": "SO.1" * 10}, "code"),
    ],
)
def test_invalid_dup_payloads_are_422_in_italian(participation_site, token_b, payload, where):
    _token, secret = token_b
    r = _post(secret, _dup_url(participation_site), payload)
    assert r.status_code == 422
    issues = r.json()["detail"]
    assert any(where in i["loc"] for i in issues), issues
    assert all(i["msg"] and "field required" not in i["msg"].lower() for i in issues)


def test_indicator_value_write_and_its_refusals(participation_site, token_b):
    _token, secret = token_b
    indicator = IndicatorFactory(
        objective=participation_site["objective"],
        comune=participation_site["org_b"].comune,
        owner=participation_site["users"]["ente_admin"],
    )
    url = f"/api/v1/monitoring/indicators/{indicator.pk}/values"
    r = _post(secret, url, {"date": "2025-06-30", "value": "41.5", "note": "da gestionale"})
    assert r.status_code == 201, r.content
    row = IndicatorValue.objects.get(indicator=indicator)
    assert row.value == Decimal("41.5") and row.entered_by.api_token.name == "Gestionale DUP"
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    r = _post(secret, url, {"date": future, "value": "1"})
    assert r.status_code == 422 and "futuro" in r.json()["detail"][0]["msg"]
    assert _post(secret, url, {"date": "2025-06-30", "value": "abc"}).status_code == 422
    assert _post(secret, url, {"date": "2025-06-30", "value": "1e20"}).status_code == 422
    assert (
        _post(
            secret, "/api/v1/monitoring/indicators/999999/values", {"date": "2025-06-30", "value": "1"}
        ).status_code
        == 404
    )
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 1


def test_verification_write_is_for_the_token_organisation(participation_site, token_b):
    _token, secret = token_b
    project = participation_site["project"]
    r = _post(
        secret,
        f"/api/v1/projects/{project.pk}/verifications",
        {"status": "completed", "seen_on": "2025-05-02", "note": "Opera finita e aperta"},
    )
    assert r.status_code == 201, r.content
    report = VerificationReport.objects.get(pk=r.json()["id"])
    assert report.organisation == participation_site["org_b"] and report.status == "completed"
    bad = _post(secret, f"/api/v1/projects/{project.pk}/verifications", {"status": "finito", "seen_on": "x"})
    assert bad.status_code == 422
    assert {tuple(i["loc"]) for i in bad.json()["detail"]} >= {
        ("body", "payload", "status"),
        ("body", "payload", "seen_on"),
    }


def test_revoked_token_is_401_with_an_italian_message(participation_site, token_b):
    token, secret = token_b
    api_token_revoke(by=participation_site["users"]["ente_admin"], token=token)
    r = _post(secret, _dup_url(participation_site), {"title": "X"})
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")
    assert "token" in r.json()["detail"] and "revocato" in r.json()["detail"]
    assert not User.objects.get(pk=token.user_id).is_active
    assert AuditEntry.objects.filter(action="apitoken.revoke").count() == 1


def test_cross_scope_token_is_403_and_says_why(participation_site):
    _t, secret_a = api_token_create(by=None, organisation=participation_site["org_a"], name="A")
    r = _post(secret_a, _dup_url(participation_site), {"title": "X", "objectives": ["NON-ESISTE"]})
    assert r.status_code == 403  # permission first: no hint from a validation of the payload
    assert "Comune" in r.json()["detail"] or "DUP" in r.json()["detail"]


def test_rate_limit_per_token_is_429_with_retry_after(participation_site, token_b, settings):
    settings.DECIMETRO_API_TOKEN_RATE_LIMIT = 2
    _token, secret = token_b
    url = _dup_url(participation_site)
    statuses = [_post(secret, url, {"title": f"T{i}"}).status_code for i in range(3)]
    assert statuses[:2] == [201, 201]
    r = _post(secret, url, {"title": "T3"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0 and "Troppe richieste" in r.json()["detail"]
    assert DupObjective.objects.filter(title__startswith="T").count() == 2


def test_command_prints_the_token_alone_on_its_last_line_and_it_works(participation_site):
    out = io.StringIO()
    istat = participation_site["org_b"].comune.codice_istat
    call_command("api_token_create", "--organisation", istat, "--name", "Da riga di comando", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("dcm_") and " " not in secret
    token = ApiToken.objects.get(name="Da riga di comando")
    assert token.created_by is None
    assert _post(secret, _dup_url(participation_site), {"title": "Dal comando"}).status_code == 201
    ente = io.StringIO()
    call_command("api_token_create", "--organisation", "ente", "--name", "Ente", stdout=ente)
    assert ApiToken.objects.get(name="Ente").organisation == participation_site["ente"]


@pytest.mark.parametrize("key", ["999999", "nessuno", "123456789"])
def test_command_refuses_unknown_organisations(participation_site, key):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Organizzazione"):
        call_command("api_token_create", "--organisation", key, "--name", "X", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_openapi_documents_the_bearer_scheme_and_every_error(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path in (
        "/api/v1/participation/dup/{codice_istat}/objectives",
        "/api/v1/monitoring/indicators/{indicator_id}/values",
        "/api/v1/projects/{project_id}/verifications",
    ):
        op = schema["paths"][path]["post"]
        assert op["security"] == [{"TokenAuth": []}]
        assert {"201", "401", "403", "404", "422", "429"} <= set(op["responses"])
