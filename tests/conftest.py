import os
import socket
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from core.roles import AdminRole, Role
from core.services import user_set_role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "Pw-for-tests-123"  # every test user's (tests/factories.py's UserFactory sets the same)

# Fixtures that need a real service: a test using one (directly or through another fixture) is marked
# `services`, so `pytest -m services` runs exactly those and `-m "not services"` runs without them.
SERVICE_FIXTURES = {"postgres", "redis_url"}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def service_unavailable(reason: str) -> None:
    """Under CI=true a missing service is a failure, never a skip (README, "Tests")."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: ids repeat between tests (rolled-back rows), so a page or
    snapshot head cached by one test must not be served to the next; throttle counters start at zero."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def redis_url() -> str:
    """REDIS_URL of a reachable Redis, or skip (fail under CI)."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_unavailable("REDIS_URL is not set")
    if not _reachable(url, 6379):
        service_unavailable(f"Redis at {url} is not reachable")
    return url


@pytest.fixture
def postgres(settings) -> None:
    """Skip (fail under CI) unless the tests run on PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        service_unavailable("tests are not running on PostgreSQL (set DATABASE_URL)")


# --- users and signing in ---------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def sign_in(password):
    """sign_in(client, user): sign in through the real sign-in form (the auth backend and the session
    engine a browser meets), asserting it worked. Where signing in is not under test and a cookie is all
    that is needed, `client.force_login(user)` is as good."""

    def sign_in(client, user, *, password: str = password):
        response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
        assert response.status_code == 302, f"sign-in of {user} failed ({response.status_code})"
        return response

    return sign_in


@pytest.fixture
def staff_user(db):
    return user_set_role(username="staff", role=Role.STAFF, password=PASSWORD)


@pytest.fixture
def city_official(db):
    """A city official of Dalian."""
    return user_set_role(username="dalian-official", role=Role.CITY_OFFICIAL, city_slug="dalian", password=PASSWORD)


@pytest.fixture
def api_client_user(db):
    return user_set_role(username="api-client", role=Role.API_CLIENT, password=PASSWORD)


@pytest.fixture
def sysadmin_user(db):
    return user_set_role(username="sysadmin", role=AdminRole.SYSADMIN, password=PASSWORD)


@pytest.fixture
def secadmin_user(db):
    return user_set_role(username="secadmin", role=AdminRole.SECADMIN, password=PASSWORD)


@pytest.fixture
def auditor_user(db):
    return user_set_role(username="auditor", role=AdminRole.AUDITOR, password=PASSWORD)


@pytest.fixture
def role_users(staff_user, city_official, api_client_user, sysadmin_user, secadmin_user, auditor_user) -> dict:
    """The user of each role of tests/permissions.py (None: anonymous)."""
    return {
        "anonymous": None,
        "staff": staff_user,
        "city_official": city_official,
        "api_client": api_client_user,
        "sysadmin": sysadmin_user,
        "secadmin": secadmin_user,
        "auditor": auditor_user,
    }
