"""Session limits (SPEC §12): a signed-in session ends after EXPOPLAN_SESSION_IDLE_MINUTES without a
request, and EXPOPLAN_SESSION_MAX_HOURS after signing in, however active.

The session stores when it signed in and when it was last active (epoch seconds). The last activity is
written at most once a minute (ACTIVITY_RESOLUTION), so a busy user's requests do not each write the
session (a database row and its cached copy). A session found past a limit is signed out and audited
(`session_ended`); a page request is sent to the sign-in page with a message, an API request with a
session gets the API's JSON 401.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import ngettext

SIGNED_IN_AT = "_expoplan_signed_in_at"
LAST_ACTIVE_AT = "_expoplan_last_active_at"
ADDRESS = "_expoplan_address"
ACTIVITY_RESOLUTION = 60  # seconds: the last activity is at most this much older than the last request

IDLE = "idle"
ABSOLUTE = "absolute"
BY_SECURITY_ADMINISTRATOR = "ended by security administrator"


def idle_seconds() -> int:
    return settings.EXPOPLAN_SESSION_IDLE_MINUTES * 60


def max_seconds() -> int:
    return settings.EXPOPLAN_SESSION_MAX_HOURS * 3600


def session_started(request) -> None:
    """On sign-in (user_logged_in): the session's clock starts now; the address is kept for the security
    administrator's list of sessions."""
    session = getattr(request, "session", None)
    if session is None:
        return
    from core.audit import client_address

    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVE_AT] = now
    session[ADDRESS] = client_address(request)


def session_limit_passed(session, now: float) -> str | None:
    """IDLE, ABSOLUTE or None for a signed-in session's data."""
    started = session.get(SIGNED_IN_AT)
    last = session.get(LAST_ACTIVE_AT)
    if not isinstance(started, int | float) or not isinstance(last, int | float):
        return None
    if now - started >= max_seconds():
        return ABSOLUTE
    if now - last >= idle_seconds():
        return IDLE
    return None


def ended_message(reason: str) -> str:
    if reason == ABSOLUTE:
        hours = settings.EXPOPLAN_SESSION_MAX_HOURS
        return ngettext(
            "Your session ended %(count)d hour after you signed in. Please sign in again.",
            "Your session ended %(count)d hours after you signed in. Please sign in again.",
            hours,
        ) % {"count": hours}
    minutes = settings.EXPOPLAN_SESSION_IDLE_MINUTES
    return ngettext(
        "Your session ended after %(count)d minute without activity. Please sign in again.",
        "Your session ended after %(count)d minutes without activity. Please sign in again.",
        minutes,
    ) % {"count": minutes}


class SessionLimitMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            reason = session_limit_passed(session, now)
            if reason is not None:
                return self.end(request, reason)
            if SIGNED_IN_AT not in session:  # signed in before these limits were deployed: the clock starts now
                session[SIGNED_IN_AT] = session[LAST_ACTIVE_AT] = int(now)
            elif now - session.get(LAST_ACTIVE_AT, 0) >= ACTIVITY_RESOLUTION:
                session[LAST_ACTIVE_AT] = int(now)
        return self.get_response(request)

    def end(self, request, reason: str):
        from core.auth_events import session_ended

        message = ended_message(reason)
        session_ended(request, user=request.user, reason=reason)
        request.expoplan_session_ended = True  # no sign_out event for this logout (core.auth_events)
        logout(request)
        if request.path.startswith("/api/"):
            from core.api.exceptions import error_body

            return JsonResponse(
                error_body(status_code=401, code="not_authenticated", message=message),
                status=401,
                headers={"WWW-Authenticate": "Token"},
            )
        messages.info(request, message)
        # Back to the page after signing in again; not to a form's POST address, which a GET cannot repeat.
        if request.method in ("GET", "HEAD"):
            response = redirect_to_login(request.get_full_path())
        else:
            response = HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        if getattr(request, "htmx", False):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(response["Location"])
        return response
