"""Translated labels for roles (the group names stay English in the database)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AdminRole, AnyRole, Role

ROLE_LABELS = {
    Role.STAFF: _("Provincial staff"),
    Role.CITY_OFFICIAL: _("City official"),
    Role.API_CLIENT: _("API client"),
    AdminRole.SYSADMIN: _("System administrator"),
    AdminRole.SECADMIN: _("Security administrator"),
    AdminRole.AUDITOR: _("Audit administrator"),
}


def role_label(role: AnyRole | None) -> str:
    return str(ROLE_LABELS[role]) if role else ""
