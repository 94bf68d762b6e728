"""Reads of cities and venues: pages, API lists and lookups start here (scoped by `for_user`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from core.roles import VIEW
from venues.filtersets import VenueFilterSet
from venues.models import City, Venue

if TYPE_CHECKING:
    from django.contrib.auth.models import User

VENUE_SEARCH = ("name_zh__icontains", "name_en__icontains", "slug__icontains", "city__name_zh__icontains")


def city_list(*, actor: User) -> QuerySet[City]:
    """The cities and zones, in the province's order."""
    return City.objects.for_user(actor, VIEW)


def city_get(*, actor: User, slug: str) -> City | None:
    return city_list(actor=actor).filter(slug=slug).first()


def venue_list(
    *,
    actor: User,
    filters: Mapping[str, Any] | None = None,
    search: str = "",
    city_id: int | None = None,
) -> tuple[VenueFilterSet, QuerySet[Venue]]:
    """The filterset (the API's filters) and the venues the actor may see, with their city.

    `search` matches names, slug and city name (the venues page); `city_id` keeps one city's venues.
    Invalid filters give no rows (the filterset carries the errors).
    """
    base = Venue.objects.for_user(actor, VIEW).select_related("city")
    if search:
        condition = Q()
        for lookup in VENUE_SEARCH:
            condition |= Q(**{lookup: search})
        base = base.filter(condition)
    if city_id is not None:
        base = base.filter(city_id=city_id)
    filterset = VenueFilterSet(filters if filters is not None else {}, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.none())


def venue_get(*, actor: User, pk: int) -> Venue | None:
    return Venue.objects.for_user(actor, VIEW).select_related("city").filter(pk=pk).first()
