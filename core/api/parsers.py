"""The API's one body parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): JSON, bounded in size and depth.

Whatever a client sends answers the one error shape (core.api.exceptions), never a 500 (SPEC §6, §12):
- a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (`request_too_large`), checked on the
  declared Content-Length before anything is read and again on the bytes read (DRF reads the request
  stream itself, so Django's own check of `request.body` never runs for the API);
- a body nested deeper than `JSONParser.max_depth` levels answers 400 `parse_error` — also when it is
  so deep that the decoder itself gives up (RecursionError, which DRF does not catch);
- a number beyond the float range (`1e999`, read as infinity) answers 400 `parse_error`;
- malformed JSON or UTF-8 answers 400 `parse_error` (DRF's own handling of ValueError).
"""

from __future__ import annotations

import io
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status

MAX_DEPTH = 32  # the API's deepest body (a target's allocations) nests 3 levels


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def _too_large() -> RequestTooLarge:
    return RequestTooLarge(
        _("The request body is larger than the limit of %(limit)s bytes.")
        % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(_("The JSON body nests deeper than %(depth)s levels.") % {"depth": MAX_DEPTH})


def depth_exceeds(data: Any, limit: int) -> bool:
    """Whether `data` (parsed JSON) nests objects/arrays more than `limit` levels deep; not recursive."""
    return _first_problem(data, limit) == "depth"


def _first_problem(data: Any, limit: int) -> str | None:
    """ "depth" (nested more than `limit` levels), "number" (a number beyond float range, which Python
    reads as infinity: no field or lookup can take it) or None; one walk, not recursive."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, float) and not math.isfinite(value):
                return "number"
            continue
        if depth > limit:
            return "depth"
        stack.extend((child, depth + 1) for child in children)
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with a size and a depth limit (see the module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            request = (parser_context or {}).get("request")
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
            except ValueError:
                declared = 0
            if declared > limit:
                raise _too_large()
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise _too_large()
            stream = io.BytesIO(raw)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        problem = _first_problem(data, MAX_DEPTH)
        if problem == "depth":
            raise _too_deep()
        if problem == "number":
            raise exceptions.ParseError(_("A number in the JSON body is too large."))
        return data
