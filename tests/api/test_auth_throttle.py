"""Token and session authentication; per-user throttling with 429 and Retry-After."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import token_client

URL = "/api/v1/exhibitions/"


def test_drf_create_token_prints_a_working_token(api_client_user, dataset):
    out = io.StringIO()
    call_command("drf_create_token", api_client_user.username, stdout=out)
    key = Token.objects.get(user=api_client_user).key
    assert key in out.getvalue()
    client = APIClient()
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_account_changes_take_effect_on_the_next_api_request(staff_user, dataset, change):
    client = token_client(staff_user)
    assert client.get(URL).status_code == 200
    if change == "deactivate":
        get_user_model().objects.filter(pk=staff_user.pk).update(is_active=False)
        assert client.get(URL).status_code == 401
    else:
        staff_user.groups.clear()
        assert client.get(URL).status_code == 403


def test_session_authentication(client, staff_user, dataset):
    client.force_login(staff_user)
    assert client.get(URL).status_code == 200


def test_session_writes_need_csrf(staff_user, dataset):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.patch(f"{URL}{dataset['sy_held'].pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_throttle_429_with_retry_after_per_user(settings, staff_user, api_client_user, dataset):
    settings.EXPOPLAN_API_THROTTLE_RATE = "3/minute"
    staff, other = token_client(staff_user), token_client(api_client_user)
    assert [staff.get("/api/v1/cities/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = staff.get("/api/v1/cities/")
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["error"]["code"] == "throttled"
    assert other.get("/api/v1/cities/").status_code == 200  # counted per user / token


def test_default_rate_is_documented_and_configurable(settings):
    from config.env import env

    assert settings.EXPOPLAN_API_THROTTLE_RATE == env("EXPOPLAN_API_THROTTLE_RATE", default="1000/hour")


def _quota(response) -> tuple[int, int, int]:
    return tuple(int(response[f"RateLimit-{name}"]) for name in ("Limit", "Remaining", "Reset"))


def test_ratelimit_headers_count_down_from_the_throttle_history(settings, staff_user, api_client_user, dataset):
    settings.EXPOPLAN_API_THROTTLE_RATE = "3/minute"
    staff = token_client(staff_user)
    first, second, third = (staff.get("/api/v1/cities/") for _ in range(3))
    assert [_quota(r)[:2] for r in (first, second, third)] == [(3, 2), (3, 1), (3, 0)]
    assert all(0 < _quota(r)[2] <= 60 for r in (first, second, third))
    throttled = staff.get("/api/v1/cities/")
    assert throttled.status_code == 429
    assert _quota(throttled)[:2] == (3, 0)
    assert int(throttled["Retry-After"]) == _quota(throttled)[2]  # both: when the oldest request leaves the window
    assert _quota(token_client(api_client_user).get("/api/v1/cities/"))[:2] == (3, 2)  # per user


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("staff", "/api/v1/exhibitions/", 200),
        ("staff", "/api/v1/exhibitions/999999/", 404),
        ("staff", "/api/v1/exhibitions/?year=abc", 400),
        ("staff", "/api/v1/progress/?year=2024", 200),
        ("staff", "/api/v1/progress/history/?year=2040", 404),
        ("staff", "/api/v2/", 404),
        ("staff", "/api/schema/", 200),
        ("staff", "/api/docs/", 200),
        ("nobody", "/api/v1/exhibitions/", 403),
        ("anonymous", "/api/v1/exhibitions/", 401),
        ("anonymous", "/api/", 404),
    ],
)
def test_every_api_response_carries_ratelimit_headers(settings, staff_user, dataset, who, url, status):
    from tests.factories import UserFactory

    settings.EXPOPLAN_API_THROTTLE_RATE = "50/hour"
    user = {"staff": staff_user, "nobody": UserFactory(username="nobody"), "anonymous": None}[who]
    response = token_client(user).get(url)
    assert response.status_code == status
    limit, remaining, reset = _quota(response)
    assert limit == 50 and 0 <= remaining <= 50 and 0 < reset <= 3600


def test_requests_refused_before_throttling_are_not_counted(settings, dataset):
    """Anonymous and role-less requests stop at the permission check (DRF checks throttles after it): their
    headers show the quota of their bucket (the client address), unchanged."""
    settings.EXPOPLAN_API_THROTTLE_RATE = "50/hour"
    anonymous = APIClient()
    assert [_quota(anonymous.get(URL))[:2] for _ in range(3)] == [(50, 50)] * 3
    counted = anonymous.get("/api/v2/")  # the catch-all needs no permission: counted per address
    assert _quota(counted)[:2] == (50, 49)
    assert _quota(anonymous.get(URL))[:2] == (50, 49)
