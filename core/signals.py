from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from core.roles import GROUP_NAMES, AdminRole, Role

DOMAIN_APPS = ("venues", "exhibitions", "targets", "reports", "core")
# core's models that are not the programme's data: accounts, sessions, the audit log.
NOT_DOMAIN = ("userprofile", "session", "auditevent", "passwordhistory")

# The Django admin models of each administrator (三员, SPEC §5): (app label, model, actions).
ADMIN_PERMISSIONS: dict[AdminRole, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    AdminRole.SYSADMIN: (
        ("auth", "user", ("view", "add", "change")),
        ("core", "userprofile", ("view", "change")),
        ("authtoken", "token", ("view", "add", "delete")),
        ("authtoken", "tokenproxy", ("view", "add", "delete")),
    ),
    AdminRole.SECADMIN: (
        ("axes", "accessattempt", ("view", "delete")),
        ("axes", "accesslog", ("view",)),
        ("axes", "accessfailurelog", ("view",)),
    ),
    AdminRole.AUDITOR: (),  # the audit log's own pages (/audit/), not the admin
}


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give the role groups the Django model permissions the admin needs.

    ExpoPlan's own checks (core.roles) decide what each role may do; these permissions only open the
    admin to provincial staff (the programme's data) and to the system and security administrators
    (their own models, nothing else). Runs after every migrate, so new models are covered automatically.
    """
    staff = Group.objects.filter(name=GROUP_NAMES[Role.STAFF]).first()
    if staff is None:  # groups are created by core.0002; nothing to do before it ran
        return
    perms = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).exclude(
        content_type__app_label="core", content_type__model__in=NOT_DOMAIN
    )
    staff.permissions.set(perms)
    for role, grants in ADMIN_PERMISSIONS.items():
        group = Group.objects.filter(name=GROUP_NAMES[role]).first()
        if group is None:
            continue
        condition = Q(pk__in=[])
        for app_label, model, actions in grants:
            condition |= Q(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(Permission.objects.filter(condition))
