"""Base viewsets: scoped querysets, conditional reads, service-backed writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.views.decorators.csrf import csrf_exempt
from rest_framework import viewsets

from core.api.conditional import ConditionalReadMixin
from core.api.serializers import rename_errors
from core.roles import VIEW


class ScopedViewSetMixin:
    """`get_queryset()` starts from the one scoping rule for the request's action.

    Subclasses set `model` (with a `for_user` manager method) or override `scoped_queryset`.
    """

    model = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    error_renames: dict[str, str] = {"name_zh": "name", "__all__": "non_field_errors"}

    def scoped_queryset(self, action: str) -> QuerySet:
        return self.model.objects.for_user(self.request.user, action)

    def get_queryset(self) -> QuerySet:
        # Reads and writes alike locate the object among what the user may *see*; whether a write is
        # allowed on it is ScopedPermission's object check (403, not a misleading 404).
        if getattr(self, "swagger_fake_view", False) and self.model is not None:
            return self.model.objects.none()  # schema generation: no request user, no database work
        queryset = self.scoped_queryset(VIEW)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def raise_service_errors(self, error: DjangoValidationError):
        from rest_framework.exceptions import ValidationError
        from rest_framework.serializers import as_serializer_error

        raise ValidationError(rename_errors(as_serializer_error(error), self.error_renames)) from error


class ReadOnlyScopedViewSet(ScopedViewSetMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, ConditionalReadMixin, viewsets.ModelViewSet):
    pass


def document_lookup(name: str, kind, description: str):
    """Class decorator: describe the detail route's path parameter (slug/code/year lookups)."""
    from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

    def decorate(viewset):
        parameter = OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)
        actions = [a for a in ("retrieve", "update", "partial_update", "destroy") if hasattr(viewset, a)]
        return extend_schema_view(**{a: extend_schema(parameters=[parameter]) for a in actions})(viewset)

    return decorate


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a JSON 404 in the one error shape (not the HTML page).

    A plain Django view, so the schema generator does not list it.
    """
    from django.http import JsonResponse
    from django.utils.translation import gettext

    from core.api.exceptions import error_body

    body = error_body(status_code=404, code="not_found", message=gettext("No such API endpoint."))
    return JsonResponse(body, status=404)
