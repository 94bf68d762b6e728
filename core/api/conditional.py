"""Conditional requests: ETag and Last-Modified on reads, 304 for If-None-Match / If-Modified-Since,
and `If-Match` checks for writes (412 when stale).

List ETags come from the filtered rows' `max(updated_at)` and count (plus the query string, so every
page and filter has its own); models without `updated_at` (cities, batches, targets with allocations)
hash the response data instead. Detail ETags come from `version` when the model has one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from rest_framework import status
from rest_framework.response import Response


def make_etag(*parts: Any) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return quote_etag(digest)


def data_etag(data: Any) -> str:
    return make_etag(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False))


def _etags(header: str) -> list[str]:
    return [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]


def etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §8.8.3.2), as If-None-Match requires; '*' matches anything."""
    if not header:
        return False
    candidates = _etags(header)
    return "*" in candidates or etag.removeprefix("W/") in candidates


def not_modified(request, etag: str | None, last_modified: dt.datetime | None, *, honour_since: bool = False) -> bool:
    """If-None-Match decides; If-Modified-Since only where a date alone proves the copy is current
    (one object's `updated_at`). A list or a progress figure can change without a newer timestamp (a
    deleted row, a stale snapshot), so there only the ETag counts."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag is not None and etag_matches(if_none_match, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    if honour_since and since is not None and last_modified is not None:
        return int(last_modified.timestamp()) <= since
    return False


def set_validators(response: Response, etag: str | None, last_modified: dt.datetime | None) -> Response:
    if etag:
        response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Accept, Authorization, Cookie"
    return response


def not_modified_response(etag: str | None, last_modified: dt.datetime | None) -> Response:
    return set_validators(Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified)


def queryset_validators(queryset: QuerySet, *extra: Any) -> tuple[str, dt.datetime | None]:
    """ETag and Last-Modified of a filtered queryset: one aggregate query (its count is kept for the paginator)."""
    figures = queryset.order_by().aggregate(last=Max("updated_at"), count=Count("pk"))
    last = figures["last"]
    queryset.known_count = figures["count"]  # the paginator's total: no second COUNT (core.api.plumbing)
    return make_etag(figures["count"], last.isoformat() if last else "", *extra), last


class ConditionalReadMixin:
    """For ModelViewSets: validators on list and retrieve, 304 when the client's copy is current."""

    def list_validators(self, queryset: QuerySet) -> tuple[str | None, dt.datetime | None]:
        if any(f.name == "updated_at" for f in queryset.model._meta.get_fields()):
            return queryset_validators(queryset, self.request.get_full_path())
        return None, None  # hash the response data instead

    def object_validators(self, obj) -> tuple[str | None, dt.datetime | None]:
        last = getattr(obj, "updated_at", None)
        if getattr(obj, "version", None) is not None:
            return make_etag(type(obj).__name__, obj.pk, obj.version, last.isoformat() if last else ""), last
        if last is not None:
            return make_etag(type(obj).__name__, obj.pk, last.isoformat()), last
        return None, None

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        etag, last = self.list_validators(queryset)
        if etag and not_modified(request, etag, last):
            return not_modified_response(etag, last)
        page = self.paginate_queryset(queryset)
        if page is not None:
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        else:
            response = Response(self.get_serializer(queryset, many=True).data)
        return self._finish(request, response, etag, last)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        etag, last = self.object_validators(instance)
        if etag and not_modified(request, etag, last, honour_since=True):
            return not_modified_response(etag, last)
        response = Response(self.get_serializer(instance).data)
        return self._finish(request, response, etag, last)

    def _finish(self, request, response: Response, etag: str | None, last: dt.datetime | None) -> Response:
        if etag is None:
            etag = data_etag(response.data)
            if not_modified(request, etag, None):
                return not_modified_response(etag, last)
        return set_validators(response, etag, last)
