from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.conditional import make_etag, not_modified, not_modified_response, set_validators
from core.api.plumbing import ApiPagination, ScopedPermission
from core.api.views import ApiViewMixin, ScopedModelViewSet, document_lookup
from targets.api.serializers import (
    HISTORY_KEYS,
    PROGRESS_KEYS,
    ProgressHistoryPageSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    TargetSerializer,
)
from targets.models import ProgressSnapshot, Target
from targets.services import target_save


@document_lookup("year", OpenApiTypes.INT, "The target's year, e.g. 2024.")
class TargetViewSet(ScopedModelViewSet):
    """Yearly targets with their city allocations: every role reads, provincial staff write."""

    model = Target
    serializer_class = TargetSerializer
    permission_classes = [ScopedPermission]
    lookup_field = "year"
    prefetch_related = ("allocations__city",)
    filter_backends: list = []
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def list_validators(self, queryset):
        return None, None  # allocations carry no timestamp: the ETag hashes the response

    def object_validators(self, obj):
        return None, obj.updated_at if obj else None

    def _save(self, serializer, target: Target | None) -> Target:
        data = dict(serializer.validated_data)
        allocations = data.pop("allocations", None)
        try:
            saved = target_save(actor=self.request.user, target=target, data=data, allocations=allocations)
        except DjangoValidationError as error:
            self.raise_service_errors(error)
        return self.get_queryset().get(pk=saved.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = self._save(serializer, None)
        return Response(self.get_serializer(saved).data, status=201)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        target = self.get_object()
        serializer = self.get_serializer(target, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self._save(serializer, target)
        return Response(self.get_serializer(saved).data)


CITY_EXAMPLE = OpenApiParameter(
    "city",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="City slug; omit for the province.",
    examples=[OpenApiExample("Dalian", value="dalian")],
)


PROGRESS_CACHE_SECONDS = 24 * 3600  # a new snapshot or a change of freshness is a new key


def _this_year() -> int:
    return timezone.localdate().year


class NoSnapshot(NotFound):
    """404: the year has no snapshot yet. Reads never compute one: a year's first snapshot follows the
    first write that concerns it (a target, an exhibition), computed after that write commits."""

    default_detail = _(
        "No progress has been computed for this year yet: it has no target or exhibitions, or the first "
        "computation after they were entered is still running."
    )
    default_code = "no_snapshot"


class _ProgressBase(ApiViewMixin, APIView):
    permission_classes = [ScopedPermission]

    def scoped_queryset(self, action: str):
        return Target.objects.for_user(self.request.user, action)

    def _query(self) -> dict:
        query = ProgressQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        data.setdefault("year", _this_year())
        return data

    def _check_city(self, slug: str | None) -> None:
        from venues.selectors import city_get

        if slug and city_get(actor=self.request.user, slug=slug) is None:
            raise ValidationError({"city": [_("Unknown city slug “%(slug)s”.") % {"slug": slug}]})


class ProgressView(_ProgressBase):
    """Progress against the year's target, from the latest snapshot (never aggregated per request)."""

    @extend_schema(
        parameters=[ProgressQuerySerializer, CITY_EXAMPLE],
        responses={200: ProgressSerializer},
        summary="Progress of a year (province or one city)",
        description="The latest snapshot's figures for the province, or for one city with `city=SLUG`. "
        "Every measure is `{exhibitions, gross_area_m2}`. `stale` is true while a recompute is pending. "
        "ETag/Last-Modified come from the snapshot; send If-None-Match to get 304 while nothing changed. "
        "A year without a snapshot answers 404 with code `no_snapshot` (a read never computes one; the first "
        "follows the year's first target or exhibition).",
    )
    def get(self, request, *args, **kwargs):
        """Clients poll this every minute: the answer is rendered once per snapshot, scope, freshness and
        language and kept in the cache as bytes with its ETag; a poll reads the snapshot's head (no
        payload) and those bytes."""
        from targets.selectors import UnknownScope, progress_get, snapshot_get, snapshot_head, snapshot_latest

        query = self._query()
        head = snapshot_head(year=query["year"])  # a read never computes one
        if head is None:
            self._check_city(query.get("city"))
            raise NoSnapshot()
        key = "progress-response:" + make_etag(
            head["id"], query.get("city") or "", head["stale"], translation.get_language()
        ).strip('"')
        cached = cache.get(key)
        if cached is None:
            try:
                snapshot = snapshot_get(year=query["year"], snapshot_id=head["id"])
            except ProgressSnapshot.DoesNotExist:  # pruned since its head was read: a newer one exists
                snapshot = snapshot_latest(year=query["year"])
            try:
                progress = progress_get(year=query["year"], city_slug=query.get("city"), snapshot=snapshot)
            except UnknownScope as error:
                raise ValidationError(
                    {"city": [_("Unknown city slug “%(slug)s”.") % {"slug": error.city_slug}]}
                ) from error
            if progress is None:
                raise ValidationError({"year": [_("Give a year from 2000 to 2100.")]})
            progress["stale"] = head["stale"]  # the freshness the key was made for
            etag = make_etag("progress", progress["snapshot_id"], progress["scope"], progress["stale"])
            body = JSONRenderer().render({field: progress[field] for field in PROGRESS_KEYS})
            cached = (etag, str(progress["computed_at"]), body)
            cache.set(key, cached, PROGRESS_CACHE_SECONDS)
        etag, computed_at, body = cached
        computed_at = parse_datetime(computed_at)
        if not_modified(request, etag, computed_at):
            return not_modified_response(etag, computed_at)
        return set_validators(HttpResponse(body, content_type="application/json"), etag, computed_at)


class ProgressHistoryView(_ProgressBase):
    """The snapshot series of a year."""

    @extend_schema(
        parameters=[
            ProgressQuerySerializer,
            CITY_EXAMPLE,
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Items per page: default 50, at most 500 (more: 400)."
            ),
        ],
        responses={200: ProgressHistoryPageSerializer},
        summary="The snapshot series of a year",
        description="Every kept snapshot of the year, newest first, with the scope's headline figures "
        "(province, or one city with `city=SLUG`). Paginated like every list (`count`, `next`, `previous`). "
        "A year without a snapshot answers 404 with code `no_snapshot`.",
    )
    def get(self, request, *args, **kwargs):
        from targets.selectors import progress_history

        query = self._query()
        scope = query.get("city") or "province"
        self._check_city(query.get("city"))
        snapshots = progress_history(year=query["year"]).order_by("-computed_at", "-id")
        paginator = ApiPagination()
        page = paginator.paginate_queryset(snapshots, request, view=self)
        if paginator.page.paginator.count == 0:
            raise NoSnapshot()
        items = []
        for snapshot in page:
            figures = snapshot.payload.get("scopes", {}).get(scope) or {}
            row = {
                "id": snapshot.pk,
                "year": snapshot.year,
                "scope": scope,
                "computed_at": snapshot.payload.get("computed_at") or snapshot.computed_at.isoformat(),
                "duration_ms": snapshot.duration_ms,
            }
            row.update({key: figures.get(key) for key in HISTORY_KEYS if key not in row})
            items.append(row)
        response = paginator.get_paginated_response(items)
        last = page[0].computed_at if page else None
        etag = make_etag("history", request.get_full_path(), paginator.page.paginator.count, *(s.pk for s in page))
        if not_modified(request, etag, last):
            return not_modified_response(etag, last)
        return set_validators(response, etag, last if isinstance(last, dt.datetime) else None)
