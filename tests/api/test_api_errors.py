"""The API's bounds and error answers (issue 14): `limit`/`offset` bounded on every paginated list (422
with an Italian message, never a 500; an offset past the data is an empty page), ids in paths bounded, and
every error an operation can give documented in the OpenAPI with its schema."""

from __future__ import annotations

import pytest

from decimetro.api.errors import MAX_LIMIT, MAX_OFFSET
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"
PAGINATED = (f"{API}/projects", f"{API}/monitoring/indicators")
HUGE = str(2**70)  # beyond a 64-bit integer: what made the database fail


@pytest.fixture
def rows(db):
    ProjectFactory()
    IndicatorFactory()


def _issue(response, name: str) -> dict:
    assert response.status_code == 422, response.content
    issues = response.json()["detail"]
    assert {"loc", "msg", "type"} <= set(issues[0])
    return next(i for i in issues if i["loc"][-1] == name)


@pytest.mark.parametrize("url", PAGINATED)
@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"offset": HUGE}, "offset", f"«offset» deve essere al massimo {MAX_OFFSET}."),
        ({"offset": str(MAX_OFFSET + 1)}, "offset", f"«offset» deve essere al massimo {MAX_OFFSET}."),
        ({"offset": "-1"}, "offset", "«offset» deve essere almeno 0."),
        ({"limit": "0"}, "limit", "«limit» deve essere almeno 1."),
        ({"limit": str(MAX_LIMIT + 1)}, "limit", f"«limit» deve essere al massimo {MAX_LIMIT}."),
        ({"limit": HUGE}, "limit", f"«limit» deve essere al massimo {MAX_LIMIT}."),
        ({"limit": "dieci"}, "limit", "«limit» deve essere un numero intero."),
    ],
)
def test_out_of_range_pagination_is_a_422_in_italian(client, rows, url, params, name, message):
    issue = _issue(client.get(url, params), name)
    assert issue["loc"] == ["query", name] and issue["msg"] == message


@pytest.mark.parametrize("url", PAGINATED)
def test_an_offset_past_the_data_is_an_empty_page(client, rows, url):
    body = client.get(url, {"offset": str(MAX_OFFSET), "limit": str(MAX_LIMIT)}).json()
    assert body["count"] == 1 and body["items"] == []
    assert len(client.get(url, {"offset": "0", "limit": "1"}).json()["items"]) == 1


@pytest.mark.parametrize(
    "url",
    [f"{API}/monitoring/indicators/{HUGE}", f"{API}/participation/consultations/{HUGE}"],
)
def test_an_id_beyond_64_bits_is_a_422_not_a_server_error(client, db, url):
    issue = _issue(client.get(url), url.rsplit("/", 2)[-2].rstrip("s") + "_id")
    assert issue["loc"][0] == "path" and "al massimo" in issue["msg"]


def test_amount_filters_are_bounded_numbers(client, rows):
    assert _issue(client.get(f"{API}/projects", {"amount_max": "1e2000"}), "amount_max")["type"] == (
        "less_than_equal"
    )
    assert "numero" in _issue(client.get(f"{API}/projects", {"amount_min": "molto"}), "amount_min")["msg"]
    assert _issue(client.get(f"{API}/projects", {"amount_min": "-5"}), "amount_min")["msg"] == (
        "«amount_min» deve essere almeno 0."
    )
    assert (
        client.get(f"{API}/projects", {"amount_min": "0", "amount_max": "1000000000000"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        (f"{API}/projects/B00000000000000", "CUP non trovato"),
        (f"{API}/territory/comuni/999999", "Comune non trovato"),
        (f"{API}/monitoring/indicators/987654", "Indicatore non trovato"),
        (f"{API}/participation/consultations/987654", "Consultazione non trovata"),
    ],
)
def test_not_found_answers_in_italian(client, db, url, detail):
    response = client.get(url)
    assert response.status_code == 404 and response.json() == {"detail": detail}


def test_a_body_that_is_not_json_is_a_400_in_italian(client, db):
    response = client.post(f"{API}/linking/classify", b"\x00{", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Corpo della richiesta non leggibile: è atteso un oggetto JSON."}


# The OpenAPI -------------------------------------------------------------------------------------------


@pytest.fixture
def openapi(client):
    return client.get(f"{API}/openapi.json").json()


def _resolve(openapi: dict, response: dict) -> dict:
    ref = response["content"]["application/json"]["schema"]["$ref"]
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _can_fail(schema: dict) -> bool:
    """A parameter that is not any text (a number, a bool, a choice, a bounded value) can be invalid."""
    shape = {k: v for k, v in schema.items() if k not in ("title", "default", "description")}
    return shape != {"type": "string"}


def test_every_operation_documents_its_error_answers_with_a_schema(openapi):
    operations = [(path, method, op) for path, ops in openapi["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 17
    for path, method, op in operations:
        params = op.get("parameters", [])
        codes = set(op["responses"])
        if any(_can_fail(p["schema"]) for p in params) or "requestBody" in op:
            assert "422" in codes, (method, path)
        if any(p["in"] == "path" for p in params):
            assert "404" in codes, (method, path)
        for code in codes - {"200", "201"}:  # 201: what a write created (tests/api/test_write_api.py)
            schema = _resolve(openapi, op["responses"][code])
            if code == "422":
                issue = schema["properties"]["detail"]["items"]["$ref"].rsplit("/", 1)[-1]
                assert set(openapi["components"]["schemas"][issue]["required"]) == {"loc", "msg", "type"}
            else:
                assert schema["properties"]["detail"]["type"] == "string", (method, path, code)
    classify = openapi["paths"][f"{API}/linking/classify"]["post"]["responses"]
    assert set(classify) == {"200", "400", "422", "503"}
    projects = openapi["paths"][f"{API}/projects"]["get"]
    bounds = {p["name"]: p["schema"] for p in projects["parameters"] if p["name"] in ("limit", "offset")}
    assert (bounds["limit"]["minimum"], bounds["limit"]["maximum"]) == (1, MAX_LIMIT)
    assert (bounds["offset"]["minimum"], bounds["offset"]["maximum"]) == (0, MAX_OFFSET)


def test_the_documented_422_is_what_the_api_answers(client, rows, openapi):
    """The 422 body validates against the documented schema's shape (keys and types)."""
    body = client.get(f"{API}/projects", {"limit": "0", "offset": "-3"}).json()
    assert [issue["loc"] for issue in body["detail"]] == [["query", "limit"], ["query", "offset"]]
    for issue in body["detail"]:
        assert set(issue) == {"loc", "msg", "type"} and all(isinstance(x, str | int) for x in issue["loc"])
