"""Two-factor sign-in (SPEC §12): TOTP (django-otp) with one-time recovery codes (its otp_static plugin).

Who: provincial staff, the three administrators and any account that opens the Django admin
(`two_factor_required`); city officials and API clients sign in with a password only. On when
EXPOPLAN_2FA_REQUIRED is (default: unless DJANGO_DEBUG).

The flow: the password (core.views.SignInView) → without a confirmed authenticator the setup page
(/accounts/two-factor/setup/: QR code and secret, confirmed with a code, then the recovery codes shown
once) or else the verify page (/accounts/two-factor/: a code from the app or a recovery code). A session is
verified as django_otp.login makes it (its device in the session, read back by django-otp's OTPMiddleware).
Until then TwoFactorMiddleware sends every page there; an API request by session answers 403
"two_factor_required". Token-authenticated API clients are not affected (tokens are for systems).
Wrong codes are audited (two_factor_failed) and slow down further tries: django-otp's throttling doubles
the wait after each consecutive failure, per device, for every session of the account.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit
from core.roles import Role, admin_role_of, role_of

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def two_factor_required(user) -> bool:
    """Staff, the three administrators, and any account that opens the admin (superusers included)."""
    if not settings.EXPOPLAN_2FA_REQUIRED or user is None or not user.is_authenticated:
        return False
    return role_of(user) == Role.STAFF or admin_role_of(user) is not None or user.is_staff or user.is_superuser


def is_verified(user) -> bool:
    """The session passed the second factor (django-otp's OTPMiddleware sets `otp_device`)."""
    return getattr(user, "otp_device", None) is not None


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).order_by("pk").first()


def two_factor_url(user, next_url: str = "") -> str:
    """Where a signed-in user still owing the second factor goes: the verify page, or the setup page."""
    name = "two_factor_verify" if totp_device(user) is not None else "two_factor_setup"
    return reverse(name) + (f"?{urlencode({'next': next_url})}" if next_url else "")


# --- setup, recovery codes, reset ------------------------------------------------------------------


def setup_device(user) -> TOTPDevice:
    """The authenticator being set up: a new secret the first time, the same one until it is confirmed."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of `device` as an inline SVG (made here: no request leaves for a QR service)."""
    code = segno.make(device.config_url, error="m")
    return code.svg_inline(scale=4, border=4, light="#fff", dark="#000", title=_("QR code for your authenticator app"))


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def recovery_codes_new(user) -> list[str]:
    """EXPOPLAN_2FA_RECOVERY_CODES new one-time codes; the previous ones stop working. The device stays,
    so a session verified by a recovery code stays verified."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < settings.EXPOPLAN_2FA_RECOVERY_CODES:
        code = StaticToken.random_token()  # eight base32 letters and digits
        if not code.isdigit():  # a code of digits only is an authenticator's (two_factor_verify)
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_confirm(request, code: str) -> tuple[list[str] | None, str]:
    """Confirm the authenticator being set up with a code from it: it becomes the account's device, the
    session is verified, and new recovery codes are returned (codes, ""); or (None, the error)."""
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(pk=setup_device(user).pk).get()
    error = _check(request, device, code, purpose="setup")
    if error:
        return None, error
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_new(user)
    _verified(request, device)
    audit.record(audit.Action.TWO_FACTOR_CHANGED, request=request, obj=user, detail={"change": "set_up"})
    return codes, ""


@transaction.atomic
def recovery_codes_regenerate(request, code: str) -> tuple[list[str] | None, str]:
    """New recovery codes, given a current code from the authenticator."""
    error = _check_current(request, code)
    if error:
        return None, error
    codes = recovery_codes_new(request.user)
    audit.record(
        audit.Action.TWO_FACTOR_CHANGED, request=request, obj=request.user, detail={"change": "recovery_codes"}
    )
    return codes, ""


@transaction.atomic
def two_factor_reset(request, code: str) -> str:
    """Remove the authenticator and the recovery codes, given a current code; the user sets up a new one
    at the next page (the session is no longer verified). Returns the error, or ""."""
    error = _check_current(request, code)
    if error:
        return error
    devices_remove(request.user)
    audit.record(audit.Action.TWO_FACTOR_CHANGED, request=request, obj=request.user, detail={"change": "reset"})
    return ""


def devices_remove(user) -> None:
    """Remove the user's authenticator and recovery codes: a session verified by them is no longer
    verified, and the next sign-in sets up a new authenticator."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _check_current(request, code: str) -> str:
    device = TOTPDevice.objects.select_for_update().filter(user=request.user, confirmed=True).order_by("pk").first()
    if device is None:
        return _("Your account has no authenticator app set up.")
    return _check(request, device, code, purpose="manage")


# --- verification ----------------------------------------------------------------------------------


def normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


@transaction.atomic
def two_factor_verify(request, code: str) -> str:
    """Verify the session with a code from the authenticator (six digits) or a recovery code (which is
    used up). Returns the error, or "" when the session is now verified."""
    user = request.user
    code = normalise(code)
    if code.isdigit():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    else:
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        audit.record(
            audit.Action.TWO_FACTOR_FAILED,
            request=request,
            obj=user,
            outcome=audit.Outcome.FAILURE,
            detail={"reason": "no_device", "kind": "totp" if code.isdigit() else "recovery"},
        )
        return _("The code is not correct.")
    error = _check(request, device, code, purpose="sign_in")
    if error:
        return error
    _verified(request, device)
    return ""


def _check(request, device, code: str, *, purpose: str) -> str:
    """Check `code` against `device` within django-otp's throttling; a refusal is audited. Returns the
    error message, or "". The caller holds the device's row lock (select_for_update)."""
    code = normalise(code)
    kind = "totp" if isinstance(device, TOTPDevice) else "recovery"
    allowed, info = device.verify_is_allowed()
    if not allowed:
        reason = "throttled"
        locked_until = (info or {}).get("locked_until")
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
        error = _("Too many wrong codes in a row (%(count)d): wait %(seconds)d seconds before you try again.") % {
            "count": (info or {}).get("failure_count", 0),
            "seconds": seconds,
        }
    elif code and device.verify_token(code):
        return ""
    else:
        reason = "invalid"
        error = _("The code is not correct.")  # verify_token counted the failure (throttling)
    audit.record(
        audit.Action.TWO_FACTOR_FAILED,
        request=request,
        obj=request.user,
        outcome=audit.Outcome.FAILURE,
        detail={
            "reason": reason,
            "kind": kind,
            "purpose": purpose,
            "failure_count": device.throttling_failure_count,
        },
    )
    return error


def _verified(request, device) -> None:
    """Mark the session verified by `device`, as django_otp.login does, under a new session key."""
    request.session.cycle_key()
    otp_login(request, device)


# --- the middleware --------------------------------------------------------------------------------


def is_exempt(request) -> bool:
    """What a signed-in user reaches before the second factor (and before changing an expired password):
    sign-in and sign-out, the two-factor pages, the language switch, static files, the health probe."""
    path = request.path_info
    pages = {
        reverse("login"),
        reverse("logout"),
        reverse("two_factor_verify"),
        reverse("two_factor_setup"),
        reverse("set_language"),
        "/healthz",
    }
    return path in pages or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


def is_api(request) -> bool:
    """A request to the REST API (the interactive docs are a page)."""
    path = request.path_info
    return path.startswith("/api/") and not path.startswith("/api/docs/")


def by_token(request) -> bool:
    """The request names its own credentials (DRF's TokenAuthentication runs first): the session does not
    decide who it is."""
    return bool(request.META.get("HTTP_AUTHORIZATION"))


def page_redirect(request, url: str) -> HttpResponse:
    """A redirect; for an htmx request (a fragment), one that htmx makes the browser follow as a page."""
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def api_refusal(code: str, message: str) -> JsonResponse:
    from core.api.exceptions import error_body

    return JsonResponse(error_body(status_code=403, code=code, message=message), status=403)


class TwoFactorMiddleware:
    """After django_otp.middleware.OTPMiddleware: a signed-in user who owes the second factor reaches
    only the exempt paths; pages redirect to the verify (or setup) page, API requests by session get 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and two_factor_required(user) and not is_verified(user) and not is_exempt(request):
            if is_api(request):
                if not by_token(request):
                    return api_refusal(
                        "two_factor_required", _("Complete the two-factor sign-in in the browser first.")
                    )
            else:
                return page_redirect(request, two_factor_url(user, request.get_full_path()))
        return self.get_response(request)
