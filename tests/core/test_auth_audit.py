"""The audit log's sign-in events (SPEC §12, core/auth_events.py): one row per event, with the time,
user, role, address, user agent and outcome; never a password."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.session_limits import LAST_ACTIVE_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db
Action, Outcome = AuditEvent.Action, AuditEvent.Outcome
AGENT = "Mozilla/5.0 (audit test)"
ADDRESS = "198.51.100.23"


@pytest.fixture
def browser():
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)


def only(action) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def assert_from_browser(event: AuditEvent) -> None:
    assert event.address == ADDRESS and event.user_agent == AGENT


def sign_in(browser, username, password):
    return browser.post(reverse("login"), {"username": username, "password": password})


def test_sign_in(browser, staff_user, password):
    assert sign_in(browser, "staff", password).status_code == 302
    event = only(Action.SIGN_IN)
    assert_from_browser(event)
    assert (event.username, event.user_id, event.role, event.outcome) == ("staff", staff_user.pk, "staff", "success")


def test_sign_in_failed_names_the_attempted_account_never_the_password(browser, staff_user):
    assert sign_in(browser, "staff", "Secret-guess-987").status_code == 200
    assert sign_in(browser, "no-such-user", "Secret-guess-987").status_code == 200
    events = list(AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).order_by("id"))
    assert [(e.username, e.user_id, e.outcome) for e in events] == [
        ("staff", None, "failure"),
        ("no-such-user", None, "failure"),
    ]
    for event in events:
        assert_from_browser(event)
        row = json.dumps([event.detail, event.object_repr, event.username, event.user_agent])
        assert "Secret-guess-987" not in row and "****" not in row


def test_locked_out(browser, staff_user, password):
    for _ in range(5):
        sign_in(browser, "staff", "wrong-password")
    event = only(Action.LOCKED_OUT)  # the failure that reached the limit
    assert_from_browser(event)
    assert (event.username, event.outcome) == ("staff", "denied")
    assert event.detail == {"username": "staff", "address": ADDRESS, "failures": 5, "limit": 5, "minutes": 15}
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).count() == 5
    # a refused attempt while locked (even with the right password): a failure and a lockout, no sign-in
    assert sign_in(browser, "staff", password).status_code == 429
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).count() == 6
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).count() == 2
    assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()


def test_sign_out(browser, staff_user, password):
    sign_in(browser, "staff", password)
    assert browser.post(reverse("logout")).status_code == 302
    event = only(Action.SIGN_OUT)
    assert_from_browser(event)
    assert (event.username, event.role, event.outcome) == ("staff", "staff", "success")
    browser.post(reverse("logout"))  # not signed in any more: nothing to record
    assert AuditEvent.objects.filter(action=Action.SIGN_OUT).count() == 1


def test_unlocked(browser, staff_user, secadmin_user, request):
    for _ in range(5):
        sign_in(browser, "staff", "wrong-password")
    admin = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=AGENT)
    request.getfixturevalue("sign_in")(admin, secadmin_user)  # the password and the second factor
    assert admin.post(reverse("security_unlock"), {"username": "staff"}).status_code == 302
    event = only(Action.UNLOCKED)
    assert (event.username, event.role, event.address, event.user_agent) == (
        "secadmin",
        "secadmin",
        "192.0.2.10",
        AGENT,
    )
    assert event.detail == {"username": "staff", "address": "", "attempts": 1}
    assert event.object_type == "axes.accessattempt" and event.object_repr == "staff"
    admin.post(reverse("security_unlock"), {"address": ADDRESS})  # nothing locked any more: no event
    assert AuditEvent.objects.filter(action=Action.UNLOCKED).count() == 1


def test_session_ended_by_the_idle_limit(browser, staff_user, password):
    sign_in(browser, "staff", password)
    session = browser.session
    session[SIGNED_IN_AT] -= 3600
    session[LAST_ACTIVE_AT] -= 3600
    session.save()
    assert browser.get("/exhibitions/").status_code == 302
    event = only(Action.SESSION_ENDED)
    assert_from_browser(event)
    assert (event.username, event.role, event.outcome, event.detail) == (
        "staff",
        "staff",
        "success",
        {"reason": "idle"},
    )


def test_session_ended_by_the_security_administrator(browser, staff_user, secadmin_user, password):
    from core.security_views import session_token

    sign_in(browser, "staff", password)
    key = browser.session.session_key
    admin = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=AGENT)
    admin.force_login(secadmin_user)
    response = admin.post(reverse("security_end_session"), {"user": staff_user.pk, "session": session_token(key)})
    assert response.status_code == 302
    event = only(Action.SESSION_ENDED)
    assert (event.username, event.role, event.address) == ("secadmin", "secadmin", "192.0.2.10")
    assert event.detail == {"reason": "ended by security administrator", "username": "staff"}
    assert event.object_type == "auth.user" and event.object_id == str(staff_user.pk)
    assert browser.get("/exhibitions/").status_code == 302


def test_the_admin_sign_in_is_audited_the_same_way(browser, staff_user, password):
    browser.post(reverse("admin:login"), {"username": "staff", "password": "wrong-password"})
    assert only(Action.SIGN_IN_FAILED).username == "staff"
    assert browser.post(reverse("admin:login"), {"username": "staff", "password": password}).status_code == 302
    assert_from_browser(only(Action.SIGN_IN))


def test_deleting_failed_sign_ins_in_the_admin_is_audited_as_unlocked(browser, staff_user, secadmin_user, password):
    from axes.models import AccessAttempt

    for _ in range(5):
        sign_in(browser, "staff", "wrong-password")
    attempt = AccessAttempt.objects.get()
    admin = Client(REMOTE_ADDR="192.0.2.10")
    admin.force_login(secadmin_user)
    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    event = only(Action.UNLOCKED)
    assert event.username == "secadmin" and event.detail == {"username": "staff", "address": ADDRESS, "attempts": 1}
    assert sign_in(browser, "staff", password).status_code == 302
