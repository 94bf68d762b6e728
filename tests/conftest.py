import os
import re
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


def totp_code(device) -> str:
    """The code the user's authenticator app shows for `device` now (django_otp.oath.TOTP, without the
    server's drift). Where this step's code was used already (a second sign-in within 30 s), the next
    step's, as the app shows it a moment later: within the device's tolerance, so verification is real."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if totp.t() <= device.last_t:
        totp.drift = device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def totp_device_for(user):
    """A confirmed authenticator for `user` (theirs, or a new one as if they had set it up)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def complete_two_factor(client, response):
    """After the password form: the verify page with a current code, or the setup page (QR, a code from
    the new authenticator, the recovery codes). Returns the last response (a redirect, or the codes page)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.two_factor import two_factor_required

    target = response.headers.get("Location", "")
    user = response.wsgi_request.user
    if not two_factor_required(user):
        return response
    if target.startswith(reverse("two_factor_setup")):
        page = client.get(target)
        assert page.status_code == 200, f"two-factor setup page answered {page.status_code}"
        device = TOTPDevice.objects.get(user_id=user.pk, confirmed=False)
        next_url = re.search(r'name="next" value="([^"]*)"', page.content.decode()).group(1)
        done = client.post(reverse("two_factor_setup"), {"code": totp_code(device), "next": next_url})
        assert done.status_code == 200 and b"recovery-codes" in done.content, "two-factor setup failed"
        return done
    assert target.startswith(reverse("two_factor_verify")), f"sign-in of {user} went to {target!r}"
    device = TOTPDevice.objects.get(user_id=user.pk, confirmed=True)
    next_url = re.search(r"next=([^&]*)", target)
    from urllib.parse import unquote

    done = client.post(
        reverse("two_factor_verify"),
        {"code": totp_code(device), "next": unquote(next_url.group(1)) if next_url else ""},
    )
    assert done.status_code == 302, f"two-factor verification of {user} failed ({done.status_code})"
    return done


@pytest.fixture
def sign_in(password):
    """sign_in(client, user): sign in through the real sign-in form (the auth backend and the session
    engine a browser meets), then, where it is required, the real second factor (a current TOTP code of
    the user's authenticator, or its setup), asserting it worked. Where signing in is not under test and
    a cookie is all that is needed, `client.force_login(user)` is as good."""

    def sign_in(client, user, *, password: str = password):
        response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
        assert response.status_code == 302, f"sign-in of {user} failed ({response.status_code})"
        return complete_two_factor(client, response)

    return sign_in


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login(user)` (Django's Client, and DRF's APIClient, which inherits it) stands for a
    finished sign-in: where two-factor sign-in is required, the session is then verified as django_otp.login
    makes it (the device's persistent_id under DEVICE_ID_SESSION_KEY), with the user's confirmed
    authenticator (a new one if they have none, as if set up before). Not a switch-off: the middleware
    checks this session as any other. Tests of the second factor itself sign in through the pages."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from core.two_factor import two_factor_required

    stock = Client.force_login

    def force_login(self, user, backend=None):
        stock(self, user, backend)
        if two_factor_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def with_authenticator(user):
    """Staff and the three administrators sign in with a second factor: give them a confirmed TOTP device."""
    totp_device_for(user)
    return user


@pytest.fixture
def staff_user(db):
    return with_authenticator(user_set_role(username="staff", role=Role.STAFF, password=PASSWORD))


@pytest.fixture
def city_official(db):
    """A city official of Dalian."""
    return user_set_role(username="dalian-official", role=Role.CITY_OFFICIAL, city_slug="dalian", password=PASSWORD)


@pytest.fixture
def api_client_user(db):
    return user_set_role(username="api-client", role=Role.API_CLIENT, password=PASSWORD)


@pytest.fixture
def sysadmin_user(db):
    return with_authenticator(user_set_role(username="sysadmin", role=AdminRole.SYSADMIN, password=PASSWORD))


@pytest.fixture
def secadmin_user(db):
    return with_authenticator(user_set_role(username="secadmin", role=AdminRole.SECADMIN, password=PASSWORD))


@pytest.fixture
def auditor_user(db):
    return with_authenticator(user_set_role(username="auditor", role=AdminRole.AUDITOR, password=PASSWORD))


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
