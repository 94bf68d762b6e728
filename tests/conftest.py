import os
import socket
from urllib.parse import urlparse

import pytest

from core.roles import Role
from core.services import user_set_role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_unavailable(reason: str) -> None:
    """Under CI=true a missing service is a failure, never a skip (DEVELOPERS.md)."""
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
    snapshot head cached by one test must not be served to the next."""
    from django.core.cache import caches

    for alias in ("default",):
        caches[alias].clear()


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


@pytest.fixture
def staff_user(db):
    return user_set_role(username="staff", role=Role.STAFF, password="pw-for-tests-123")


@pytest.fixture
def city_official(db):
    """A city official of Dalian."""
    return user_set_role(
        username="dalian-official", role=Role.CITY_OFFICIAL, city_slug="dalian", password="pw-for-tests-123"
    )


@pytest.fixture
def api_client_user(db):
    return user_set_role(username="api-client", role=Role.API_CLIENT, password="pw-for-tests-123")
