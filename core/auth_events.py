"""The audit log's sign-in events (SPEC §12): sign_in, sign_in_failed, locked_out, sign_out, unlocked
and session_ended, each written through core.audit.record with the request (address, user agent).

The receivers are connected in CoreConfig.ready. Every path that signs in goes through Django's
`authenticate` and `login` (our sign-in page, the admin's), so the signals see them all; the API's
tokens never sign in and are not recorded here.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from core import audit
from core.audit import Action, Outcome


def on_sign_in(sender, request, user, **kwargs) -> None:
    from core.session_limits import session_started

    audit.record(Action.SIGN_IN, request=request, user=user)
    # A success clears the account's own failures, never those of the address (settings: AXES_RESET_ON_SUCCESS).
    AccessAttempt.objects.filter(username=user.get_username()).delete()
    session_started(request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    audit.record(
        Action.SIGN_IN_FAILED,
        request=request,
        username=username,
        outcome=Outcome.FAILURE,
        detail={"username": username},
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """axes' user_locked_out: a sign-in refused because the account or the address is locked (sent for
    the failure that reaches the limit and for every attempt while locked)."""
    from core.lockout import cool_off_minutes, failure_limit

    audit.record(
        Action.LOCKED_OUT,
        request=request,
        username=str(username or "")[:150],
        outcome=Outcome.DENIED,
        detail={
            "username": username or "",
            "address": ip_address or "",
            "failures": getattr(request, "axes_failures_since_start", None),
            "limit": failure_limit(),
            "minutes": cool_off_minutes(),
        },
    )


def on_sign_out(sender, request, user, **kwargs) -> None:
    if user is None or getattr(request, "expoplan_session_ended", False):
        return  # not signed in; or a session ended by its limits, audited as session_ended
    audit.record(Action.SIGN_OUT, request=request, user=user)


def session_ended(request, *, user, reason: str, session_user=None) -> None:
    """A session ended by the idle or absolute limit (`user` is its own user), or by the security
    administrator (`user` is the administrator, `session_user` the session's)."""
    detail = {"reason": reason}
    kwargs = {}
    if session_user is not None:
        detail["username"] = session_user.get_username()
        kwargs = {"obj": session_user, "object_repr": session_user.get_username()}
    audit.record(Action.SESSION_ENDED, request=request, user=user, detail=detail, **kwargs)


def unlocked(request, *, username: str | None = None, address: str | None = None, attempts: int = 0) -> None:
    """The security administrator lifted the lockout of an account or an address."""
    audit.record(
        Action.UNLOCKED,
        request=request,
        object_type="axes.accessattempt",
        object_repr=username or address or "",
        detail={"username": username or "", "address": address or "", "attempts": attempts},
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_sign_in, dispatch_uid="core.auth_events.sign_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="core.auth_events.sign_in_failed")
    user_logged_out.connect(on_sign_out, dispatch_uid="core.auth_events.sign_out")
    user_locked_out.connect(on_locked_out, dispatch_uid="core.auth_events.locked_out")
