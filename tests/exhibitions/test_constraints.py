"""Database constraints reject bad rows even when forms are bypassed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from exhibitions.models import Brand, Exhibition
from targets.models import CityAllocation, Target
from tests.factories import ExhibitionFactory, TargetFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


def rejected(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def make(**overrides) -> Exhibition:
    venue = overrides.pop("venue", None) or VenueFactory()
    fields = {
        "name_zh": "展会",
        "name_en": "Expo",
        "batch": batch("market"),
        "city": venue.city,
        "venue": venue,
        "start_date": dt.date(2024, 5, 1),
        "end_date": dt.date(2024, 5, 3),
        "gross_area_m2": 20000,
    }
    fields.update(overrides)
    return Exhibition.objects.create(**fields)


def test_a_good_row_is_accepted():
    assert make().pk is not None


def test_end_before_start():
    assert rejected(lambda: make(start_date=dt.date(2024, 5, 3), end_date=dt.date(2024, 5, 2)))
    assert not rejected(lambda: make(start_date=dt.date(2024, 5, 3), end_date=dt.date(2024, 5, 3)))


@pytest.mark.parametrize("field", ["gross_area_m2", "net_area_m2", "exhibitors", "visitors"])
def test_negative_numbers(field):
    assert rejected(lambda: make(**{field: -1}))


def test_net_area_above_gross():
    assert rejected(lambda: make(gross_area_m2=1000, net_area_m2=1001))
    assert not rejected(lambda: make(gross_area_m2=1000, net_area_m2=1000))


def test_outbound_needs_destination_and_no_venue():
    venue = VenueFactory()
    assert rejected(lambda: make(is_outbound=True, venue=venue, destination_country="日本"))
    assert rejected(lambda: Exhibition.objects.create(
        name_zh="出境展", batch=batch(), city=city(), start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 1, 2),
        is_outbound=True, destination_country="",
    ))  # fmt: skip
    ok = Exhibition.objects.create(
        name_zh="出境展", batch=batch(), city=city(), start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 1, 2),
        is_outbound=True, destination_country="日本",
    )  # fmt: skip
    assert ok.pk


def test_a_name_is_required_and_status_is_valid():
    assert rejected(lambda: make(name_zh="", name_en=""))
    assert rejected(lambda: make(status="postponed"))


def test_external_ref_unique_when_given():
    make(external_ref="DL-2024-001")
    assert rejected(lambda: make(external_ref="DL-2024-001"))
    make(external_ref="")
    assert not rejected(lambda: make(external_ref=""))


def test_venue_areas_non_negative():
    assert rejected(lambda: VenueFactory(indoor_area_m2=-5))
    assert rejected(lambda: VenueFactory(outdoor_area_m2=-5))


def test_brand_month_range():
    assert rejected(lambda: Brand.objects.create(slug="x", name_en="X", typical_month=13))


def test_target_year_unique_and_goals_non_negative():
    assert rejected(lambda: Target.objects.create(year=2024, exhibitions=1, gross_area_m2=1))
    assert rejected(lambda: Target.objects.create(year=2031, exhibitions=-1, gross_area_m2=1))
    assert rejected(lambda: Target.objects.create(year=2032, exhibitions=1, gross_area_m2=-1))
    assert rejected(
        lambda: Target.objects.create(year=2033, exhibitions=1, gross_area_m2=1, large_min_gross_area_m2=-1)
    )


def test_allocation_unique_per_target_and_city_and_non_negative():
    target = TargetFactory(year=2027)
    CityAllocation.objects.create(target=target, city=city("dalian"), exhibitions=5, gross_area_m2=10)
    assert rejected(lambda: CityAllocation.objects.create(target=target, city=city("dalian")))
    assert rejected(lambda: CityAllocation.objects.create(target=target, city=city("anshan"), exhibitions=-1))
    assert rejected(lambda: CityAllocation.objects.create(target=target, city=city("fuxin"), gross_area_m2=-1))


def test_city_follows_venue_on_save():
    dalian_venue = VenueFactory(city=city("dalian"))
    exhibition = ExhibitionFactory(venue=dalian_venue, city=city("shenyang"))
    exhibition.refresh_from_db()
    assert exhibition.city.slug == "dalian"
