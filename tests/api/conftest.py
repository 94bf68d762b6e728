"""Fixtures of the API tests: a token client per role, a small data set."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory, OrganizerFactory, TargetFactory, VenueFactory, city


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clients(role_users) -> dict[str, APIClient]:
    """A client per role of tests/permissions.py, signed with the user's token (anonymous: none)."""
    return {role: token_client(user) for role, user in role_users.items()}


@pytest.fixture
def staff_api(staff_user) -> APIClient:
    return token_client(staff_user)


@pytest.fixture
def dataset(db, django_capture_on_commit_callbacks) -> dict:
    """Two venues (Shenyang, Dalian), five exhibitions of 2024 in several states, a 2024 target; with the
    snapshots of 2024 and 2025 that these writes request when they commit (as in production)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _dataset()


def _dataset() -> dict:
    target = TargetFactory(year=2024, exhibitions=10, gross_area_m2=500_000)
    shenyang = VenueFactory(city=city("shenyang"), slug="sy-expo")
    dalian = VenueFactory(city=city("dalian"), slug="dl-expo")
    organizer = OrganizerFactory()
    rows = {
        "sy_held": ExhibitionFactory(venue=shenyang, status=Exhibition.Status.HELD, start_date=dt.date(2024, 3, 1)),
        "sy_planned": ExhibitionFactory(
            venue=shenyang, status=Exhibition.Status.PLANNED, start_date=dt.date(2024, 9, 1), gross_area_m2=5_000
        ),
        "dl_planned": ExhibitionFactory(
            venue=dalian, status=Exhibition.Status.PLANNED, start_date=dt.date(2024, 6, 1), organizer=organizer
        ),
        "dl_held": ExhibitionFactory(venue=dalian, status=Exhibition.Status.HELD, start_date=dt.date(2024, 4, 1)),
        "dl_2025": ExhibitionFactory(
            venue=dalian, status=Exhibition.Status.CONFIRMED, start_date=dt.date(2025, 2, 1), gross_area_m2=30_000
        ),
    }
    return {"target": target, "shenyang": shenyang, "dalian": dalian, "organizer": organizer, **rows}
