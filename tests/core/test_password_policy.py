"""The password policy (SPEC §12) on every path that sets a password: `add_user`, the change-password
page, the admin's add-user and change-password forms and `changepassword`. Each refuses
the same six passwords; each change is audited once (password_changed). Then expiry."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from core.models import AuditEvent, PasswordHistory
from core.passwords import password_set
from core.roles import Role
from core.services import user_set_role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()

USERNAME = "liaoning-planner"
# The user's earlier passwords, oldest first; the last is the current one. With EXPOPLAN_PASSWORD_HISTORY=5
# the first of them has left the history, the other five may not come back.
EARLIER = ["Old-pass-0001", "Old-pass-0002", "Old-pass-0003", "Old-pass-0004", "Old-pass-0005", "Old-pass-0006"]

# name: (password, the validator's code, a piece of its English message)
REFUSED = {
    "one character": ("1", "password_too_short", "too short"),
    "eight letters": ("zqxwvuts", "password_too_short", "too short"),
    "common": ("Password123", "password_too_common", "too common"),
    "too similar": ("Liaoning-planner7", "password_too_similar", "too similar"),
    "two classes": ("expoplanning2025", "password_too_simple", "at least 3 of these four"),
    "reused": (EARLIER[1], "password_reused", "differ from your last 5 passwords"),
}
CASES = pytest.mark.parametrize("password, code, message", REFUSED.values(), ids=REFUSED.keys())
# A new account has no earlier passwords to reuse.
NEW = {name: case for name, case in REFUSED.items() if name != "reused"}
NEW_ACCOUNT_CASES = pytest.mark.parametrize("password, code, message", NEW.values(), ids=NEW.keys())


@pytest.fixture
def planner(db):
    """A staff user with six passwords behind them (the current one last)."""
    user = user_set_role(username=USERNAME, role=Role.STAFF, password=EARLIER[0])
    for earlier in EARLIER[1:]:
        password_set(user=user, password=earlier)
        user.save()
    return user


def password_events(user) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGED, object_id=str(user.pk)).count()


def unchanged(user) -> bool:
    user.refresh_from_db()
    return user.check_password(EARLIER[-1])


def test_the_history_keeps_five_and_the_sixth_may_come_back(planner):
    assert PasswordHistory.objects.filter(user=planner).count() == 5
    password_set(user=planner, password=EARLIER[0])  # six passwords ago: allowed again
    planner.save()
    assert password_events(planner) == 6  # the first password was part of account_created


# --- add_user -------------------------------------------------------------------------------------


@CASES
def test_add_user_refuses_and_creates_nothing(planner, password, code, message):
    username = USERNAME if code == "password_reused" else "liaoning-planner-2"
    if code == "password_too_similar":
        password = "Liaoning-planner-27"
    before = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(CommandError) as refused, translation.override("en"):
        call_command("add_user", username, "--role", "staff", "--password", password)
    assert refused.value.returncode == 1  # manage.py exits with it
    assert message in str(refused.value) and str(refused.value).startswith("password: ")
    assert (User.objects.count(), AuditEvent.objects.count()) == before
    assert unchanged(planner)


def test_add_user_sets_a_good_password_audited_once(planner):
    call_command("add_user", "new-planner", "--role", "staff", "--password", "Good-pass-2031")
    user = User.objects.get(username="new-planner")
    assert user.check_password("Good-pass-2031")
    assert password_events(user) == 0  # a new account: its first password is part of account_created
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CREATED, object_id=str(user.pk)).count() == 1
    before = password_events(planner)
    call_command("add_user", USERNAME, "--role", "staff", "--password", "Good-pass-2032")
    assert password_events(planner) == before + 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGED).latest("pk")
    assert (event.username, event.object_repr) == ("", USERNAME)  # a management command: no actor


# --- the change-password page ----------------------------------------------------------------------


@CASES
def test_change_password_page_refuses(client, planner, password, code, message):
    client.force_login(planner)
    before = password_events(planner)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": EARLIER[-1], "new_password1": password, "new_password2": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert code in {error.code for error in errors}
    assert message in response.content.decode()
    assert unchanged(planner) and password_events(planner) == before


def test_change_password_page_audits_once_with_the_request(client, planner):
    client.force_login(planner)
    before = password_events(planner)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": EARLIER[-1], "new_password1": "Brand-new-2031", "new_password2": "Brand-new-2031"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="policy-test",
    )
    assert response.status_code == 302
    assert password_events(planner) == before + 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGED).latest("pk")
    assert (event.username, event.role, event.address, event.user_agent) == (
        USERNAME,
        "staff",
        "10.1.2.3",
        "policy-test",
    )
    assert client.get("/exhibitions/").status_code == 200  # still signed in (and still verified)


# --- the Django admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, sysadmin_user):
    client.force_login(sysadmin_user)
    return client


def _admin_errors(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form if "adminform" in response.context else response.context["form"]
    return {error.code for errors in form.errors.as_data().values() for error in errors}


@NEW_ACCOUNT_CASES
def test_admin_add_user_refuses(admin_client, planner, password, code, message):
    username = "liaoning-planner-2"
    if code == "password_too_similar":
        password = "Liaoning-planner-27"
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": username,
            "role": "staff",
            "usable_password": "true",
            "password1": password,
            "password2": password,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert code in _admin_errors(response)
    assert message in response.content.decode()
    assert not User.objects.filter(username=username).exists()


@CASES
def test_admin_change_password_refuses(admin_client, planner, password, code, message):
    before = password_events(planner)
    response = admin_client.post(
        f"/admin/auth/user/{planner.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert code in _admin_errors(response)
    assert message in response.content.decode()
    assert unchanged(planner) and password_events(planner) == before


def test_admin_paths_audit_once(admin_client, planner):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "admin-made",
            "role": "staff",
            "usable_password": "true",
            "password1": "Good-pass-2033",
            "password2": "Good-pass-2033",
        },
    )
    assert response.status_code == 302
    made = User.objects.get(username="admin-made")
    # Audited once: as the password's change (Django's add form) or within account_created (user_set_role).
    created = AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CREATED, object_id=str(made.pk)).count()
    assert password_events(made) + created == 1
    assert PasswordHistory.objects.filter(user=made).count() == 1
    before = password_events(planner)
    response = admin_client.post(
        f"/admin/auth/user/{planner.pk}/password/",
        {"password1": "Good-pass-2034", "password2": "Good-pass-2034", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert password_events(planner) == before + 1
    planner.refresh_from_db()
    assert planner.check_password("Good-pass-2034")


# --- changepassword ------------------------------------------------------------


@CASES
def test_changepassword_command_refuses(planner, monkeypatch, password, code, message, capsys):
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": password)
    before = password_events(planner)
    with pytest.raises(CommandError, match="Aborting password change"), translation.override("en"):
        call_command("changepassword", USERNAME)
    assert message in capsys.readouterr().err
    assert unchanged(planner) and password_events(planner) == before


def test_changepassword_command_audits_once(planner, monkeypatch):
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "Good-pass-2035")
    before = password_events(planner)
    call_command("changepassword", USERNAME)
    assert password_events(planner) == before + 1


# --- expiry ---------------------------------------------------------------------------------------


def age(user, days: int) -> None:
    PasswordHistory.objects.filter(user=user).update(set_at=timezone.now() - dt.timedelta(days=days))


def test_expired_password_forces_a_change_then_all_is_normal(client, staff_user, settings):
    assert settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS == 90  # the production default
    age(staff_user, 91)
    client.force_login(staff_user)
    response = client.get("/exhibitions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"
    page = client.get("/accounts/password_change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Your password is more than 90 days old" in page.content.decode()  # the message, translated
    # The API by session: the JSON error shape.
    api = client.get("/api/v1/exhibitions/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 403
    body = api.json()["error"]
    assert (body["status"], body["code"]) == (403, "password_expired") and "90 days" in body["message"]
    # Sign-out and the language switch stay reachable; the two-factor pages too.
    assert client.get("/accounts/two-factor/")["Location"] == "/"  # verified already: sent on
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "Renewed-pass-2031", "new_password2": "Renewed-pass-2031"},
    )
    assert response.status_code == 302
    assert client.get("/exhibitions/").status_code == 200
    assert client.get("/api/v1/exhibitions/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_token_clients_are_not_affected(staff_user, api_client_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    age(api_client_user, 400)
    age(staff_user, 400)
    for user in (api_client_user, staff_user):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        assert api.get("/api/v1/exhibitions/").status_code == 200


def test_without_history_the_join_date_counts(client, city_official):
    PasswordHistory.objects.filter(user=city_official).delete()
    city_official.date_joined = timezone.now() - dt.timedelta(days=10)
    city_official.save(update_fields=["date_joined"])
    client.force_login(city_official)
    assert client.get("/exhibitions/").status_code == 200
    city_official.date_joined = timezone.now() - dt.timedelta(days=100)
    city_official.save(update_fields=["date_joined"])
    client.force_login(city_official)  # read again at sign-in
    assert client.get("/exhibitions/")["Location"] == "/accounts/password_change/"


def test_no_expiry_when_the_age_is_zero(client, staff_user, settings):
    settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS = 0
    age(staff_user, 4000)
    client.force_login(staff_user)
    assert client.get("/exhibitions/").status_code == 200


def test_an_unusable_password_never_expires(client, db):
    user = user_set_role(username="no-password", role=Role.CITY_OFFICIAL, city_slug="dalian")
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=1000))
    client.force_login(User.objects.get(pk=user.pk))
    assert client.get("/exhibitions/").status_code == 200


def test_the_three_administrators_are_sent_to_change_too(client, auditor_user):
    age(auditor_user, 91)
    client.force_login(auditor_user)
    assert client.get("/")["Location"] == "/accounts/password_change/"
    assert client.get("/accounts/password_change/").status_code == 200
