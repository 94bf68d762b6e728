"""Session limits (SPEC §12): 30 minutes idle, 12 hours in all (configurable). Time is moved by editing
the session's stored timestamps (core.session_limits), never by sleeping."""

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent, Session
from core.session_limits import ADDRESS, LAST_ACTIVE_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db
PAGE = "/exhibitions/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def shift(client, *, signed_in: float = 0, last_active: float = 0) -> None:
    """Move the session's sign-in and last-activity times `seconds` into the past."""
    session = client.session
    session[SIGNED_IN_AT] -= signed_in
    session[LAST_ACTIVE_AT] -= last_active
    session.save()


@pytest.fixture
def signed_in_client(client, staff_user, sign_in):
    sign_in(client, staff_user)
    assert client.get(PAGE).status_code == 200
    return client


def test_sign_in_starts_the_clocks_and_keeps_the_address(client, staff_user, sign_in):
    before = int(time.time())
    sign_in(client, staff_user)
    session = client.session
    assert before <= session[SIGNED_IN_AT] <= time.time()
    assert session[LAST_ACTIVE_AT] == session[SIGNED_IN_AT]
    assert session[ADDRESS] == "127.0.0.1"


def test_idle_for_30_minutes_ends_the_session(signed_in_client, staff_user):
    client = signed_in_client
    key = client.session.session_key
    shift(client, signed_in=31 * 60, last_active=30 * 60)
    response = client.get(PAGE, **EN)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={PAGE}"
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(response["Location"], **EN).content.decode()
    assert "Your session ended after 30 minutes without activity" in page
    assert client.get(PAGE).status_code == 302  # still signed out
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_ENDED)
    assert event.username == "staff" and event.user_id == staff_user.pk and event.role == "staff"
    assert event.detail == {"reason": "idle"} and event.address == "127.0.0.1"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OUT).exists()


def test_activity_keeps_the_session_alive(signed_in_client):
    client = signed_in_client
    for _ in range(3):  # 3 × 29 minutes idle, each followed by a request: 87 minutes in all
        shift(client, signed_in=29 * 60, last_active=29 * 60)
        assert client.get(PAGE).status_code == 200
        assert time.time() - client.session[LAST_ACTIVE_AT] < 5  # the request counted as activity
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ENDED).exists()


def test_activity_is_written_at_most_once_a_minute(signed_in_client):
    client = signed_in_client
    shift(client, last_active=50)
    last = client.session[LAST_ACTIVE_AT]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    assert client.session[LAST_ACTIVE_AT] == last
    assert not [q for q in captured if "core_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    shift(client, last_active=11)  # now a minute ago: written
    assert client.get(PAGE).status_code == 200
    assert client.session[LAST_ACTIVE_AT] > last


def test_a_form_posted_after_the_session_ended_goes_to_the_sign_in_page_without_next(signed_in_client):
    shift(signed_in_client, signed_in=31 * 60, last_active=31 * 60)
    response = signed_in_client.post("/accounts/password_change/", {"old_password": "x"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert AuditEvent.objects.get(action=AuditEvent.Action.SESSION_ENDED).detail == {"reason": "idle"}


def test_twelve_hours_after_signing_in_the_session_ends_however_active(signed_in_client):
    client = signed_in_client
    shift(client, signed_in=12 * 3600)  # active a moment ago
    response = client.get(PAGE, **EN)
    assert response.status_code == 302
    page = client.get(response["Location"], **EN).content.decode()
    assert "Your session ended 12 hours after you signed in" in page
    assert AuditEvent.objects.get(action=AuditEvent.Action.SESSION_ENDED).detail == {"reason": "absolute"}


def test_just_under_both_limits_the_session_lives(signed_in_client):
    client = signed_in_client
    shift(client, signed_in=12 * 3600 - 60, last_active=30 * 60 - 60)
    assert client.get(PAGE).status_code == 200


def test_the_limits_are_configurable(settings, signed_in_client):
    settings.EXPOPLAN_SESSION_IDLE_MINUTES = 5
    shift(signed_in_client, signed_in=6 * 60, last_active=5 * 60)
    response = signed_in_client.get(PAGE, **EN)
    assert response.status_code == 302
    assert "after 5 minutes without activity" in signed_in_client.get(response["Location"], **EN).content.decode()


def test_the_cookie_and_the_stored_session_outlive_neither_limit():
    assert settings.SESSION_COOKIE_AGE <= settings.EXPOPLAN_SESSION_MAX_HOURS * 3600
    assert settings.EXPOPLAN_SESSION_IDLE_MINUTES == 30 and settings.EXPOPLAN_SESSION_MAX_HOURS == 12


def test_an_api_request_with_an_ended_session_gets_the_json_401(signed_in_client):
    client = signed_in_client
    assert client.get("/api/v1/cities/").status_code == 200
    shift(client, signed_in=31 * 60, last_active=31 * 60)
    response = client.get("/api/v1/cities/", **EN)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert error["status"] == 401 and error["code"] == "not_authenticated" and error["fields"] == {}
    assert "30 minutes without activity" in error["message"]
    assert client.get("/api/v1/cities/").status_code == 401


def test_an_htmx_request_with_an_ended_session_redirects_the_page(signed_in_client):
    shift(signed_in_client, signed_in=31 * 60, last_active=31 * 60)
    response = signed_in_client.get(PAGE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == f"/accounts/login/?next={PAGE}"


def test_a_session_from_before_the_limits_starts_its_clock_on_the_next_request(signed_in_client):
    client = signed_in_client
    session = client.session
    del session[SIGNED_IN_AT]
    del session[LAST_ACTIVE_AT]
    session.save()
    assert client.get(PAGE).status_code == 200
    assert time.time() - client.session[SIGNED_IN_AT] < 5


def test_a_token_request_is_not_subject_to_session_limits(api_client_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=api_client_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/cities/").status_code == 200


def test_the_lockout_and_session_settings_come_from_the_environment():
    from tests.core.test_settings import SHOW, run_python

    show = SHOW + (
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.EXPOPLAN_SESSION_IDLE_MINUTES,"
        " s.EXPOPLAN_SESSION_MAX_HOURS, s.SESSION_COOKIE_AGE)"
    )
    out = run_python(show, DJANGO_DEBUG="1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "900", "30", "12", "43200"]
    out = run_python(
        show,
        DJANGO_DEBUG="1",
        EXPOPLAN_LOCKOUT_FAILURES="7",
        EXPOPLAN_LOCKOUT_MINUTES="60",
        EXPOPLAN_SESSION_IDLE_MINUTES="10",
        EXPOPLAN_SESSION_MAX_HOURS="8",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["7", "3600", "10", "8", "28800"]
    for name in ("EXPOPLAN_LOCKOUT_FAILURES", "EXPOPLAN_LOCKOUT_MINUTES", "EXPOPLAN_SESSION_IDLE_MINUTES"):
        out = run_python(show, DJANGO_DEBUG="1", **{name: "0"})
        assert out.returncode != 0 and name in out.stderr
