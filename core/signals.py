from django.contrib.auth.models import Group, Permission

from core.roles import GROUP_NAMES, Role

DOMAIN_APPS = ("venues", "exhibitions", "targets", "reports", "core")


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give the role groups the Django model permissions the admin needs.

    ExpoPlan's own checks (core.roles) decide what each role may do; these permissions only open the
    admin to provincial staff. Runs after every migrate, so new models are covered automatically.
    """
    staff = Group.objects.filter(name=GROUP_NAMES[Role.STAFF]).first()
    if staff is None:  # groups are created by core.0002; nothing to do before it ran
        return
    perms = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).exclude(
        content_type__model="userprofile"
    )
    staff.permissions.set(perms)
