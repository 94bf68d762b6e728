"""Sign-in lockout (SPEC §12) on django-axes: who is locked, why, until when, and the lockout response.

Axes counts failed sign-ins in `axes.AccessAttempt` (one row per username, address and user agent, with
the time of its latest failure) and refuses a sign-in while the account's failures (from any address)
or the address's failures (for any accounts) within the cool-off reach the limit (settings:
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]). This module reads the same rows the same way, so
that the message, the security administrator's page and axes agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.db.models import Max, Sum
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def failure_limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def cool_off() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def cool_off_minutes() -> int:
    return int(cool_off().total_seconds() // 60)


@dataclass(frozen=True)
class Lock:
    """A locked account (`username`) or address (`address`): its failures and when the lock ends."""

    username: str | None
    address: str | None
    failures: int
    last_failure: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return self.last_failure + cool_off()


def _locks(field: str, *, value=None) -> list[Lock]:
    rows = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off()).exclude(
        **{f"{field}__isnull": True}
    )
    if value is not None:
        rows = rows.filter(**{field: value})
    grouped = (
        rows.values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=failure_limit())
        .order_by("-last", field)
    )
    return [
        Lock(
            username=row[field] if field == "username" else None,
            address=row[field] if field == "ip_address" else None,
            failures=row["failures"],
            last_failure=row["last"],
        )
        for row in grouped
    ]


def locked_accounts() -> list[Lock]:
    return _locks("username")


def locked_addresses() -> list[Lock]:
    return _locks("ip_address")


def account_locked(username: str) -> bool:
    return bool(_locks("username", value=username))


def address_locked(address: str) -> bool:
    return bool(_locks("ip_address", value=address))


def lockout_message(request, username: str | None) -> str:
    """Why this sign-in is refused, for how long, and who can lift it (translated)."""
    minutes = cool_off_minutes()
    if username and account_locked(username):
        return ngettext(
            "The account “%(username)s” is locked for %(minutes)d minute after too many failed sign-ins. "
            "Try again later, or ask the security administrator to unlock it.",
            "The account “%(username)s” is locked for %(minutes)d minutes after too many failed sign-ins. "
            "Try again later, or ask the security administrator to unlock it.",
            minutes,
        ) % {"username": username, "minutes": minutes}
    return ngettext(
        "Sign-in from your address (%(address)s) is locked for %(minutes)d minute after too many failed "
        "sign-ins. Try again later, or ask the security administrator to unlock it.",
        "Sign-in from your address (%(address)s) is locked for %(minutes)d minutes after too many failed "
        "sign-ins. Try again later, or ask the security administrator to unlock it.",
        minutes,
    ) % {"address": getattr(request, "axes_ip_address", None) or _("unknown"), "minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page saying why, with status 429 (Too Many Requests).

    The sign-in forms (ours and the admin's, core.forms) already put `lockout_message` on the page they
    answered with, which is kept; any other sign-in path gets our sign-in page with the message."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if isinstance(original_response, TemplateResponse) and original_response.status_code == 200:
        original_response.status_code = status
        return original_response
    from core.forms import SignInForm

    username = (credentials or {}).get("username") or None
    messages.error(request, lockout_message(request, username))
    form = SignInForm(request, initial={"username": username or ""})
    return render(request, "registration/login.html", {"form": form, "next": ""}, status=status)
