"""Base viewsets: scoped querysets, conditional reads, service-backed writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
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
