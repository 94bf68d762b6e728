"""The data migration loads the sourced reference facts; nothing is invented."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from core.reference import REFERENCE_FILE, load_reference, read_reference
from exhibitions.models import Batch, Brand
from targets.models import Target
from venues.models import City, Venue

pytestmark = pytest.mark.django_db


def test_fifteen_cities_one_zone_two_core():
    assert City.objects.count() == 15
    assert list(City.objects.filter(kind=City.Kind.ZONE).values_list("slug", flat=True)) == ["shenfu"]
    assert set(City.objects.filter(is_core=True).values_list("slug", flat=True)) == {"shenyang", "dalian"}
    assert City.objects.get(slug="shenfu").gb_code is None
    assert City.objects.get(slug="huludao").gb_code == "211400"


def test_four_batches_conference_not_counted():
    assert {b.code: b.counts_as_exhibition for b in Batch.objects.all()} == {
        "brand": True, "resident": True, "market": True, "conference": False,
    }  # fmt: skip


def test_venues_with_nulls_kept_null():
    assert Venue.objects.count() == 7
    siec = Venue.objects.get(slug="siec")
    assert (siec.indoor_area_m2, siec.is_professional, siec.city.slug) == (100_000, True, "shenyang")
    xinghai = Venue.objects.get(slug="dalian-xinghai")
    assert xinghai.indoor_area_m2 is None and xinghai.capacity_m2 is None
    assert Venue.objects.get(slug="dalian-dicc").is_professional is False


def test_brands_loaded():
    assert Brand.objects.count() == 6
    assert Brand.objects.get(slug="liaoning-fair").is_flagship
    cnde = Brand.objects.get(slug="cnde")
    assert cnde.name_zh == "" and cnde.name_en.startswith("China Northeast")


def test_2024_target_and_thresholds():
    target = Target.objects.get(year=2024)
    assert (target.exhibitions, target.gross_area_m2) == (270, 3_500_000)
    assert (target.large_min_gross_area_m2, target.professional_venue_min_indoor_m2) == (10_000, 5_000)
    assert target.is_demo is False


def test_reference_copy_matches_shared_reference():
    shared = Path(__file__).resolve().parents[3] / "shared" / "reference" / "liaoning.json"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    assert json.loads(shared.read_text("utf-8")) == json.loads(REFERENCE_FILE.read_text("utf-8"))


def test_loading_again_is_idempotent():
    from django.apps import apps

    load_reference(apps, read_reference())
    assert City.objects.count() == 15 and Venue.objects.count() == 7 and Target.objects.count() == 1


def test_names_follow_the_active_language():
    city = City.objects.get(slug="dalian")
    with translation.override("zh-hans"):
        assert str(city) == "大连市"
    with translation.override("en"):
        assert str(city) == "Dalian"
    cnde = Brand.objects.get(slug="cnde")
    with translation.override("zh-hans"):
        assert str(cnde).startswith("China Northeast")  # falls back to the other language
