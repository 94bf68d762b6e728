"""Base views of the API: every response with RateLimit headers and errors in the one JSON shape;
scoped querysets, conditional reads, service-backed writes; the JSON 404 for every other path under /api/.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core.api.conditional import ConditionalReadMixin
from core.api.schema import SchemaView
from core.api.serializers import rename_errors
from core.roles import VIEW


class ApiViewMixin:
    """For every API view (DRF APIView subclasses):

    - `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers)
      on every response, from the view's throttle (core.api.plumbing.ApiUserRateThrottle.quota);
    - errors rendered as JSON even where the view's renderer is another (the schema's YAML, the docs' HTML).
    """

    def get_throttles(self):
        # The same instances for the check and for the headers (they hold this request's history).
        if getattr(self, "_throttle_instances", None) is None:
            self._throttle_instances = super().get_throttles()
        return self._throttle_instances

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        request = self.request
        if not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        try:
            self.perform_authentication(request)  # the bucket is the user's; an error may have come first
        except exceptions.APIException:
            pass  # authentication failed: DRF has made the request anonymous
        quotas = [quota for throttle in self.get_throttles() if (quota := _quota(throttle, request, self))]
        if quotas:
            limit, remaining, reset = min(quotas, key=lambda quota: quota[1])  # the tightest
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response


def _quota(throttle, request, view) -> tuple[int, int, int] | None:
    return throttle.quota(request, view) if hasattr(throttle, "quota") else None


class ScopedViewSetMixin(ApiViewMixin):
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


class ApiNotFound(ApiViewMixin, APIView):
    """Any other path under /api/: a JSON 404 in the one error shape, for every method and every caller
    (authentication and throttling as on every API path; no permission needed to be told "no such path").

    A path missing only its trailing slash is pointed to the right one: GET and HEAD are redirected
    (as Django's APPEND_SLASH would), other methods answer 404 naming it (a redirect would drop the body).
    The schema generator does not list this view (its routes are not under /api/v1/ endpoints).
    """

    permission_classes: list = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        path = request.path_info
        if not path.endswith("/") and _is_endpoint(f"{path}/"):
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))
            raise exceptions.NotFound(
                _("No such API endpoint; API paths end with a slash: %(path)s") % {"path": f"{request.path}/"}
            )
        raise exceptions.NotFound(_("No such API endpoint."))

    options = http_method_not_allowed  # DRF would answer OPTIONS with metadata


def _is_endpoint(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not ApiNotFound


class ApiSchemaView(ApiViewMixin, SchemaView):
    """The OpenAPI schema (core.api.schema.SchemaView), with the API's headers and JSON errors."""


class ApiDocsView(ApiViewMixin, SpectacularSwaggerSplitView):
    """The interactive docs (Swagger UI from drf-spectacular-sidecar), with the API's headers and JSON errors.

    Under the Content-Security-Policy: the page's start-up script is a separate request (`?script=`, the split
    view) and the page has no <style> element (templates/api/swagger_ui.html). Neither is kept by the browser:
    the script carries the user's CSRF token.
    """

    template_name = "api/swagger_ui.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
