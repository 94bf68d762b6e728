"""core.sessions: database sessions naming their user, loaded together with the user and role in one
statement; the database stays the authority for every sign-out, deactivation and role change."""

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
PASSWORD = "pw-for-tests-123"
PAGE = "/exhibitions/"


def sign_in(client, username="staff") -> str:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client.cookies["sessionid"].value


def test_a_session_row_names_its_user_and_sign_out_deletes_it(client, staff_user):
    key = sign_in(client)
    assert Session.objects.get(session_key=key).user_id == staff_user.pk
    assert client.get(PAGE).status_code == 200
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE).status_code == 302  # signed out


def test_session_user_and_role_load_in_one_statement(client, staff_user):
    sign_in(client)
    client.get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        # request.user on a page that needs nothing else: the password change form
        assert client.get("/accounts/password_change/").status_code == 200
    sqls = [q["sql"] for q in captured]
    assert len(sqls) == 1, sqls
    assert all(table in sqls[0] for table in ("core_session", "auth_user", "auth_group"))


def test_the_user_loaded_with_the_session_equals_the_stored_user(client, staff_user):
    """Values come through the backend's converters (on SQLite, datetimes come back aware)."""
    sign_in(client)
    user = client.get(PAGE).wsgi_request.user
    stored = get_user_model().objects.get(pk=staff_user.pk)
    for field in stored._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(stored, field.attname), field.name
    assert timezone.is_aware(user.date_joined) and timezone.is_aware(user.last_login)
    user.save()  # saving it back changes nothing
    stored.refresh_from_db()
    assert stored.date_joined == user.date_joined and stored.last_login == user.last_login


def test_deactivation_takes_effect_on_the_next_request(client, staff_user):
    sign_in(client)
    assert client.get(PAGE).status_code == 200
    get_user_model().objects.filter(pk=staff_user.pk).update(is_active=False)  # even bypassing signals
    assert client.get(PAGE).status_code == 302


def test_deleting_a_user_deletes_their_sessions(client, staff_user):
    key = sign_in(client)
    staff_user.delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE).status_code == 302


def test_a_password_change_elsewhere_signs_the_session_out(client, staff_user):
    sign_in(client)
    staff_user.set_password("another-password-456")
    staff_user.save()
    assert client.get(PAGE).status_code == 302


def test_a_role_change_takes_effect_on_the_next_request(client, staff_user):
    sign_in(client)
    assert client.get("/dashboard/").status_code == 200
    staff_user.groups.remove(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    assert client.get("/dashboard/").status_code == 403


def test_an_expired_session_is_anonymous(client, staff_user):
    key = sign_in(client)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(PAGE).status_code == 302


def test_the_user_column_never_overrides_the_session_data(client, staff_user):
    """Should the column ever disagree with the signed session data, the data's user is loaded."""
    other = user_set_role(username="other-staff", role=Role.STAFF, password=PASSWORD)
    key = sign_in(client)
    Session.objects.filter(session_key=key).update(user=other)
    response = client.get("/accounts/password_change/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == staff_user.pk


def test_prepared_statements_on_persistent_connections(postgres, staff_user, client):
    """With CONN_MAX_AGE the statement is prepared once per connection, and again on a new one."""
    from core.db import fetch_one

    key = sign_in(client)
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        assert fetch_one("expoplan_test_stmt", "SELECT user_id FROM core_session WHERE session_key = %s", [key]) == (
            staff_user.pk,
        )
        raw, prepared = connection._expoplan_prepared
        assert raw is connection.connection and "expoplan_test_stmt" in prepared
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements")
            assert ("expoplan_test_stmt",) in cursor.fetchall()
        assert fetch_one("expoplan_test_stmt", "SELECT user_id FROM core_session WHERE session_key = %s", ["x"]) is None
        # a signed-in request runs the session statement prepared on this connection
        assert client.get("/accounts/password_change/").status_code == 200
        assert "expoplan_session_user" in connection._expoplan_prepared[1]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # the connection outlives the test
        connection._expoplan_prepared = None


def test_without_persistent_connections_nothing_is_prepared(postgres, staff_user, client):
    sign_in(client)
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert client.get("/accounts/password_change/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
