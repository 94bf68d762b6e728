"""ExhibitionSerializer writes its read representation out by hand (speed): it must equal what DRF's
generic ModelSerializer representation gives for the same declared fields, on every kind of row."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient

from exhibitions.api.serializers import ExhibitionSerializer
from exhibitions.models import Exhibition
from exhibitions.selectors import exhibition_list
from tests.factories import BrandFactory, ExhibitionFactory, OrganizerFactory, batch, city

pytestmark = pytest.mark.django_db


def generic(serializer: ExhibitionSerializer, instance: Exhibition) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, instance)


def _rows(staff_user) -> list[Exhibition]:
    _filterset, rows = exhibition_list(actor=staff_user, filters={})
    return list(rows.order_by("pk"))


def test_hand_written_representation_equals_drf_on_varied_rows(staff_user):
    brand = BrandFactory()
    ExhibitionFactory()  # the defaults: no brand, no organiser, nulls
    ExhibitionFactory(
        brand=brand,
        edition=7,
        organizer=OrganizerFactory(),
        net_area_m2=12_345,
        exhibitors=300,
        visitors=0,
        is_international=True,
        is_green=True,
        is_digital=True,
        is_flagship=True,
        is_belt_and_road=True,
        is_rcep=True,
        is_independent_brand=True,
        external_ref="ref-1",
        notes="备注 with ünïcode\nand a second line",
        status=Exhibition.Status.CANCELLED,
        batch=batch("brand"),
    )
    ExhibitionFactory(venue=None, city=city("dalian"), is_outbound=True, destination_country="Japan", status="planned")
    ExhibitionFactory(batch=batch("conference"), gross_area_m2=0, start_date=dt.date(2025, 12, 31))
    serializer = ExhibitionSerializer(context={})
    rows = _rows(staff_user)
    assert len(rows) == 4
    for row in rows:
        assert serializer.to_representation(row) == generic(serializer, row)
    # Without the list's annotation and prefetches (a single object after a write) too.
    for row in Exhibition.objects.order_by("pk"):
        assert serializer.to_representation(row) == generic(serializer, row)
    assert set(serializer.to_representation(rows[0])) == {
        name for name, field in serializer.fields.items() if not field.write_only
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=40),
    area=st.integers(min_value=0, max_value=2_000_000),
    counts=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    flags=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_representation_property(staff_user, name, area, counts, flags):
    row = ExhibitionFactory.build(
        name_zh=name.replace("\x00", "") or "x",
        gross_area_m2=area,
        exhibitors=counts,
        visitors=counts,
        is_green=flags[0],
        is_digital=flags[1],
        is_international=flags[2],
    )
    row.venue.save()
    row.venue_id = row.venue.pk
    row.save()
    serializer = ExhibitionSerializer(context={})
    for instance in _rows(staff_user):
        assert serializer.to_representation(instance) == generic(serializer, instance)
    Exhibition.objects.filter(pk=row.pk).delete()


def test_api_pages_use_it(staff_user):
    ExhibitionFactory()
    client = APIClient()
    client.force_authenticate(staff_user)
    body = client.get("/api/v1/exhibitions/").json()["results"][0]
    row = Exhibition.objects.get(pk=body["id"])
    expected = generic(ExhibitionSerializer(context={}), row)
    assert body == {key: (str(value) if isinstance(value, dt.date) else value) for key, value in expected.items()}
