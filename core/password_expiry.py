"""Password expiry (SPEC §12): a password older than EXPOPLAN_PASSWORD_MAX_AGE_DAYS (0: never) must be
changed before anything else.

PasswordExpiryMiddleware sends a signed-in user with an expired password to the change-password page
with a message (the page itself, sign-out, the two-factor pages, the language switch and static files
stay reachable); an API request by session answers 403 "password_expired". Token-authenticated API
clients are not affected (tokens are for systems). When the password was set is read once per session
(at sign-in, and again after it changes) and kept in the session beside the session's password hash.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from core.passwords import password_changed_at, password_expired
from core.two_factor import api_refusal, by_token, is_api, is_exempt, page_redirect

SESSION_KEY = "_expoplan_password_changed_at"  # [the session's password hash, ISO time]


def session_password_changed_at(request, user) -> datetime:
    """When the signed-in user's password was set, from the session while the password is the same."""
    auth_hash = request.session.get(HASH_SESSION_KEY)
    kept = request.session.get(SESSION_KEY)
    if kept and kept[0] == auth_hash:
        return datetime.fromisoformat(kept[1])
    changed_at = password_changed_at(user)
    request.session[SESSION_KEY] = [auth_hash, changed_at.isoformat()]
    return changed_at


@receiver(user_logged_in, dispatch_uid="core.password_expiry.remember")
def _remember_at_sign_in(sender, request, user, **kwargs) -> None:
    """Read it at sign-in, while the session is written anyway (connected in core.apps)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
        session_password_changed_at(request, user)


class PasswordExpiryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS
            and user.is_authenticated
            and not (is_api(request) and by_token(request))
            and request.path_info not in (reverse("password_change"), reverse("password_change_done"))
            and not is_exempt(request)
            and reverse("two_factor_manage") != request.path_info
            and password_expired(user, session_password_changed_at(request, user))
        ):
            message = _("Your password is more than %(days)d days old: choose a new one to continue.") % {
                "days": settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS
            }
            if is_api(request):
                return api_refusal("password_expired", message)
            messages.warning(request, message, fail_silently=True)
            return page_redirect(request, reverse("password_change"))
        return self.get_response(request)
