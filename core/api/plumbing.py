"""Permissions, throttling, pagination and ordering shared by every API view.

Permissions never restate the scoping rule: a view names the scoped queryset for an action
(`Model.objects.for_user(user, action)`), and a write is allowed when that queryset is not empty
(collection) or contains the object (detail).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import UserRateThrottle

from core.roles import ADD, CHANGE, DELETE, VIEW, any_role_of, role_of

METHOD_ACTIONS = {"POST": ADD, "PUT": CHANGE, "PATCH": CHANGE, "DELETE": DELETE}


def action_of(request) -> str:
    return METHOD_ACTIONS.get(request.method, VIEW)


class ScopedPermission(permissions.BasePermission):
    """Signed in with an ExpoPlan role; writes only where `view.scoped_queryset(action)` allows them.

    Anonymous requests answer 401 (with WWW-Authenticate), users without a role or outside the
    write scope 403.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or role_of(user) is None:
            return False
        action = action_of(request)
        if action == VIEW:
            return True
        return not view.scoped_queryset(action).query.is_empty()

    def has_object_permission(self, request, view, obj) -> bool:
        action = action_of(request)
        if action == VIEW:
            return True
        return view.scoped_queryset(action).filter(pk=obj.pk).exists()


class HasAnyRole(permissions.BasePermission):
    """Signed in with any role: a business role or one of the three administrators (SPECTACULAR_SETTINGS
    SERVE_PERMISSIONS: the schema and its docs). Anonymous requests answer 401, users without a role 403."""

    message = _("Your account has no role: ask the system administrator for one.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and any_role_of(user) is not None


class ApiUserRateThrottle(UserRateThrottle):
    """Per user (hence per token) request rate, `EXPOPLAN_API_THROTTLE_RATE` (default 1000/hour).

    Counts live in the cache (Redis in production, locmem in tests); a throttled request answers
    429 with Retry-After.
    """

    scope = "user"

    def get_rate(self) -> str:
        return settings.EXPOPLAN_API_THROTTLE_RATE

    def quota(self, request, view) -> tuple[int, int, int] | None:
        """(limit, remaining, reset seconds) of the request's bucket, read off the throttle's own history:
        the RateLimit-* headers (core.api.views.ApiViewMixin).

        After `allow_request()` the history includes this request (and is pruned); for a request refused
        before throttling (401, 403) the stored history is read and nothing is counted. `reset` is when the
        oldest counted request leaves the window, i.e. when one more request is allowed again (as DRF's
        Retry-After when throttled); the whole window when none is counted. None when no rate is set.
        """
        if self.rate is None or self.num_requests is None or self.duration is None:
            return None
        if not hasattr(self, "history"):
            self.key = self.get_cache_key(request, view)
            if self.key is None:
                return None
            self.now = self.timer()
            self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        remaining = max(0, self.num_requests - len(self.history))
        reset = self.duration - (self.now - self.history[-1]) if self.history else self.duration
        return self.num_requests, remaining, max(0, math.ceil(reset))


class KnownCountPaginator(DjangoPaginator):
    """Takes the total from `queryset.known_count` when the ETag aggregate already counted the rows."""

    @cached_property
    def count(self) -> int:
        known = getattr(self.object_list, "known_count", None)
        return known if known is not None else super().count


class ApiPagination(PageNumberPagination):
    """`?page=N&page_size=M` (default 50, at most 500: more answers 400 naming `page_size`); the body carries
    the total `count`."""

    django_paginator_class = KnownCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = _("Page number, from 1.")
    page_size_query_description = _("Items per page: default 50, at most 500 (a larger value answers 400).")

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": _("Total number of items matching the query (all pages)."),
            "next": _("URL of the next page, or null on the last page."),
            "previous": _("URL of the previous page, or null on the first page."),
            "results": _("The items of this page."),
        }
        for name, description in descriptions.items():
            paginated["properties"][name]["description"] = str(description)
        return paginated

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            # Not capped silently: a capped page would disagree with the `next` link and the client's loop.
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s (the largest page size).")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw != "last" and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError({"page": [_("Give a page number of 1 or more.")]})
        return super().paginate_queryset(queryset, request, view)


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=-gross_area_m2,start_date`; an unknown field answers 400; `id` breaks ties."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            fields = [part.strip() for part in raw.split(",") if part.strip()]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            if len(valid) != len(fields) or not fields:
                allowed = ", ".join(
                    name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
                )
                raise ValidationError(
                    {self.ordering_param: [_("Order by one or more of: %(fields)s.") % {"fields": allowed}]}
                )
            if not any(name.lstrip("-") in {"id", "pk"} for name in valid):
                valid.append("id")
            return valid
        return self.get_default_ordering(view)


class SelectorViewSetMixin:
    """Rows come from the app's selectors, as on the pages: `list_selector(actor=, filters=)` returns
    (filterset, rows), filtered and scoped; `get_selector(actor=, pk=)` one row or None. Only the
    ordering is left to the API; a bad filter answers 400 naming it, an unknown or unseen row 404."""

    list_selector: Callable[..., tuple[Any, QuerySet]]
    get_selector: Callable[..., Any]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.filterset_class._meta.model.objects.none()
        filterset, queryset = self.list_selector(actor=self.request.user, filters=self.request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        self.filterset = filterset
        return queryset

    def filter_queryset(self, queryset):
        return StrictOrderingFilter().filter_queryset(self.request, queryset, self)

    def get_object(self):
        pk = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        obj = self.get_selector(actor=self.request.user, pk=int(pk)) if pk.isdigit() else None
        if obj is None:
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj
