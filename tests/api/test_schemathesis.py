"""Property-based API check: schemathesis generates requests from /api/schema/ and sends them, as staff,
to the WSGI app. Every response must be a non-5xx that conforms to the schema (status code, content
type, headers, body). Bounded examples keep it within CI time."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 20


@pytest.fixture
def staff_token(staff_user) -> str:
    return Token.objects.get_or_create(user=staff_user)[0].key


@pytest.fixture
def api_schema(dataset, settings, staff_token):
    settings.EXPOPLAN_API_THROTTLE_RATE = "1000000/hour"  # the run itself must not be throttled
    # Like Django's test client: the WSGI handler must not close the test's database connection (and
    # with it the transaction every test runs in) when a request starts or finishes.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/",
            get_wsgi_application(),
            headers={"Accept-Language": "en", "Authorization": f"Token {staff_token}"},
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, checks=CHECKS)
