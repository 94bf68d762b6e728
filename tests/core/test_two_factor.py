"""Two-factor sign-in (SPEC §12, core/two_factor.py) with real TOTP codes: setup, verification, recovery
codes, throttling, the middleware's redirects and the API's 403, who is asked, changing it."""

import re
import time
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from core.roles import AdminRole, Role
from core.services import user_set_role
from core.two_factor import recovery_codes_new
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def sign_in_with_password(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def events(action, user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(user.pk)).order_by("pk"))


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows after the secret was typed in by hand."""
    return f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"


def test_setup_with_the_qr_page_then_recovery_codes(client, db):
    user = user_set_role(username="new-staff", role=Role.STAFF, password=PASSWORD)
    response = sign_in_with_password(client, "new-staff", "/exhibitions/")
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fexhibitions%2F"
    # Until set up, every page leads there.
    assert client.get("/venues/")["Location"] == "/accounts/two-factor/setup/?next=%2Fvenues%2F"

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    qr = re.search(r'<div class="my-3" id="two-factor-qr">(.*?)</div>', html, re.S).group(1)
    assert qr.startswith("<svg") and "<script" not in qr and "http" not in qr.replace("http://www.w3.org", "")
    assert "<title>QR code for your authenticator app</title>" in qr
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)</code>', html).group(1)
    code_input = re.search(r"<input[^>]*name=\"code\"[^>]*>", html).group(0)
    assert 'autocomplete="one-time-code"' in code_input and 'inputmode="numeric"' in code_input
    assert re.search(r'<label class="form-label" for="id_code">', html)
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert client.get("/accounts/two-factor/setup/").content.decode().count(secret) == 1  # same secret on reload

    # A wrong code: refused, audited, the device stays unconfirmed.
    wrong = client.post("/accounts/two-factor/setup/", {"code": "12345x", "next": "/exhibitions/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert [e.outcome for e in events(Action.TWO_FACTOR_FAILED, user)] == ["failure"]
    time.sleep(1.1)  # django-otp asks for a second after one failure

    done = client.post(
        "/accounts/two-factor/setup/",
        {"code": code_from_secret(secret), "next": "/exhibitions/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10 and "shown only now" in done.content.decode()
    assert 'href="/exhibitions/"' in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    [changed] = events(Action.TWO_FACTOR_CHANGED, user)
    assert changed.detail == {"change": "set_up"} and changed.username == "new-staff"
    assert client.get("/exhibitions/").status_code == 200  # verified
    assert client.get("/accounts/two-factor/setup/")["Location"] == reverse("two_factor_manage")


def test_verify_with_a_code_wrong_codes_refused_and_audited(client, staff_user):
    response = sign_in_with_password(client, "staff", "/exhibitions/")
    assert response["Location"] == "/accounts/two-factor/?next=%2Fexhibitions%2F"
    # Unverified: pages redirect, the API by session answers 403 in its error shape.
    assert (
        client.get("/exhibitions/?year=2025")["Location"]
        == "/accounts/two-factor/?next=%2Fexhibitions%2F%3Fyear%3D2025"
    )
    api = client.get("/api/v1/exhibitions/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 403
    assert api.json() == {
        "error": {
            "status": 403,
            "code": "two_factor_required",
            "message": "Complete the two-factor sign-in in the browser first.",
            "fields": {},
        }
    }
    # What stays reachable: the verify page, the language switch, sign-out (below).
    page = client.get("/accounts/two-factor/?next=/exhibitions/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="next" value="/exhibitions/"' in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302

    wrong = client.post("/accounts/two-factor/", {"code": "1234567"})  # seven digits: never a code
    assert wrong.status_code == 200 and "two-factor" not in wrong.get("Location", "")
    assert wrong.context["form"].non_field_errors()
    [failed] = events(Action.TWO_FACTOR_FAILED, staff_user)
    assert failed.detail["reason"] == "invalid" and failed.detail["failure_count"] == 1
    assert failed.username == "staff" and failed.outcome == "failure"
    assert client.get("/exhibitions/").status_code == 302  # still not verified

    time.sleep(1.1)
    ok = client.post("/accounts/two-factor/", {"code": totp_code(staff_user_device()), "next": "/exhibitions/"})
    assert ok.status_code == 302 and ok["Location"] == "/exhibitions/"
    assert client.get("/exhibitions/").status_code == 200
    assert client.get("/api/v1/exhibitions/").status_code == 200
    assert TOTPDevice.objects.get(user=staff_user).throttling_failure_count == 0
    assert client.post("/accounts/logout/").status_code == 302


def staff_user_device():
    return TOTPDevice.objects.get(user__username="staff")


def test_the_same_code_is_not_accepted_twice(client, staff_user):
    device = staff_user_device()
    code = totp_code(device)
    sign_in_with_password(client, "staff")
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    sign_in_with_password(client, "staff")
    again = client.post("/accounts/two-factor/", {"code": code})
    assert again.status_code == 200  # replayed: refused


def test_repeated_failures_are_throttled_with_a_message(client, staff_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after the first failure, two after the second
    sign_in_with_password(client, "staff")
    client.post("/accounts/two-factor/", {"code": "1234567"})  # seven digits: never a code
    # Even the right code waits now; the message says for how long.
    response = client.post("/accounts/two-factor/", {"code": totp_code(staff_user_device())}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    message = response.context["form"].non_field_errors()[0]
    assert re.fullmatch(r"Too many wrong codes in a row \(1\): wait \d+ seconds before you try again\.", message)
    assert [e.detail["reason"] for e in events(Action.TWO_FACTOR_FAILED, staff_user)][-1] == "throttled"
    assert client.get("/exhibitions/").status_code == 302


def test_a_recovery_code_works_once(client, staff_user):
    codes = recovery_codes_new(staff_user)
    sign_in_with_password(client, "staff")
    response = client.post("/accounts/two-factor/", {"recovery_code": codes[0].upper(), "next": "/venues/"})
    assert response.status_code == 302 and response["Location"] == "/venues/"
    assert client.get("/venues/").status_code == 200
    assert StaticToken.objects.filter(device__user=staff_user).count() == 9
    client.post("/accounts/logout/")
    sign_in_with_password(client, "staff")
    again = client.post("/accounts/two-factor/", {"recovery_code": codes[0]})
    assert again.status_code == 200
    [failed] = events(Action.TWO_FACTOR_FAILED, staff_user)
    assert failed.detail["kind"] == "recovery"
    time.sleep(1.1)
    assert client.post("/accounts/two-factor/", {"recovery_code": codes[1]}).status_code == 302


def test_no_open_redirect_after_verification(client, staff_user):
    sign_in_with_password(client, "staff")
    response = client.post(
        "/accounts/two-factor/", {"code": totp_code(staff_user_device()), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("role", ["city_official", "api_client"])
def test_city_officials_and_api_clients_are_not_asked(client, city_official, api_client_user, role):
    user = {"city_official": city_official, "api_client": api_client_user}[role]
    response = sign_in_with_password(client, user.username)
    assert response.status_code == 302 and "two-factor" not in response["Location"]
    assert client.get("/api/v1/exhibitions/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 403
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", list(AdminRole))
def test_the_three_administrators_are_asked(client, role, db):
    user_set_role(username=f"admin-{role.value}", role=role, password=PASSWORD)
    response = sign_in_with_password(client, f"admin-{role.value}")
    assert response["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_admin_sign_in_page_does_not_skip_the_second_factor(client, staff_user):
    response = client.post("/admin/login/?next=/admin/", {"username": "staff", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == "/accounts/two-factor/?next=%2Fadmin%2F"


def test_token_clients_are_not_affected(staff_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff_user).key}")
    assert api.get("/api/v1/exhibitions/").status_code == 200


def test_off_when_the_setting_is_off(client, staff_user, settings):
    settings.EXPOPLAN_2FA_REQUIRED = False
    response = sign_in_with_password(client, "staff")
    assert response["Location"] == "/"
    assert client.get("/exhibitions/").status_code == 200


def test_manage_new_recovery_codes_and_reset(client, staff_user, sign_in):
    old = recovery_codes_new(staff_user)
    sign_in(client, staff_user)
    page = client.get("/accounts/two-factor/manage/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "You have 10 unused recovery codes." in page.content.decode()

    wrong = client.post("/accounts/two-factor/manage/", {"code": "999999x", "action": "recovery_codes"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert events(Action.TWO_FACTOR_FAILED, staff_user)[-1].detail["purpose"] == "manage"
    assert sorted(StaticToken.objects.filter(device__user=staff_user).values_list("token", flat=True)) == sorted(old)
    time.sleep(1.1)

    new = client.post(
        "/accounts/two-factor/manage/", {"code": totp_code(staff_user_device()), "action": "recovery_codes"}
    )
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", new.content.decode())
    assert len(codes) == 10 and not set(codes) & set(old)
    assert StaticDevice.objects.filter(user=staff_user).count() == 1
    assert events(Action.TWO_FACTOR_CHANGED, staff_user)[-1].detail == {"change": "recovery_codes"}

    reset = client.post("/accounts/two-factor/manage/", {"code": totp_code(staff_user_device()), "action": "reset"})
    assert reset["Location"] == reverse("two_factor_setup")
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=staff_user).exists()
    assert events(Action.TWO_FACTOR_CHANGED, staff_user)[-1].detail == {"change": "reset"}
    assert client.get("/exhibitions/")["Location"].startswith("/accounts/two-factor/setup/")


def test_force_login_verifies_as_a_real_verification_does(client, staff_user):
    """The test plumbing (tests/conftest.py) leaves the session in the state django_otp.login makes."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(staff_user)
    assert client.session[DEVICE_ID_SESSION_KEY] == staff_user_device().persistent_id
    assert client.get("/exhibitions/").status_code == 200
    staff_user_device().delete()  # the device gone: the session is no longer verified
    assert client.get("/exhibitions/")["Location"].startswith("/accounts/two-factor/setup/")


def test_an_htmx_request_is_sent_to_the_page_whole(client, staff_user):
    sign_in_with_password(client, "staff")
    response = client.get("/exhibitions/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/two-factor/?next=%2Fexhibitions%2F"


def test_recovery_codes_are_never_digits_only(staff_user):
    codes = recovery_codes_new(staff_user)
    assert len(set(codes)) == 10 and not any(code.isdigit() for code in codes)
