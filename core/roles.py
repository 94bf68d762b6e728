"""Roles and the one scoping rule (SPEC §5).

Roles are Django groups created by a migration. Every view, API endpoint, export, report and task
gets rows through a `for_user(user, action)` queryset method, which lands here.

Actions: "view", "add", "change", "delete".
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet


class Role(StrEnum):
    STAFF = "staff"
    CITY_OFFICIAL = "city_official"
    API_CLIENT = "api_client"


# Group names as stored in the database (stable; shown translated in the UI).
GROUP_NAMES: dict[Role, str] = {
    Role.STAFF: "Provincial staff",
    Role.CITY_OFFICIAL: "City official",
    Role.API_CLIENT: "API client",
}

# A user in several role groups has the first of these.
ROLE_PRIORITY = (Role.STAFF, Role.CITY_OFFICIAL, Role.API_CLIENT)

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"


def role_of(user) -> Role | None:
    """The user's role; superusers act as provincial staff. Cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_expoplan_role", "unset")
    if cached != "unset":
        return cached
    role: Role | None = None
    if user.is_superuser:
        role = Role.STAFF
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((candidate for candidate in ROLE_PRIORITY if GROUP_NAMES[candidate] in names), None)
    user._expoplan_role = role
    return role


def city_of(user):
    """The city a user is tied to (city officials), or None."""
    cached = getattr(user, "_expoplan_city", "unset")
    if cached != "unset":
        return cached
    from core.models import UserProfile

    profile = UserProfile.objects.select_related("city").filter(user_id=user.pk).first()
    city = profile.city if profile else None
    user._expoplan_city = city
    return city


def is_staff_role(user) -> bool:
    return role_of(user) == Role.STAFF


def scope_reference_data(queryset: QuerySet, user, action: str) -> QuerySet:
    """Venues, organisers, brands, targets: every role reads, only staff writes."""
    role = role_of(user)
    if role is None:
        return queryset.none()
    if action == VIEW or role == Role.STAFF:
        return queryset
    return queryset.none()
