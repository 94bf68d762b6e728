"""The security administrator's page (/security/): the policy in force, locked accounts and addresses
with Unlock, signed-in sessions with End. Who may open it: tests/exhibitions/test_permissions.py."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Session
from core.security_views import session_token
from core.session_limits import LAST_ACTIVE_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/security/"


@pytest.fixture
def secadmin(secadmin_user, sign_in):
    client = Client(REMOTE_ADDR="192.0.2.10")
    sign_in(client, secadmin_user)
    return client


def failures(username, address, count, *, minutes_ago=0):
    AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
        failures_since_start=count,
    )
    AccessAttempt.objects.filter(username=username, ip_address=address).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def table(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    return match.group(0) if match else ""


def test_the_url_name_and_who_gets_in(client, role_users):
    assert reverse("security") == URL
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={URL}"
    for role, user in role_users.items():
        if user is None:
            continue
        client.force_login(user)
        assert client.get(URL).status_code == (200 if role == "secadmin" else 403), role


def test_the_policy_in_force(secadmin, settings):
    html = secadmin.get(URL, **EN).content.decode()
    policy = table(html, "policy")
    expected = {
        "Failed sign-ins before an account or address is locked": "5",
        "Lockout duration (minutes)": "15",
        "Minimum password length": "10",
        "Character classes required (of 4)": "3",
        "Previous passwords that may not be reused": "5",
        "Password maximum age (days)": "90",
        "Session idle limit (minutes)": "30",
        "Session absolute limit (hours)": "12",
        "Two-factor sign-in required": "Yes",  # the default with DEBUG off
        "Audit log kept at least (days)": "180",
    }
    for label, value in expected.items():
        assert re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th><td>{value}</td>', policy), label
    settings.EXPOPLAN_2FA_REQUIRED = False
    settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS = 0
    policy = table(secadmin.get(URL, **EN).content.decode(), "policy")
    assert "<td>never expires</td>" in policy and "Two-factor sign-in required</th><td>No</td>" in policy


def test_locked_accounts_and_addresses_are_listed(secadmin):
    failures("staff", "10.0.0.1", 3)
    failures("staff", "10.0.0.2", 2)  # 5 for the account, from two addresses
    failures("almost", "10.0.0.3", 4)  # under the limit
    failures("stale", "10.0.0.4", 9, minutes_ago=16)  # past the cool-off
    failures("a", "10.0.0.5", 3)
    failures("b", "10.0.0.5", 2)  # 5 from the address, for two accounts
    html = secadmin.get(URL, **EN).content.decode()
    accounts, addresses = table(html, "locked-accounts"), table(html, "locked-addresses")
    assert re.findall(r'name="username" value="([^"]+)"', accounts) == ["staff"]
    assert re.findall(r'name="address" value="([^"]+)"', addresses) == ["10.0.0.5"]
    assert '<td class="text-end">5</td>' in accounts
    assert "Unlock staff" in accounts and "Unlock 10.0.0.5" in addresses


def test_nothing_locked(secadmin):
    html = secadmin.get(URL, **EN).content.decode()
    assert "No account is locked." in html and "No address is locked." in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Name either one account or one address to unlock."),
        ({"username": "staff", "address": "10.0.0.1"}, "Name either one account or one address to unlock."),
        ({"address": "not-an-address"}, "address: Enter a valid IPv4 or IPv6 address."),
        ({"username": "x" * 300}, "account: Ensure this value has at most 255 characters"),
    ],
)
def test_unlock_refuses_what_it_cannot_unlock(secadmin, data, message):
    failures("staff", "10.0.0.1", 5)
    response = secadmin.post(reverse("security_unlock"), data, follow=True, **EN)
    assert response.status_code == 200 and message in response.content.decode()
    assert AccessAttempt.objects.count() == 1  # nothing reset (an empty reset would clear every lock)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UNLOCKED).exists()


def test_unlock_of_what_is_not_locked_says_so(secadmin):
    response = secadmin.post(reverse("security_unlock"), {"username": "nobody"}, follow=True, **EN)
    assert "The account “nobody” was not locked." in response.content.decode()


def test_unlock_an_address(secadmin):
    failures("a", "10.0.0.5", 3)
    failures("b", "10.0.0.5", 2)
    failures("c", "10.0.0.6", 1)
    response = secadmin.post(reverse("security_unlock"), {"address": "10.0.0.5"}, follow=True, **EN)
    assert "The address 10.0.0.5 is unlocked." in response.content.decode()
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.6"]
    assert AuditEvent.objects.get(action=AuditEvent.Action.UNLOCKED).detail["address"] == "10.0.0.5"


def test_unlock_needs_the_csrf_token(secadmin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secadmin_user)
    failures("staff", "10.0.0.1", 5)
    assert client.post(reverse("security_unlock"), {"username": "staff"}).status_code == 403
    assert AccessAttempt.objects.count() == 1


def test_signed_in_sessions_are_listed(secadmin, staff_user, city_official, sign_in):
    staff = Client(REMOTE_ADDR="198.51.100.7")
    sign_in(staff, staff_user)
    idle = Client()
    sign_in(idle, city_official)
    session = idle.session
    session[LAST_ACTIVE_AT] -= 31 * 60  # past the idle limit: ends on its next request, not listed
    session.save()
    html = secadmin.get(URL, **EN).content.decode()
    sessions = table(html, "sessions")
    rows = re.findall(r"<tr>.*?</tr>", sessions, re.S)[1:]
    assert len(rows) == 2
    staff_row = next(row for row in rows if ">staff</th>" in row)
    assert "Provincial staff" in staff_row and "198.51.100.7" in staff_row
    assert f'value="{session_token(staff.session.session_key)}"' in staff_row
    assert staff.session.session_key not in html  # never the session key itself
    started = timezone.localtime(dt.datetime.fromtimestamp(staff.session[SIGNED_IN_AT], tz=dt.UTC))
    assert started.strftime("%Y-%m-%d %H:%M") in staff_row
    own_row = next(row for row in rows if ">secadmin</th>" in row)
    assert "This session" in own_row and "<form" not in own_row and "192.0.2.10" in own_row


def test_end_a_session(secadmin, staff_user, sign_in):
    staff = Client()
    sign_in(staff, staff_user)
    key = staff.session.session_key
    assert staff.get("/exhibitions/").status_code == 200
    response = secadmin.post(
        reverse("security_end_session"), {"user": staff_user.pk, "session": session_token(key)}, follow=True, **EN
    )
    assert response.redirect_chain == [(URL, 302)]
    assert "The session of “staff” has ended." in response.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
    assert staff.get("/exhibitions/").status_code == 302
    # again: already ended, nothing recorded twice
    response = secadmin.post(
        reverse("security_end_session"), {"user": staff_user.pk, "session": session_token(key)}, follow=True, **EN
    )
    assert "That session has already ended." in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ENDED).count() == 1


def test_the_security_administrator_cannot_end_their_own_current_session_here(secadmin, secadmin_user):
    key = secadmin.session.session_key
    response = secadmin.post(
        reverse("security_end_session"), {"user": secadmin_user.pk, "session": session_token(key)}, follow=True, **EN
    )
    assert "This is your own current session: sign out to end it." in response.content.decode()
    assert Session.objects.filter(session_key=key).exists()
    assert secadmin.get(URL).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ENDED).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"user": "x", "session": "y"}, {"user": 1, "session": "A" * 64}, {"user": -1, "session": "0" * 64}],
)
def test_end_refuses_malformed_requests(secadmin, data):
    response = secadmin.post(reverse("security_end_session"), data, follow=True, **EN)
    assert response.status_code == 200 and 'class="alert alert-danger' in response.content.decode()


def test_a_session_of_another_user_is_not_ended_by_a_token_for_the_wrong_user(
    secadmin, staff_user, city_official, sign_in
):
    staff = Client()
    sign_in(staff, staff_user)
    token = session_token(staff.session.session_key)
    response = secadmin.post(reverse("security_end_session"), {"user": city_official.pk, "session": token}, **EN)
    assert response.status_code == 302
    assert staff.get("/exhibitions/").status_code == 200


def test_the_page_has_no_inline_script_or_style(secadmin, staff_user, sign_in):
    failures("someone", "10.0.0.1", 5)
    sign_in(Client(), staff_user)
    html = secadmin.get(URL).content.decode()
    assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and " onclick=" not in html
