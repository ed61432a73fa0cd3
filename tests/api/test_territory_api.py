"""The territory API: the comuni list and the GeoJSON feed (ETag, 304, gzip)."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from decimetro.territory.models import Comune
from tests.factories import ComuneFactory

LIST_URL = "/api/v1/territory/comuni"
GEOJSON_URL = "/api/v1/territory/comuni.geojson"
KEYS = {"codice_istat", "name", "zona_omogenea", "population", "area_kmq"}


def geojson(response) -> dict:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


# /comuni ----------------------------------------------------------------------------------------------------


def test_comuni_lists_the_133_comuni_with_exact_keys_and_types(client, territory):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 133
    for item in items:
        assert set(item) == KEYS
        assert isinstance(item["codice_istat"], str) and re.fullmatch(r"015\d{3}", item["codice_istat"])
        assert isinstance(item["name"], str) and item["name"]
        assert isinstance(item["zona_omogenea"], str)
        assert isinstance(item["population"], int) and not isinstance(item["population"], bool)
        assert isinstance(item["area_kmq"], float)
    assert [i["name"] for i in items][:2] == ["Abbiategrasso", "Albairate"]


def test_comuni_item_values_match_the_database(client, territory):
    milano = next(i for i in client.get(LIST_URL).json() if i["codice_istat"] == "015146")
    assert milano == {
        "codice_istat": "015146",
        "name": "Milano",
        "zona_omogenea": "Milano",
        "population": 1_358_420,
        "area_kmq": float(Comune.objects.get(codice_istat="015146").area_kmq),
    }
    assert sum(i["population"] for i in client.get(LIST_URL).json()) == 3_228_006


def test_comuni_without_zone_or_figures_give_nulls(client, db):
    ComuneFactory(zone=None, population_resident=None, area_kmq=None)
    [item] = client.get(LIST_URL).json()
    assert item["zona_omogenea"] is None
    assert item["population"] is None
    assert item["area_kmq"] is None


@pytest.mark.parametrize("n", [1, 3])
def test_comuni_query_count_is_constant(client, db, django_assert_num_queries, n):
    ComuneFactory.create_batch(n)
    with django_assert_num_queries(1):
        response = client.get(LIST_URL)
    assert len(response.json()) == n


# /comuni.geojson --------------------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_the_133_comuni(client, territory):
    response = client.get(GEOJSON_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    fc = geojson(response)
    assert fc["type"] == "FeatureCollection"
    assert "ISTAT" in fc["attribution"] and "openpolis" in fc["attribution"]
    assert len(fc["features"]) == 133
    listed = {i["codice_istat"]: i for i in client.get(LIST_URL).json()}
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert feature["geometry"]["coordinates"]
        assert set(feature["properties"]) == KEYS
        assert feature["properties"] == listed[feature["id"]]  # the same properties as /comuni
    assert {f["id"] for f in fc["features"]} == set(listed)


def test_geojson_geometry_is_the_stored_one(client, territory):
    fc = geojson(client.get(GEOJSON_URL))
    rho = next(f for f in fc["features"] if f["id"] == "015182")
    assert rho["geometry"] == Comune.objects.get(codice_istat="015182").geometry


def test_geojson_has_a_strong_etag_and_answers_304_to_if_none_match(client, territory):
    first = client.get(GEOJSON_URL)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/ prefix
    assert first["Cache-Control"] == "public, max-age=300"
    assert "Accept-Encoding" in first["Vary"]
    assert client.get(GEOJSON_URL)["ETag"] == etag  # same content, same tag

    not_modified = client.get(GEOJSON_URL, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag

    assert client.get(GEOJSON_URL, headers={"If-None-Match": f"W/{etag}"}).status_code == 304  # weak compare
    assert client.get(GEOJSON_URL, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(GEOJSON_URL, headers={"If-None-Match": '"0123456789abcdef"'}).status_code == 200


def test_geojson_etag_changes_when_the_content_changes(client, territory):
    etag = client.get(GEOJSON_URL)["ETag"]
    Comune.objects.filter(codice_istat="015182").update(population_resident=1)
    changed = client.get(GEOJSON_URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    rho = next(f for f in geojson(changed)["features"] if f["id"] == "015182")
    assert rho["properties"]["population"] == 1


def test_geojson_is_gzipped_when_the_client_accepts_it(client, territory):
    plain = client.get(GEOJSON_URL)
    assert "Content-Encoding" not in plain
    zipped = client.get(GEOJSON_URL, headers={"Accept-Encoding": "br, gzip;q=0.8, deflate"})
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert zipped["Content-Type"] == "application/geo+json"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    # its own strong tag (the bytes differ), which also validates a cached copy
    assert re.fullmatch(r'"[0-9a-f]{32}-gz"', zipped["ETag"])
    assert zipped["ETag"] != plain["ETag"]
    revalidated = client.get(
        GEOJSON_URL, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped["ETag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated["ETag"] == zipped["ETag"]
    assert client.get(GEOJSON_URL, headers={"If-None-Match": zipped["ETag"]}).status_code == 304


def test_geojson_is_not_gzipped_when_gzip_is_refused(client, territory):
    response = client.get(GEOJSON_URL, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response
    assert len(geojson(response)["features"]) == 133


@pytest.mark.parametrize("n", [1, 3])
def test_geojson_query_count_is_constant(client, db, django_assert_num_queries, n):
    ComuneFactory.create_batch(n)
    with django_assert_num_queries(1):
        response = client.get(GEOJSON_URL)
    assert len(geojson(response)["features"]) == n
    with django_assert_num_queries(1):
        assert client.get(GEOJSON_URL, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_geojson_follows_the_territory_setting(client, territory, settings):
    settings.DECIMETRO_TERRITORY_UTS = "201"
    fc = geojson(client.get(GEOJSON_URL))
    assert fc["features"] == []
