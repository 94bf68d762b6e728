"""Any body, however deep, large or malformed, answers the one JSON error shape with a 4xx, writes nothing
(SPEC §6, §12; core.api.parsers)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from core.api.parsers import MAX_DEPTH, depth_exceeds
from exhibitions.models import Exhibition
from tests.api.test_errors import assert_error, valid_body

URL = "/api/v1/exhibitions/"
JSON = "application/json"


def nested(levels: int) -> str:
    return '{"name": ' + '{"a": ' * (levels - 1) + "1" + "}" * levels


@pytest.fixture
def send(clients, dataset):
    """send(method, body, content_type) → the staff token client's response on the collection (POST) or
    on an exhibition (PUT, PATCH); asserts nothing was written."""
    row = dataset["dl_planned"]

    def send(method: str, body, content_type: str = JSON, client=None):
        before = (Exhibition.objects.count(), Exhibition.objects.get(pk=row.pk).version)
        url = URL if method == "post" else f"{URL}{row.pk}/"
        response = getattr(client or clients["staff"], method)(url, body, content_type=content_type)
        assert (Exhibition.objects.count(), Exhibition.objects.get(pk=row.pk).version) == before
        return response

    return send


METHODS = ["post", "put", "patch"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, nested(5000), nested(100_000)])
def test_a_body_too_deep_for_the_decoder_is_400(send, method, body):
    error = assert_error(send(method, body), 400, "body", "parse_error")
    assert str(MAX_DEPTH) in error["fields"]["body"][0]


@pytest.mark.parametrize("method", METHODS)
def test_a_body_nested_beyond_the_limit_is_400_and_at_the_limit_is_read(send, dataset, method):
    assert_error(send(method, nested(MAX_DEPTH + 1)), 400, "body", "parse_error")
    # Within the limit the body reaches the serializer, which names the field.
    assert_error(send(method, nested(MAX_DEPTH)), 400 if method == "post" else 428)


@pytest.mark.parametrize("method", METHODS)
def test_a_body_larger_than_the_upload_limit_is_413(send, dataset, method):
    padding = " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = '{"name": "x"' + padding + "}"
    error = assert_error(send(method, body), 413, code="request_too_large")
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in error["message"]


def test_the_size_limit_is_also_checked_on_the_bytes_read(settings, send):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    assert_error(send("post", '{"name": "' + "x" * 200 + '"}'), 413, code="request_too_large")


def test_a_large_body_under_the_limit_is_read(settings, clients, dataset):
    body = {**valid_body(dataset), "notes": "x" * 9_000}
    response = clients["staff"].post(URL, body, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "body",
    [b'{"name": "\xff\xfe"}', b"\xc3\x28", b'{"name": "\xed\xa0\x80"}', b"\x00\x00\x00{", b"{", b"NaN"],
    ids=["invalid-utf8", "invalid-utf8-lead", "utf8-surrogate", "nul-bytes", "truncated", "nan"],
)
def test_malformed_json_or_utf8_is_400(send, method, body):
    assert_error(send(method, body), 400, "body", "parse_error")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "true", "null", "[]"])
def test_a_body_that_is_no_object_is_400(send, method, body):
    assert_error(send(method, body), 400)


@pytest.mark.parametrize("field", ["gross_area_m2", "net_area_m2", "edition", "venue", "version", "name"])
@pytest.mark.parametrize("number", ["1e999", "-1e999", "[1e400]"])
def test_a_number_beyond_float_range_is_400(clients, dataset, field, number):
    body = json.dumps({k: v for k, v in valid_body(dataset).items() if k != field})
    response = clients["staff"].post(URL, body[:-1] + f', "{field}": {number}' + "}", content_type=JSON)
    assert_error(response, 400, "body", "parse_error")


@pytest.mark.parametrize("number", ["1e300", "-1", "0"])
def test_an_odd_venue_number_is_400_naming_it(clients, dataset, number):
    body = json.dumps({k: v for k, v in valid_body(dataset).items() if k != "venue"})
    response = clients["staff"].post(URL, body[:-1] + f', "venue": {number}' + "}", content_type=JSON)
    assert_error(response, 400, "venue", "invalid")


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain"]
)
def test_a_large_body_of_another_type_is_415_json(send, staff_user, content_type):
    client = APIClient(enforce_csrf_checks=True)  # session with CSRF: Django's CSRF check reads form bodies
    client.force_login(staff_user)
    body = b"a=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    for method in METHODS:
        response = send(method, body, content_type=content_type, client=client)
        assert response.status_code in (403, 413, 415), response.content  # CSRF refusal or the media type
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error"}


def test_depth_is_measured_without_recursion():
    deep = current = []
    for _ in range(100_000):
        current.append([])
        current = current[0]
    assert depth_exceeds(deep, MAX_DEPTH)
    assert not depth_exceeds({"a": [{"b": 1}], "c": [1, 2]}, 3)
    assert depth_exceeds({"a": [{"b": []}]}, 3)
    assert not depth_exceeds("text", 0)
