"""Password policy (SPEC §12): character classes, no reuse of recent passwords, expiry.

Django's validators (AUTH_PASSWORD_VALIDATORS) run on every path that sets a password: the sign-in
pages' forms, the admin's forms and `add_user` (through `password_set`). The history of hashes is
core.PasswordHistory, written by `password_set` and by the `user_password_changed` receiver for
paths that call `user.set_password` themselves (Django's forms).
"""

from __future__ import annotations

import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import PasswordHistory

CLASSES = (
    ("lowercase", set(string.ascii_lowercase)),
    ("uppercase", set(string.ascii_uppercase)),
    ("digits", set(string.digits)),
)


def _classes(password: str) -> int:
    """Lower case, upper case, digits, and anything else (symbols, CJK …): how many of the four occur."""
    found = {name for name, chars in CLASSES for ch in password if ch in chars}
    others = any(not any(ch in chars for _name, chars in CLASSES) for ch in password)
    return len(found) + (1 if others else 0)


class CharacterClassesValidator:
    """At least `min_classes` of: lower case letters, upper case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if _classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(count)d of these four: lower case letters, upper case "
            "letters, digits, other characters."
        ) % {"count": self.min_classes}


class PasswordReuseValidator:
    """Not one of the user's last `count` passwords (EXPOPLAN_PASSWORD_HISTORY)."""

    def __init__(self, count: int | None = None):
        self.count = count

    @property
    def limit(self) -> int:
        return settings.EXPOPLAN_PASSWORD_HISTORY if self.count is None else self.count

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not self.limit:
            return
        recent = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self.limit]
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user=None) -> None:
        """Django calls this after saving a user whose password was set, on every path (forms, the admin,
        `add_user`, `changepassword`, `createsuperuser`): the one place the change is remembered and
        audited, once per change."""
        if user is not None and user.pk is not None:
            password_remember(user)
            password_audit(user)

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must differ from your last password.",
            "Your password must differ from your last %(count)d passwords.",
            self.limit,
        ) % {"count": self.limit}


def password_set(*, user, password: str) -> None:
    """Validate `password` against every validator (ValidationError {"password": [...]}) and set it.
    The caller saves the user; the history row is written when it does (password_remember)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)


def password_remember(user) -> None:
    """Keep the hash the user now has, and only the last EXPOPLAN_PASSWORD_HISTORY of them."""
    if not user.has_usable_password():
        return
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(settings.EXPOPLAN_PASSWORD_HISTORY, 1)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_change_by(user, *, request=None, actor=None, audit: bool = True, detail: dict | None = None) -> None:
    """Say who sets `user`'s password, and from which request, for the audit event its next save writes
    (password_audit). Code paths with a request call this before saving; without it the event names the
    current request's user (core.audit.current_request), or no actor (a management command). `audit=False`: the caller audits the change itself (a new account's
    first password is part of its account_created event)."""
    user._expoplan_password_change_by = (request, actor, audit, detail)


def password_audit(user) -> None:
    from core import audit as audit_log

    request, actor, audit, detail = user.__dict__.pop("_expoplan_password_change_by", (None, None, True, None))
    if request is None:  # a path that did not say (the admin's password page): the current request's user
        request = audit_log.current_request()
    if audit:
        audit_log.record(audit_log.Action.PASSWORD_CHANGED, request=request, user=actor, obj=user, detail=detail)


def password_changed_at(user):
    """When the user's current password was set (their join date if it predates the history)."""
    latest = PasswordHistory.objects.filter(user_id=user.pk).values_list("set_at", flat=True).first()
    return latest or user.date_joined


def password_expired(user, changed_at=None) -> bool:
    """Older than EXPOPLAN_PASSWORD_MAX_AGE_DAYS (`changed_at`: password_changed_at(user), if known)."""
    days = settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    return (changed_at or password_changed_at(user)) <= timezone.now() - timedelta(days=days)
