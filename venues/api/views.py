from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from core.api.plumbing import ScopedPermission, StrictOrderingFilter
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
class VenueViewSet(ScopedModelViewSet):
    """Venues: every role reads; provincial staff create and edit (no deletes: exhibitions refer to them)."""

    model = Venue
    serializer_class = VenueSerializer
    permission_classes = [ScopedPermission]
    filterset_class = VenueFilterSet  # applied by venue_list; named here for the schema
    ordering_fields = ["slug", "indoor_area_m2", "updated_at", "id"]
    ordering = ["city__sort_order", "slug", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Venue.objects.none()
        filterset, queryset = venue_list(actor=self.request.user, filters=self.request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return queryset

    def filter_queryset(self, queryset):
        # The selector filtered the rows with the FilterSet: only the ordering is left.
        return StrictOrderingFilter().filter_queryset(self.request, queryset, self)

    def get_object(self):
        pk = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        venue = venue_get(actor=self.request.user, pk=int(pk)) if pk.isdigit() else None
        if venue is None:
            raise Http404
        self.check_object_permissions(self.request, venue)
        return venue

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
