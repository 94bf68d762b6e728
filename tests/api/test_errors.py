"""One error shape; 400 naming the field for everything a client can get wrong; never a 500."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from exhibitions.models import Exhibition

URL = "/api/v1/exhibitions/"


def valid_body(dataset) -> dict:
    return {
        "name": "展会",
        "batch": "market",
        "venue": dataset["dalian"].pk,
        "start_date": "2024-05-01",
        "end_date": "2024-05-03",
        "gross_area_m2": 12_000,
    }


def assert_error(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"status", "code", "message", "fields"} <= set(error)
    assert error["status"] == status and error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert all(isinstance(m, str) and m for m in error["fields"][field])
    if code is not None:
        assert error["code"] == code
    return error


def test_malformed_json_is_400(clients, dataset):
    response = clients["staff"].post(URL, '{"name": "x",', content_type="application/json")
    assert_error(response, 400, "body", "parse_error")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gross_area_m2": "lots"}, "gross_area_m2"),  # wrong type
        ({"gross_area_m2": [1]}, "gross_area_m2"),
        ({"is_green": "perhaps"}, "is_green"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": 20240501}, "start_date"),
        ({"venue": "main hall"}, "venue"),
        ({"batch": "festival"}, "batch"),  # unknown slug
        ({"city": "atlantis", "venue": None}, "city"),
        ({"brand": "no-such-brand"}, "brand"),
        ({"venue": 10**30}, "venue"),  # out of range
        ({"gross_area_m2": 2**31}, "gross_area_m2"),
        ({"gross_area_m2": 10**40}, "gross_area_m2"),
        ({"gross_area_m2": -5}, "gross_area_m2"),
        ({"net_area_m2": 2**31}, "net_area_m2"),
        ({"edition": 70_000}, "edition"),
        ({"version": 0}, "version"),
        ({"start_date": "9999-01-01", "end_date": "9999-01-02"}, "start_date"),
        ({"name": "展" * 301}, "name"),  # oversized string
        ({"external_ref": "x" * 101}, "external_ref"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"name": "bad\x00name"}, "name"),
        ({"status": "rumoured"}, "status"),
        ({"batch": None}, "batch"),
        ({"end_date": "2024-04-30"}, "end_date"),  # before start (service validator)
        ({"name": "", "name_en": ""}, "name"),
        ({"net_area_m2": 20_000}, "net_area_m2"),  # above gross
        ({"is_outbound": True, "venue": None, "city": "dalian"}, "destination_country"),
        ({"city": "shenyang"}, "venue"),  # venue not in the city
    ],
)
def test_bad_body_is_400_naming_the_field(clients, dataset, change, field):
    before = Exhibition.objects.count()
    response = clients["staff"].post(URL, {**valid_body(dataset), **change}, format="json")
    assert_error(response, 400, field, "invalid")
    assert Exhibition.objects.count() == before


def test_missing_required_fields(clients, dataset):
    error = assert_error(clients["staff"].post(URL, {}, format="json"), 400, "batch")
    assert {"start_date", "end_date", "gross_area_m2", "batch"} <= set(error["fields"])


def test_body_not_an_object(clients, dataset):
    assert_error(clients["staff"].post(URL, [1, 2], format="json"), 400)
    assert_error(clients["staff"].post(URL, "just text", format="json"), 400)


def test_duplicate_external_ref_is_400(clients, dataset):
    clients["staff"].post(URL, {**valid_body(dataset), "external_ref": "DL-1"}, format="json")
    response = clients["staff"].post(URL, {**valid_body(dataset), "external_ref": "DL-1"}, format="json")
    assert_error(response, 400, "external_ref")


def test_residual_integrity_error_is_409_not_500(clients, dataset, monkeypatch):
    def racing_create(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr("exhibitions.api.views.exhibition_create", racing_create)
    assert_error(clients["staff"].post(URL, valid_body(dataset), format="json"), 409, code="conflict")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{URL}?year=abc", "year"),
        (f"{URL}?year=2024.5", "year"),
        (f"{URL}?year=99999", "year"),
        (f"{URL}?month=13", "month"),
        (f"{URL}?city=atlantis", "city"),
        (f"{URL}?batch=festival", "batch"),
        (f"{URL}?status=rumoured", "status"),
        (f"{URL}?venue=abc", "venue"),
        (f"{URL}?venue=99999999999999999999999", "venue"),
        (f"{URL}?start_from=soon", "start_from"),
        (f"{URL}?ordering=secret", "ordering"),
        (f"{URL}?page_size=abc", "page_size"),
        (f"{URL}?page_size=0", "page_size"),
        (f"{URL}?page=abc", "page"),
        ("/api/v1/venues/?city=atlantis", "city"),
        ("/api/v1/progress/?year=abc", "year"),
        ("/api/v1/progress/history/?year=1800", "year"),
    ],
)
def test_bad_query_parameter_is_400_naming_it(clients, dataset, url, field):
    assert_error(clients["api_client"].get(url), 400, field, "invalid")


@pytest.mark.parametrize(
    "url",
    [
        f"{URL}999999/",
        f"{URL}99999999999999999999999/",
        "/api/v1/cities/atlantis/",
        "/api/v1/targets/1999/",
        "/api/v1/venues/0/",
        "/api/v1/brands/none/",
    ],
)
def test_unknown_object_is_404(clients, dataset, url):
    assert_error(clients["api_client"].get(url), 404, code="not_found")


def test_method_not_allowed_is_405(clients, dataset):
    assert_error(clients["staff"].delete(f"/api/v1/venues/{dataset['dalian'].pk}/"), 405, code="method_not_allowed")
    assert_error(clients["staff"].post("/api/v1/cities/", {}, format="json"), 405)


def test_unauthenticated_and_bad_token_are_401_with_www_authenticate(clients, dataset):
    anonymous = clients["anonymous"].get(URL)
    assert_error(anonymous, 401, code="not_authenticated")
    assert anonymous["WWW-Authenticate"] == "Token"
    bad = clients["anonymous"].get(URL, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(bad, 401, code="authentication_failed")
    assert bad["WWW-Authenticate"] == "Token"


def test_unsupported_media_type_is_415(clients, dataset):
    response = clients["staff"].post(URL, "name=x", content_type="text/plain")
    assert_error(response, 415)


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/v2/",
        "/api/v2/exhibitions/",
        "/api/v2/exhibitions/1/",
        "/api/v1/",
        "/api/v1/nothing-here/",
        "/api/v1/exhibitions/1/extra/",
        "/api/v1/nothing-here",
        "/api/schema/extra/",
        "/api/%E5%B1%95/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_every_other_path_under_api_is_a_json_404(clients, dataset, path, method, role):
    response = getattr(clients[role], method)(path)
    assert_error(response, 404, code="not_found")
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/v1/exhibitions", "/api/v1/progress", "/api/schema"])
def test_a_missing_trailing_slash_is_redirected_for_reads_and_named_for_writes(clients, dataset, path):
    read = clients["staff"].get(f"{path}?year=2024")
    assert read.status_code == 301 and read["Location"] == f"{path}/?year=2024"
    write = clients["staff"].post(path, {"name": "x"}, format="json")
    error = assert_error(write, 404, code="not_found")
    assert f"{path}/" in error["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/progress/"),
        ("delete", "/api/v1/progress/history/"),
        ("put", "/api/v1/exhibitions/"),
        ("delete", "/api/v1/targets/2024/"),
        ("patch", "/api/v1/cities/dalian/"),
        ("post", "/api/schema/"),
        ("post", "/api/docs/"),
    ],
)
def test_a_wrong_method_is_a_json_405(clients, dataset, method, url):
    response = getattr(clients["staff"], method)(url, {}, format="json")
    assert_error(response, 405, code="method_not_allowed")
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/schema/?format=yaml"])
def test_schema_and_docs_errors_are_json_too(clients, dataset, url):
    response = clients["anonymous"].get(url, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(response, 401, code="authentication_failed")
    assert response["Content-Type"] == "application/json"
