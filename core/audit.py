"""The audit log's one write path (SPEC §12): `record(action, request=…, obj=…)`.

Every event SPEC §12 lists is written here, with time, user, role, address, user agent, action,
object and outcome. The table is append-only (core.AuditEvent). A failure to write an audit row is
never swallowed: the event it records must not happen unrecorded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from core.models import AuditEvent
from core.roles import any_role_of

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


def current_request():
    """The request this thread is answering, if any (simple_history's HistoryRequestMiddleware keeps it):
    for events raised below the view by model signals (tokens, passwords); a command or task has none."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address EXPOPLAN_TRUSTED_PROXIES hops in front of it
    added to X-Forwarded-For (0, the default: no proxy is trusted and the header is ignored).

    Used by the audit log and by the sign-in lockout (AXES_CLIENT_IP_CALLABLE), so both name the same
    address."""
    if request is None:
        return None
    proxies = settings.EXPOPLAN_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    request=None,
    user=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Write one audit event. `user` defaults to the request's signed-in user; `username` names an
    account that is not (or not yet) signed in, such as a failed sign-in's. `obj` fills the object
    columns from a model instance."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    role = any_role_of(user) if user is not None else None
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuditEvent.objects.create(
        user_id=user.pk if user is not None else None,
        username=(user.get_username() if user is not None else username)[:150],
        role=role.value if role else "",
        address=client_address(request),
        user_agent=agent[:300],
        action=action,
        object_type=object_type[:100],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=object_repr[:300],
        outcome=outcome,
        detail=detail or {},
    )
