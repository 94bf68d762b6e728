"""One error shape for every API error (SPEC §6), set as REST_FRAMEWORK["EXCEPTION_HANDLER"].

Every error answers
    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"gross_area_m2": ["..."]}}}
`fields` maps a request field or query parameter to its messages (nested items as `allocations.0.city`;
errors about the request as a whole sit under `non_field_errors`, a body that is not JSON under `body`).
Django's ValidationError (raised by services), PermissionDenied, Http404 and IntegrityError are mapped
too, so nothing a client sends surfaces as a 500.

Every 403 is recorded in the audit log (permission_denied, SPEC §12); 401s are not (nobody signed in).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class Conflict(exceptions.APIException):
    """409: the change was based on an older version (body `version`) or collides with stored data."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The exhibition was changed by somebody else since you read it.")
    default_code = "version_conflict"


class PreconditionFailed(exceptions.APIException):
    """412: the `If-Match` header does not match the current ETag."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The resource changed since you read it (If-Match does not match the current ETag).")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    """428: a change of a versioned row names neither the version it is based on (body `version`) nor an
    `If-Match` ETag, so it could silently overwrite somebody else's change (RFC 6585 §3)."""

    status_code = 428
    default_detail = _(
        "Say which version your change is based on: send `version` (from your last read) in the body, "
        "or the ETag of your last read in an If-Match header."
    )
    default_code = "precondition_required"


class FieldErrors(exceptions.ValidationError):
    """400 with field-keyed messages, raised by API code (query parameters, request body)."""


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested DRF error details → {"field": [messages]}, nested keys joined with dots."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in _flatten(value, name).items():
                fields.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields.setdefault(prefix or NON_FIELD, []).extend(force_str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None):
                    continue
                for sub, messages in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    fields.setdefault(sub, []).extend(messages)
    elif detail is not None:
        fields.setdefault(prefix or NON_FIELD, []).append(force_str(detail))
    return fields


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code
    if isinstance(detail, dict):
        for value in detail.values():
            code = _first_code(value)
            if code:
                return code
    if isinstance(detail, list):
        for value in detail:
            code = _first_code(value)
            if code:
                return code
    return None


def error_body(*, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _convert(exc: Exception) -> Exception:
    """Django and database exceptions → DRF exceptions."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, IntegrityError):
        # Validation runs first; what is left is a race with another write (e.g. the same external_ref).
        logger.warning("IntegrityError answered 409: %s", exc)
        return Conflict(_("The change conflicts with data stored meanwhile; read it again and retry."), "conflict")
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _convert(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a genuine server error: Django's 500 handling and logging
    set_rollback()
    detail = getattr(exc, "detail", None)
    code = _first_code(detail) or getattr(exc, "default_code", "error")
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ParseError):
        code = "parse_error"
        fields = {"body": [force_str(detail)]}
        message = force_str(_("The request body is not valid JSON."))
    elif isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail)
        code = "invalid"  # stable for every 400 with field errors; the messages say what is wrong
        names = [name for name in fields if name != NON_FIELD]
        if names:
            message = force_str(_("Invalid input: %(fields)s.")) % {"fields": ", ".join(names)}
        else:
            message = (fields.get(NON_FIELD) or [force_str(_("Invalid input."))])[0]
    else:
        message = force_str(detail) if not isinstance(detail, (dict, list)) else force_str(exc.default_detail)
    body = error_body(status_code=response.status_code, code=str(code), message=message, fields=fields)
    if isinstance(exc, Conflict) and getattr(exc, "current_version", None) is not None:
        body["error"]["current_version"] = exc.current_version
    response.data = body
    if response.status_code == status.HTTP_403_FORBIDDEN:
        _record_denied(context.get("request"), reason=message, code=str(code))
    return response


def _record_denied(request, *, reason: str, code: str) -> None:
    from core.audit import Action, Outcome, record
    from core.views import denied_detail

    if request is None:
        return
    detail = {**denied_detail(request, reason), "code": code}
    record(Action.PERMISSION_DENIED, request=request, outcome=Outcome.DENIED, detail=detail)
