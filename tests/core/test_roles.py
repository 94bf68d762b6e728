import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.roles import GROUP_NAMES, Role, role_of
from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory, UserFactory, VenueFactory, city
from venues.models import Venue

pytestmark = pytest.mark.django_db


def test_the_migration_creates_the_group_of_every_role():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {GROUP_NAMES[role] for role in Role}


def test_add_user_command_sets_one_role():
    call_command(
        "add_user", "li", "--role", "city_official", "--city", "dalian", "--password", "pw-12345-abc", stdout=StringIO()
    )
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="li")
    assert role_of(user) == Role.CITY_OFFICIAL and user.profile.city.slug == "dalian"
    assert user.check_password("pw-12345-abc") and not user.is_staff
    call_command("add_user", "li", "--role", "staff", stdout=StringIO())
    user = get_user_model().objects.get(username="li")
    assert role_of(user) == Role.STAFF and user.groups.count() == 1 and user.is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--role", "city_official"], "city"), (["--role", "staff", "--city", "atlantis"], "atlantis")],
)
def test_add_user_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "x", *args, stdout=StringIO())


def test_exhibition_scoping(staff_user, city_official, api_client_user):
    dalian = VenueFactory(city=city("dalian"))
    planned = ExhibitionFactory(venue=dalian, status="planned")
    held = ExhibitionFactory(venue=dalian, status="held")
    other = ExhibitionFactory(status="planned", start_date=dt.date(2024, 6, 1))
    everything = {planned.pk, held.pk, other.pk}
    ids = lambda user, action: set(Exhibition.objects.for_user(user, action).values_list("pk", flat=True))  # noqa: E731
    for user in (staff_user, city_official, api_client_user):
        assert ids(user, "view") == everything
    assert ids(staff_user, "change") == everything
    assert ids(city_official, "change") == {planned.pk}
    assert ids(api_client_user, "change") == set()
    anonymous = UserFactory.build()
    anonymous.is_active = False
    assert ids(anonymous, "view") == set()


def test_reference_scoping(staff_user, city_official):
    assert Venue.objects.for_user(city_official, "view").count() == 7
    assert Venue.objects.for_user(city_official, "change").count() == 0
    assert Venue.objects.for_user(staff_user, "change").count() == 7
