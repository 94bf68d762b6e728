from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from core.api.conditional import etag_matches
from core.api.exceptions import Conflict, PreconditionFailed, PreconditionRequired
from core.api.plumbing import ScopedPermission, SelectorViewSetMixin
from core.api.schema import slug_list_parameter
from core.api.views import ReadOnlyScopedViewSet, ScopedModelViewSet, document_lookup
from exhibitions.api.serializers import BatchSerializer, BrandSerializer, ExhibitionSerializer, OrganizerSerializer
from exhibitions.filtersets import ExhibitionFilterSet
from exhibitions.models import Batch, Brand, Exhibition, Organizer
from exhibitions.selectors import batch_list, brand_list, exhibition_get, exhibition_list, organizer_list
from exhibitions.services import VersionConflict, exhibition_create, exhibition_delete, exhibition_update

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="ETag from a GET of this exhibition; a stale one answers 412 and nothing is written. "
    "PUT and PATCH need it or `version` in the body (neither: 428).",
)


@document_lookup("code", OpenApiTypes.STR, "Batch code: brand, resident, market or conference.")
class BatchViewSet(ReadOnlyScopedViewSet):
    """The four batches (四个一批)."""

    model = Batch
    serializer_class = BatchSerializer
    permission_classes = [ScopedPermission]
    lookup_field = "code"
    filter_backends: list = []

    def get_queryset(self):
        return batch_list(actor=self.request.user)


class OrganizerViewSet(ReadOnlyScopedViewSet):
    """Organisers (read-only in the API)."""

    model = Organizer
    serializer_class = OrganizerSerializer
    permission_classes = [ScopedPermission]
    ordering_fields = ["name_zh", "updated_at", "id"]
    ordering = ["name_zh", "id"]

    def get_queryset(self):
        return organizer_list(actor=self.request.user)


@document_lookup("slug", OpenApiTypes.STR, "Brand slug.")
class BrandViewSet(ReadOnlyScopedViewSet):
    """Brands: recurring exhibition series (read-only in the API)."""

    model = Brand
    serializer_class = BrandSerializer
    permission_classes = [ScopedPermission]
    lookup_field = "slug"
    ordering_fields = ["slug", "updated_at", "id"]
    ordering = ["slug", "id"]

    def get_queryset(self):
        return brand_list(actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            slug_list_parameter("city", "City slug (repeatable: any of them).", ["dalian", "shenyang"]),
            slug_list_parameter("batch", "Batch code (repeatable): brand, resident, market, conference.", ["market"]),
        ]
    ),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ExhibitionViewSet(SelectorViewSetMixin, ScopedModelViewSet):
    """Exhibitions. Every role reads all; staff write; city officials create and edit drafts
    (status planned) of their own city — the same rule as the browser (`Exhibition.objects.for_user`)."""

    model = Exhibition
    serializer_class = ExhibitionSerializer
    permission_classes = [ScopedPermission]
    filterset_class = ExhibitionFilterSet  # applied by exhibition_list; named here for the schema
    ordering_fields = ["start_date", "gross_area_m2", "name_zh", "updated_at", "id"]
    ordering = ["start_date", "id"]

    list_selector = staticmethod(exhibition_list)
    get_selector = staticmethod(exhibition_get)

    def list_validators(self, queryset):
        """The ETag follows the data state (every change of an exhibition, venue, batch, city or target,
        which `counts` reads) and the query; the total is the list page's cached count. Neither reads the
        rows, whose MAX/COUNT aggregate grew with the table."""
        from core.api.conditional import make_etag
        from exhibitions.selectors import exhibition_count
        from targets.selectors import data_state

        state = data_state()
        queryset.known_count = exhibition_count(filterset=self.filterset, state=state)
        return make_etag("exhibitions", state, self.request.get_full_path()), state.changed_at

    # --- writes: through exhibitions.services --------------------------------------------------
    def _check_if_match(self, exhibition: Exhibition) -> bool:
        """412 when If-Match names another version; True when the header was given."""
        header = self.request.headers.get("If-Match")
        if not header:
            return False
        etag, _last = self.object_validators(exhibition)
        if header.strip() != "*" and not etag_matches(header, etag):
            raise PreconditionFailed()
        return True

    def _conflict(self, error: VersionConflict, *, from_body: bool):
        if not from_body:
            raise PreconditionFailed() from error
        conflict = Conflict()
        conflict.current_version = error.current.version
        raise conflict from error

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            exhibition = exhibition_create(
                actor=request.user,
                data=serializer.service_data(),
                confirm_over_capacity=serializer.validated_data.get("confirm_over_capacity", False),
            )
        except DjangoValidationError as error:
            self.raise_service_errors(error)
        response = Response(self.get_serializer(exhibition).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{exhibition.pk}/")
        etag, last = self.object_validators(exhibition)
        response["ETag"] = etag
        return response

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        exhibition = self.get_object()
        by_if_match = self._check_if_match(exhibition)
        if not by_if_match and isinstance(request.data, Mapping) and "version" not in request.data:
            raise PreconditionRequired()  # a body that is no JSON object is the serializer's 400
        serializer = self.get_serializer(exhibition, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        body_version = serializer.validated_data.get("version")
        expected = body_version if body_version is not None else (exhibition.version if by_if_match else None)
        try:
            saved = exhibition_update(
                actor=request.user,
                exhibition=exhibition,
                data=serializer.service_data(),
                expected_version=expected,
                confirm_over_capacity=serializer.validated_data.get("confirm_over_capacity", False),
            )
        except VersionConflict as error:
            self._conflict(error, from_body=body_version is not None)
        except DjangoValidationError as error:
            self.raise_service_errors(error)
        response = Response(self.get_serializer(saved).data)
        response["ETag"] = self.object_validators(saved)[0]
        return response

    def destroy(self, request, *args, **kwargs):
        exhibition = self.get_object()
        by_if_match = self._check_if_match(exhibition)
        try:
            exhibition_delete(
                actor=request.user, exhibition=exhibition, expected_version=exhibition.version if by_if_match else None
            )
        except VersionConflict as error:
            self._conflict(error, from_body=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
