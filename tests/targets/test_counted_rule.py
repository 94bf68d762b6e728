"""The one counting rule: the queryset, the in-memory check and the list filter agree."""

import datetime as dt

import pytest

from exhibitions.filtersets import ExhibitionFilterSet
from exhibitions.models import Exhibition
from targets.rules import counted, is_counted, rules_for
from tests.factories import ExhibitionFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed():
    pro = VenueFactory(is_professional=True)
    hotel = VenueFactory(is_professional=False)
    d = dt.date(2024, 5, 1)
    return {
        "counted": ExhibitionFactory(venue=pro, start_date=d, gross_area_m2=10_000),
        "small": ExhibitionFactory(venue=pro, start_date=d, gross_area_m2=9_999),
        "cancelled": ExhibitionFactory(venue=pro, start_date=d, status="cancelled"),
        "conference": ExhibitionFactory(venue=pro, start_date=d, batch=batch("conference")),
        "hotel": ExhibitionFactory(venue=hotel, start_date=d),
        "outbound": Exhibition.objects.create(
            name_zh="出境",
            batch=batch(),
            city=city(),
            start_date=d,
            end_date=d,
            gross_area_m2=50_000,
            is_outbound=True,
            destination_country="日本",
        ),  # fmt: skip
        "other_year": ExhibitionFactory(venue=pro, start_date=dt.date(2023, 12, 31)),
        "planned": ExhibitionFactory(venue=pro, start_date=dt.date(2024, 12, 31), status="planned"),
    }


def test_counted_queryset_and_in_memory_rule_agree(mixed):
    rules = rules_for(2024)
    ids = set(counted(2024).values_list("pk", flat=True))
    assert ids == {mixed["counted"].pk, mixed["planned"].pk}
    for exhibition in Exhibition.objects.select_related("venue", "batch"):
        assert is_counted(exhibition, rules) == (exhibition.pk in ids)


def test_list_filter_uses_the_same_rule(mixed):
    qs = ExhibitionFilterSet({"year": "2024", "counts": "true"}, queryset=Exhibition.objects.all()).qs
    assert set(qs.values_list("pk", flat=True)) == set(counted(2024).values_list("pk", flat=True))
    not_counted = ExhibitionFilterSet({"year": "2024", "counts": "false"}, queryset=Exhibition.objects.all()).qs
    assert not_counted.count() + qs.count() == Exhibition.objects.in_year(2024).count()
    anyyear = ExhibitionFilterSet({"counts": "true"}, queryset=Exhibition.objects.all()).qs
    assert set(anyyear.values_list("pk", flat=True)) == {
        mixed["counted"].pk,
        mixed["planned"].pk,
        mixed["other_year"].pk,
    }
