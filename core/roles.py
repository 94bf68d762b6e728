"""Roles and the one scoping rule (SPEC §5).

Roles are Django groups created by a migration. Every view, API endpoint, export, report and task
gets rows through a `for_user(user, action)` queryset method, which lands here.

Actions: "view", "add", "change", "delete".
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet


class Role(StrEnum):
    """Business roles: what a user does with the programme's data."""

    STAFF = "staff"
    CITY_OFFICIAL = "city_official"
    API_CLIENT = "api_client"


class AdminRole(StrEnum):
    """The three administrators (三员, 等保 2.0; SPEC §5): never combined with a business role or each
    other, and never reading or writing the programme's data."""

    SYSADMIN = "sysadmin"  # accounts, roles, tokens
    SECADMIN = "secadmin"  # security policy, unlocking, ending sessions
    AUDITOR = "auditor"  # reads and exports the audit log, nothing else


AnyRole = Role | AdminRole

# Group names as stored in the database (stable; shown translated in the UI).
GROUP_NAMES: dict[AnyRole, str] = {
    Role.STAFF: "Provincial staff",
    Role.CITY_OFFICIAL: "City official",
    Role.API_CLIENT: "API client",
    AdminRole.SYSADMIN: "System administrator",
    AdminRole.SECADMIN: "Security administrator",
    AdminRole.AUDITOR: "Audit administrator",
}

# A user in several role groups (which core.services.user_set_role never makes) has the first of these.
ROLE_PRIORITY = (Role.STAFF, Role.CITY_OFFICIAL, Role.API_CLIENT)
ADMIN_ROLE_PRIORITY = (AdminRole.SYSADMIN, AdminRole.SECADMIN, AdminRole.AUDITOR)


def parse_role(value: str) -> AnyRole:
    """ "staff", "auditor", … as a role; ValueError for anything else."""
    for enum in (Role, AdminRole):
        try:
            return enum(value)
        except ValueError:
            continue
    raise ValueError(value)


VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"


def _group_names(user) -> set[str]:
    cached = getattr(user, "_expoplan_groups", None)
    if cached is None:
        cached = user._expoplan_groups = set(user.groups.values_list("name", flat=True))
    return cached


def role_of(user) -> Role | None:
    """The user's business role, or None (anonymous, inactive, an administrator of the three, or a
    superuser without a role: no day-to-day account is a superuser). Cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    names = _group_names(user)
    if any(GROUP_NAMES[admin] in names for admin in AdminRole):
        return None  # never combined: an administrator's account reads no programme data
    return next((candidate for candidate in ROLE_PRIORITY if GROUP_NAMES[candidate] in names), None)


def admin_role_of(user) -> AdminRole | None:
    """The user's administration role (三员), or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    names = _group_names(user)
    return next((candidate for candidate in ADMIN_ROLE_PRIORITY if GROUP_NAMES[candidate] in names), None)


def any_role_of(user) -> AnyRole | None:
    return role_of(user) or admin_role_of(user)


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
