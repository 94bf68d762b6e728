from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from core.api.plumbing import ScopedPermission, SelectorViewSetMixin
from core.api.schema import slug_list_parameter
from core.api.views import ReadOnlyScopedViewSet, ScopedModelViewSet, document_lookup
from venues.api.serializers import CitySerializer, VenueSerializer
from venues.filtersets import VenueFilterSet
from venues.models import City, Venue
from venues.selectors import city_list, venue_get, venue_list
from venues.services import venue_save


@document_lookup("slug", OpenApiTypes.STR, "City slug, e.g. shenyang, dalian, shenfu.")
class CityViewSet(ReadOnlyScopedViewSet):
    """Cities and zones of the province (reference data; every role reads)."""

    model = City
    serializer_class = CitySerializer
    permission_classes = [ScopedPermission]
    lookup_field = "slug"
    filter_backends: list = []

    def get_queryset(self):
        return city_list(actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        parameters=[slug_list_parameter("city", "City slug (repeatable: any of them).", ["dalian", "shenyang"])]
    )
)
class VenueViewSet(SelectorViewSetMixin, ScopedModelViewSet):
    """Venues: every role reads; provincial staff create and edit (no deletes: exhibitions refer to them)."""

    model = Venue
    serializer_class = VenueSerializer
    permission_classes = [ScopedPermission]
    filterset_class = VenueFilterSet  # applied by venue_list; named here for the schema
    ordering_fields = ["slug", "indoor_area_m2", "updated_at", "id"]
    ordering = ["city__sort_order", "slug", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    list_selector = staticmethod(venue_list)
    get_selector = staticmethod(venue_get)

    def _save(self, serializer, venue: Venue):
        try:
            saved = venue_save(actor=self.request.user, venue=venue, data=serializer.validated_data)
        except DjangoValidationError as error:
            self.raise_service_errors(error)
        serializer.instance = saved
        return saved

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self._save(serializer, Venue())
        return Response(serializer.data, status=201)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        venue = self.get_object()
        serializer = self.get_serializer(venue, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self._save(serializer, venue)
        return Response(serializer.data)
