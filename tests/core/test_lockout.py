"""Sign-in lockout (SPEC §12): 5 failures for an account (from anywhere) or from an address (for any
accounts) lock it for 15 minutes, shown as such on the sign-in page, unlockable by the security
administrator; the admin's sign-in follows the same rules."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def attempt(client, username, password, *, address="127.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **EN)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(client, staff_user, password):
    for _ in range(50):
        assert attempt(client, "staff", "wrong-password").status_code in (200, 429)
    response = attempt(client, "staff", password)
    assert response.status_code == 429 and not signed_in(response)
    assert client.get("/exhibitions/").status_code == 302  # still anonymous


def test_four_failures_then_the_right_password_signs_in_and_clears_the_count(client, staff_user, password):
    for _ in range(4):
        assert attempt(client, "staff", "wrong-password").status_code == 200
    assert signed_in(attempt(client, "staff", password))
    assert not AccessAttempt.objects.filter(username="staff").exists()


def test_after_five_failures_the_right_password_is_refused_with_the_message(client, staff_user, password):
    for number in range(1, 6):
        response = attempt(client, "staff", "wrong-password")
        assert response.status_code == (429 if number == 5 else 200)
    response = attempt(client, "staff", password)
    assert response.status_code == 429 and not signed_in(response)
    html = response.content.decode()
    assert 'action="/accounts/login/"' in html  # the sign-in page itself
    assert "The account “staff” is locked for 15 minutes" in html
    assert "security administrator" in html
    assert response.context["form"].errors.as_data()["__all__"][0].code == "locked_out"


def test_after_the_cool_off_the_right_password_works(client, staff_user, password):
    for _ in range(5):
        attempt(client, "staff", "wrong-password")
    assert attempt(client, "staff", password).status_code == 429
    # 14 minutes after the last failure: still locked
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14))
    assert attempt(client, "staff", password).status_code == 429
    # (that refused attempt counted as a failure and restarted the cool-off) — 15 minutes after it: unlocked
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    assert signed_in(attempt(client, "staff", password))


def test_the_lockout_is_configurable(settings, client, staff_user, password):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=40)
    attempt(client, "staff", "wrong-password")
    response = attempt(client, "staff", "wrong-password")
    assert response.status_code == 429 and "locked for 40 minutes" in response.content.decode()


def test_after_the_security_administrator_unlocks_it_the_right_password_works(
    client, staff_user, secadmin_user, password
):
    for _ in range(5):
        attempt(client, "staff", "wrong-password")
    assert attempt(client, "staff", password).status_code == 429
    from django.test import Client

    admin = Client()
    admin.force_login(secadmin_user)
    page = admin.get(reverse("security"), **EN).content.decode()
    assert 'name="username" value="staff"' in page
    response = admin.post(reverse("security_unlock"), {"username": "staff"}, follow=True, **EN)
    assert "The account “staff” is unlocked." in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNLOCKED)
    assert event.username == "secadmin" and event.detail["username"] == "staff" and event.object_repr == "staff"
    # The address had 5+ failures too (all from 127.0.0.1): unlock it as well
    admin.post(reverse("security_unlock"), {"address": "127.0.0.1"})
    assert signed_in(attempt(client, "staff", password))


def test_unlocking_an_account_leaves_an_address_locked_by_other_accounts_locked(
    client, staff_user, secadmin_user, password
):
    for number in range(6):
        attempt(client, f"guess-{number}", "wrong-password", address="10.1.1.1")
    client.force_login(secadmin_user)
    client.post(reverse("security_unlock"), {"username": "guess-0"})
    client.logout()
    assert attempt(client, "staff", password, address="10.1.1.1").status_code == 429  # 5 failures left
    client.force_login(secadmin_user)
    client.post(reverse("security_unlock"), {"address": "10.1.1.1"})
    client.logout()
    assert signed_in(attempt(client, "staff", password, address="10.1.1.1"))


def test_an_address_is_locked_for_any_account(client, staff_user, password):
    for number in range(5):
        attempt(client, f"guess-{number}", "wrong-password", address="10.0.0.66")
    response = attempt(client, "staff", password, address="10.0.0.66")
    assert response.status_code == 429 and not signed_in(response)
    assert "Sign-in from your address (10.0.0.66) is locked for 15 minutes" in response.content.decode()
    # the account itself is not locked: from another address it signs in
    assert signed_in(attempt(client, "staff", password, address="10.0.0.67"))


def test_an_account_is_locked_from_any_address(client, staff_user, password):
    for number in range(5):
        attempt(client, "staff", "wrong-password", address=f"10.0.1.{number}")
    response = attempt(client, "staff", password, address="10.0.1.200")
    assert response.status_code == 429 and not signed_in(response)
    assert "The account “staff” is locked" in response.content.decode()


def test_signing_in_to_ones_own_account_does_not_reset_the_count_of_the_guessed_one(
    client, staff_user, city_official, password
):
    """Axes' AXES_RESET_ON_SUCCESS would clear the address's failures on any success, so that an attacker
    with an account could guess another's password without end; a success clears only its own account's."""
    for _ in range(3):
        for _ in range(4):
            attempt(client, "staff", "wrong-password", address="10.0.2.1")
        response = attempt(client, "dalian-official", password, address="10.0.2.1")
        client.logout()
    assert response.status_code == 429  # the address reached 5 failures in the second round
    assert attempt(client, "staff", password, address="10.0.2.99").status_code == 429  # the account is locked


def test_the_address_behind_a_trusted_proxy_is_the_one_locked(settings, client, staff_user, password):
    settings.EXPOPLAN_TRUSTED_PROXIES = 1
    for number in range(5):
        client.post(
            LOGIN,
            {"username": f"guess-{number}", "password": "x"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() == 5
    other = client.post(
        LOGIN, {"username": "staff", "password": password}, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert signed_in(other)  # the proxy's own address is not locked


def test_the_admin_sign_in_follows_the_same_rules(client, staff_user, password):
    url = reverse("admin:login")
    for _ in range(5):
        attempt(client, "staff", "wrong-password", url=url)
    response = attempt(client, "staff", password, url=url)
    assert response.status_code == 429 and not signed_in(response)
    assert "The account “staff” is locked for 15 minutes" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    # the same counters: the workspace sign-in is locked as well
    assert attempt(client, "staff", password).status_code == 429


def test_failures_at_the_admin_and_the_sign_in_page_add_up(client, staff_user, password):
    for _ in range(3):
        attempt(client, "staff", "wrong-password", url=reverse("admin:login"))
    for _ in range(2):
        attempt(client, "staff", "wrong-password")
    assert attempt(client, "staff", password).status_code == 429


def test_a_locked_out_ajax_sign_in_gets_the_page_too(client, staff_user, password):
    for _ in range(5):
        attempt(client, "staff", "wrong-password")
    response = client.post(
        LOGIN, {"username": "staff", "password": password}, HTTP_X_REQUESTED_WITH="XMLHttpRequest", **EN
    )
    assert response.status_code == 429 and "is locked for 15 minutes" in response.content.decode()
