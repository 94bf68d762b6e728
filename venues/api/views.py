from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from core.api.plumbing import ScopedPermission
from core.api.schema import slug_list_parameter
from core.api.views import ReadOnlyScopedViewSet, ScopedModelViewSet, document_lookup
from core.roles import scope_reference_data
from venues.api.serializers import CitySerializer, VenueSerializer
from venues.models import City, Venue
from venues.services import venue_save


@document_lookup("slug", OpenApiTypes.STR, "City slug, e.g. shenyang, dalian, shenfu.")
class CityViewSet(ReadOnlyScopedViewSet):
    """Cities and zones of the province (reference data; every role reads)."""

    serializer_class = CitySerializer
    permission_classes = [ScopedPermission]
    lookup_field = "slug"
    pagination_class = None
    filter_backends: list = []

    def scoped_queryset(self, action: str):
        return scope_reference_data(City.objects.all(), self.request.user, action)


class VenueFilterSet(django_filters.FilterSet):
    city = django_filters.ModelMultipleChoiceFilter(
        field_name="city__slug",  # django-filter builds {field_name: value.slug}
        to_field_name="slug",
        queryset=City.objects.all(),
        label=_("City slug (repeatable)."),
    )
    is_professional = django_filters.BooleanFilter(label=_("Only professional venues (true) or the others (false)."))
    kind = django_filters.MultipleChoiceFilter(choices=Venue.Kind.choices, label=_("Kind (repeatable)."))
    status = django_filters.MultipleChoiceFilter(choices=Venue.Status.choices, label=_("Status (repeatable)."))

    class Meta:
        model = Venue
        fields: list[str] = []


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
    select_related = ("city",)
    filterset_class = VenueFilterSet
    ordering_fields = ["slug", "indoor_area_m2", "updated_at", "id"]
    ordering = ["city__sort_order", "slug", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

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
