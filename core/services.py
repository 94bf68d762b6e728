"""Account services: the one place users get a role (and a city)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from core.models import UserProfile
from core.roles import GROUP_NAMES, Role


@transaction.atomic
def user_set_role(*, username: str, role: Role, city_slug: str | None = None, password: str | None = None):
    """Create or update `username` with exactly one role. City officials need a city."""
    from venues.models import City

    User = get_user_model()
    city = None
    if city_slug:
        city = City.objects.filter(slug=city_slug).first()
        if city is None:
            raise ValidationError({"city": f"Unknown city slug {city_slug!r}."})
    if role == Role.CITY_OFFICIAL and city is None:
        raise ValidationError({"city": "A city official needs --city SLUG."})

    user, _created = User.objects.get_or_create(username=username)
    if password:
        user.set_password(password)
    elif _created:
        user.set_unusable_password()
    user.is_staff = role == Role.STAFF  # opens the Django admin to provincial staff only
    user.save()
    role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    UserProfile.objects.update_or_create(user=user, defaults={"city": city})
    return user
