"""Account services: the one place users get a role (and a city)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit
from core.models import UserProfile
from core.roles import GROUP_NAMES, AdminRole, AnyRole, Role, any_role_of

# Roles that open the Django admin: staff (the programme's data), the system administrator (accounts,
# roles, tokens) and the security administrator (sessions, lockouts); each sees only its own models
# (core.signals.sync_role_permissions).
ADMIN_SITE_ROLES = (Role.STAFF, AdminRole.SYSADMIN, AdminRole.SECADMIN)


@transaction.atomic
def user_set_role(
    *,
    username: str,
    role: AnyRole,
    city_slug: str | None = None,
    password: str | None = None,
    actor=None,
    request=None,
):
    """Create or update `username` with exactly one role (business or 三员; never both, never a
    superuser). City officials need a city; other roles have none. Audited as account created or
    role changed, by `actor` (None: a management command)."""
    from venues.models import City

    User = get_user_model()
    city = None
    if city_slug:
        city = City.objects.filter(slug=city_slug).first()
        if city is None:
            raise ValidationError({"city": f"Unknown city slug {city_slug!r}."})
    if role == Role.CITY_OFFICIAL and city is None:
        raise ValidationError({"city": "A city official needs --city SLUG."})
    if role != Role.CITY_OFFICIAL and city is not None:
        raise ValidationError({"city": "Only a city official is tied to a city."})

    user, created = User.objects.get_or_create(username=username)
    previous = None if created else any_role_of(user)
    previous_city = (
        None if created else UserProfile.objects.filter(user=user).values_list("city__slug", flat=True).first()
    )
    if password:
        from core.passwords import password_change_by, password_set

        password_set(user=user, password=password)
        # Audited as the user is saved; a new account's first password is part of its account_created event.
        password_change_by(user, request=request, actor=actor, audit=not created)
    elif created:
        user.set_unusable_password()
    user.is_staff = role in ADMIN_SITE_ROLES
    user.is_superuser = False  # no day-to-day account is a superuser (SPEC §5)
    user.save()
    role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    for cached in ("_expoplan_groups", "_expoplan_city"):
        user.__dict__.pop(cached, None)
    UserProfile.objects.update_or_create(user=user, defaults={"city": city})
    detail = {"role": role.value, "previous_role": previous.value if previous else "", "city": city_slug or ""}
    if created:
        audit.record(audit.Action.ACCOUNT_CREATED, request=request, user=actor, obj=user, detail=detail)
    elif previous != role or previous_city != (city.slug if city else None):
        audit.record(audit.Action.ROLE_CHANGED, request=request, user=actor, obj=user, detail=detail)
    return user
