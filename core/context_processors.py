"""Template context shared by every page: the signed-in user's role and city."""

from django.http import HttpRequest

from core.roles import Role, admin_role_of, city_of, role_of
from core.roles_display import role_label


def workspace(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    admin_role = admin_role_of(user)
    return {
        "expoplan_role": role.value if role else "",
        "expoplan_admin_role": admin_role.value if admin_role else "",
        "expoplan_role_label": role_label(role or admin_role),
        "expoplan_is_staff": role == Role.STAFF,
        "expoplan_city": city_of(user) if role == Role.CITY_OFFICIAL else None,
    }
