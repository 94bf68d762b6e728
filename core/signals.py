from django.contrib.auth.models import Group, Permission

from core.roles import GROUP_NAMES, Role
from core.session_memory import announce

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


# --- announcing session, user and group changes to every process's session memory ---------------


def session_changed(sender, instance, **kwargs) -> None:
    announce(f"s:{instance.session_key}")


def user_changed(sender, instance, **kwargs) -> None:
    announce(f"u:{instance.pk}")


def memberships_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # user.groups.add(...) and the like
        announce(f"u:{instance.pk}")
    else:  # group.user_set.…: its members (all of them on clear)
        for pk in pk_set or ():
            announce(f"u:{pk}")
        if action == "post_clear":
            announce("*")


def group_changed(sender, instance, **kwargs) -> None:
    announce("*")  # a renamed or deleted group may change the role of everyone in it


def connect_session_announcements() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from core.models import Session

    user_model = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(session_changed, sender=Session, dispatch_uid="core.session_changed")
        signal.connect(user_changed, sender=user_model, dispatch_uid="core.user_changed")
        signal.connect(group_changed, sender=Group, dispatch_uid="core.group_changed")
    m2m_changed.connect(memberships_changed, sender=user_model.groups.through, dispatch_uid="core.memberships")
