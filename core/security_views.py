"""The security administrator's page (/security/, SPEC §5 and §12): the policy in force, locked accounts
and addresses (with Unlock), signed-in sessions (with End). Only the security administrator (secadmin);
anonymous users are sent to sign in, everyone else gets 403.

Sessions are named by a hash of their key, never the key itself: the page must not hand out what
would let its reader use somebody else's session.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import auth_events, lockout, session_limits
from core.models import Session
from core.passwords import CharacterClassesValidator
from core.roles import AdminRole, admin_role_of, any_role_of
from core.roles_display import role_label

SESSIONS_PER_PAGE = 50


class SecurityAdministratorMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if admin_role_of(request.user) != AdminRole.SECADMIN:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def session_token(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def _min_classes() -> int | None:
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, CharacterClassesValidator):
            return validator.min_classes
    return None


def policy() -> list[tuple[str, str]]:
    """The security policy in force (read from the settings: changed by configuration, not here)."""

    def yes_no(value: bool) -> str:
        return _("Yes") if value else _("No")

    max_age = settings.EXPOPLAN_PASSWORD_MAX_AGE_DAYS
    classes = _min_classes()
    return [
        (_("Failed sign-ins before an account or address is locked"), str(settings.AXES_FAILURE_LIMIT)),
        (_("Lockout duration (minutes)"), str(lockout.cool_off_minutes())),
        (_("Minimum password length"), str(settings.EXPOPLAN_PASSWORD_MIN_LENGTH)),
        (_("Character classes required (of 4)"), str(classes) if classes else _("none")),
        (_("Previous passwords that may not be reused"), str(settings.EXPOPLAN_PASSWORD_HISTORY)),
        (_("Password maximum age (days)"), str(max_age) if max_age else _("never expires")),
        (_("Session idle limit (minutes)"), str(settings.EXPOPLAN_SESSION_IDLE_MINUTES)),
        (_("Session absolute limit (hours)"), str(settings.EXPOPLAN_SESSION_MAX_HOURS)),
        (_("Two-factor sign-in required"), yes_no(getattr(settings, "EXPOPLAN_2FA_REQUIRED", False))),
        (_("Audit log kept at least (days)"), str(settings.EXPOPLAN_AUDIT_RETENTION_DAYS)),
    ]


def _when(value) -> dt.datetime | None:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def signed_in_sessions(request) -> list[dict]:
    """Live sessions of signed-in users (not expired, within the idle and absolute limits), newest first."""
    now = timezone.now()
    rows = (
        Session.objects.filter(user__isnull=False, expire_date__gt=now)
        .select_related("user")
        .order_by("-expire_date", "session_key")
    )
    current = request.session.session_key
    roles: dict[int, str] = {}  # one role look-up per user, not per session
    sessions = []
    for row in rows:
        data = row.get_decoded()
        if session_limits.session_limit_passed(data, now.timestamp()) is not None:
            continue  # past a limit: ends on its next request
        if row.user_id not in roles:
            roles[row.user_id] = role_label(any_role_of(row.user))
        sessions.append(
            {
                "user": row.user,
                "role": roles[row.user_id],
                "address": data.get(session_limits.ADDRESS) or "",
                "signed_in_at": _when(data.get(session_limits.SIGNED_IN_AT)),
                "last_active_at": _when(data.get(session_limits.LAST_ACTIVE_AT)),
                "token": session_token(row.session_key),
                "current": row.session_key == current,
            }
        )
    sessions.sort(key=lambda s: s["last_active_at"] or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return sessions


class SecurityView(SecurityAdministratorMixin, View):
    def get(self, request):
        sessions = Paginator(signed_in_sessions(request), SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "security/index.html",
            {
                "policy": policy(),
                "locked_accounts": lockout.locked_accounts(),
                "locked_addresses": lockout.locked_addresses(),
                "sessions": sessions,
            },
        )


class UnlockForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("account"), max_length=255, required=False)
    address = forms.GenericIPAddressField(label=gettext_lazy("address"), required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("username")) == bool(data.get("address")):
            raise forms.ValidationError(_("Name either one account or one address to unlock."), code="one")
        return data


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return " ".join(parts)


class UnlockView(SecurityAdministratorMixin, View):
    def post(self, request):
        form = UnlockForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("security")
        username = form.cleaned_data["username"] or None
        address = form.cleaned_data["address"] or None
        with transaction.atomic():
            count = axes_reset(username=username) if username else axes_reset(ip=address)
            if count:
                auth_events.unlocked(request, username=username, address=address, attempts=count)
        if not count:
            if username:
                message = _("The account “%(name)s” was not locked.") % {"name": username}
            else:
                message = _("The address %(name)s was not locked.") % {"name": address}
            messages.warning(request, message)
        elif username:
            messages.success(request, _("The account “%(name)s” is unlocked.") % {"name": username})
        else:
            messages.success(request, _("The address %(name)s is unlocked.") % {"name": address})
        return redirect("security")


class EndSessionForm(forms.Form):
    user = forms.IntegerField(label=gettext_lazy("user"), min_value=1)
    session = forms.RegexField(label=gettext_lazy("session"), regex=r"^[0-9a-f]{64}$")


class EndSessionView(SecurityAdministratorMixin, View):
    def post(self, request):
        form = EndSessionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("security")
        token = form.cleaned_data["session"]
        keys = Session.objects.filter(user_id=form.cleaned_data["user"]).values_list("session_key", flat=True)
        key = next((key for key in keys if session_token(key) == token), None)
        if key is None:
            messages.warning(request, _("That session has already ended."))
            return redirect("security")
        if key == request.session.session_key:
            messages.error(request, _("This is your own current session: sign out to end it."))
            return redirect("security")
        target = get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
        if target is None:
            messages.warning(request, _("That session has already ended."))
            return redirect("security")
        with transaction.atomic():
            auth_events.session_ended(
                request, user=request.user, reason=session_limits.BY_SECURITY_ADMINISTRATOR, session_user=target
            )
            Session.get_session_store_class()().delete(key)  # through the store: drops a cached copy too
        messages.success(request, _("The session of “%(name)s” has ended.") % {"name": target.get_username()})
        return redirect("security")
