"""Sessions: Django's database sessions (cached in Redis when there is one) in core.Session, which names
the signed-in user; every sign-out, deactivation, password and role change takes effect on the next
request."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Session
from core.roles import GROUP_NAMES, Role
from core.services import user_set_role

pytestmark = pytest.mark.django_db
PAGE = "/exhibitions/"


@pytest.fixture
def sign_in_key(sign_in, staff_user):
    """sign_in_key(client): sign the staff user in through the form; the session key."""

    def sign_in_key(client) -> str:
        sign_in(client, staff_user)
        return client.cookies["sessionid"].value

    return sign_in_key


def test_a_session_row_names_its_user_and_sign_out_deletes_it(client, staff_user, sign_in_key):
    key = sign_in_key(client)
    assert Session.objects.get(session_key=key).user_id == staff_user.pk
    assert client.get(PAGE).status_code == 200
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE).status_code == 302  # signed out


def test_deactivation_takes_effect_on_the_next_request(client, staff_user, sign_in_key):
    sign_in_key(client)
    assert client.get(PAGE).status_code == 200
    get_user_model().objects.filter(pk=staff_user.pk).update(is_active=False)  # even bypassing signals
    assert client.get(PAGE).status_code == 302


def test_deleting_a_user_deletes_their_sessions(client, staff_user, sign_in_key):
    key = sign_in_key(client)
    staff_user.delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE).status_code == 302


def test_a_password_change_elsewhere_signs_the_session_out(client, staff_user, sign_in_key):
    sign_in_key(client)
    staff_user.set_password("another-password-456")
    staff_user.save()
    assert client.get(PAGE).status_code == 302


def test_a_role_change_takes_effect_on_the_next_request(client, staff_user, sign_in_key):
    sign_in_key(client)
    assert client.get("/dashboard/").status_code == 200
    staff_user.groups.remove(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    assert client.get("/dashboard/").status_code == 403


def test_an_expired_session_is_anonymous(client, staff_user, sign_in_key):
    from django.core.cache import cache

    key = sign_in_key(client)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    cache.clear()  # a cached copy (with Redis) lives no longer than the session: gone by now too
    assert client.get(PAGE).status_code == 302


def test_the_user_column_never_overrides_the_session_data(client, staff_user, sign_in_key, password):
    """Should the column ever disagree with the signed session data, the data's user is loaded."""
    other = user_set_role(username="other-staff", role=Role.STAFF, password=password)
    key = sign_in_key(client)
    Session.objects.filter(session_key=key).update(user=other)
    response = client.get("/accounts/password_change/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == staff_user.pk


# --- cached database sessions on Redis (production with REDIS_URL) ---------------------------------


@pytest.fixture
def cached_sessions(settings, redis_url):
    """Django's cached_db sessions (core.sessions_cached) on the production cache (django-redis), on Redis."""
    from django.core.cache import cache

    settings.SESSION_ENGINE = "core.sessions_cached"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url.rsplit("/", 1)[0] + "/15"}}
    cache.clear()
    yield cache
    cache.clear()


def _cached(cache, key: str):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX

    return cache.get(KEY_PREFIX + key)


def test_with_redis_a_session_is_cached_and_kept_in_the_database(cached_sessions, client, staff_user, sign_in_key):
    key = sign_in_key(client)
    assert _cached(cached_sessions, key) is not None
    assert Session.objects.get(session_key=key).user_id == staff_user.pk
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/password_change/").status_code == 200
    assert not [q for q in captured if "core_session" in q["sql"]]  # read from Redis
    client.post("/accounts/logout/")
    assert _cached(cached_sessions, key) is None
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.parametrize("change", ["deactivate", "password", "role"])
def test_with_redis_account_changes_still_take_effect_on_the_next_request(
    cached_sessions, client, staff_user, change, sign_in_key
):
    sign_in_key(client)
    assert client.get("/dashboard/").status_code == 200
    if change == "deactivate":
        get_user_model().objects.filter(pk=staff_user.pk).update(is_active=False)
    elif change == "password":
        staff_user.set_password("another-password-456")
        staff_user.save()
    else:
        staff_user.groups.clear()
    assert client.get("/dashboard/").status_code in (302, 403)


def test_ending_a_session_at_security_signs_that_browser_out(
    cached_sessions, client, staff_user, secadmin_user, sign_in_key
):
    from django.test import Client
    from django.urls import reverse

    from core.security_views import session_token

    key = sign_in_key(client)
    assert client.get(PAGE).status_code == 200
    secadmin = Client()
    secadmin.force_login(secadmin_user)
    secadmin.post(reverse("security_end_session"), {"user": staff_user.pk, "session": session_token(key)})
    assert _cached(cached_sessions, key) is None
    assert client.get(PAGE).status_code == 302
