"""core.sessions: sessions read from Redis, written through to the database, and still working when
Redis is unreachable (every cache error falls back to the database)."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"


def redis_cache(url: str) -> dict:
    return {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "expoplan-test-sessions",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }


def sign_in(client) -> None:
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def test_a_session_is_cached_in_redis_and_kept_in_the_database(client, staff_user, settings, redis_url):
    settings.CACHES = {**settings.CACHES, "default": redis_cache(redis_url)}
    settings.SESSION_ENGINE = "core.sessions"
    sign_in(client)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert caches["default"].get("django.contrib.sessions.cached_db" + key) is not None
    assert client.get("/exhibitions/").status_code == 200
    client.post("/accounts/logout/")
    assert caches["default"].get("django.contrib.sessions.cached_db" + key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/exhibitions/").status_code == 302  # signed out everywhere


def test_sessions_work_with_redis_unreachable(client, staff_user, settings):
    settings.CACHES = {**settings.CACHES, "default": redis_cache("redis://127.0.0.1:6390/0")}  # nothing there
    settings.SESSION_ENGINE = "core.sessions"
    sign_in(client)
    assert client.get("/exhibitions/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/exhibitions/").status_code == 302
