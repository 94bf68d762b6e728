import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from exhibitions.models import Exhibition
from exhibitions.services import VersionConflict, exhibition_create, exhibition_delete, exhibition_update
from tests.factories import ExhibitionFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


def _data(**overrides):
    venue = overrides.pop("venue", None) or VenueFactory(city=city("dalian"))
    data = {
        "name_zh": "服务测试展",
        "name_en": "Service Expo",
        "batch": batch("market"),
        "city": venue.city,
        "venue": venue,
        "start_date": dt.date(2025, 6, 1),
        "end_date": dt.date(2025, 6, 3),
        "gross_area_m2": 20_000,
        "status": Exhibition.Status.PLANNED,
    }
    data.update(overrides)
    return data


def test_create_records_actor_and_history(staff_user):
    exhibition = exhibition_create(actor=staff_user, data=_data())
    assert exhibition.version == 1
    assert exhibition.created_by == staff_user
    record = exhibition.history.get()
    assert record.history_user == staff_user and record.history_type == "+"


def test_create_rejects_bad_data_with_field_names(staff_user):
    with pytest.raises(ValidationError) as error:
        exhibition_create(actor=staff_user, data=_data(end_date=dt.date(2025, 5, 1), gross_area_m2=0))
    assert set(error.value.message_dict) >= {"end_date", "gross_area_m2"}
    assert not Exhibition.objects.exists()


def test_unknown_field_is_refused(staff_user):
    with pytest.raises(ValidationError) as error:
        exhibition_create(actor=staff_user, data={**_data(), "version": 9})
    assert "version" in error.value.message_dict


def test_city_official_creates_only_planned_events_of_own_city(city_official):
    exhibition_create(actor=city_official, data=_data())
    with pytest.raises(PermissionDenied):
        exhibition_create(actor=city_official, data=_data(status=Exhibition.Status.CONFIRMED))
    with pytest.raises(PermissionDenied):
        exhibition_create(actor=city_official, data=_data(venue=VenueFactory(city=city("shenyang"))))
    assert Exhibition.objects.count() == 1


def test_city_official_cannot_move_event_out_of_scope(city_official):
    exhibition = exhibition_create(actor=city_official, data=_data())
    with pytest.raises(PermissionDenied):
        exhibition_update(
            actor=city_official, exhibition=exhibition, data={"status": "held"}, expected_version=exhibition.version
        )
    exhibition.refresh_from_db()
    assert exhibition.status == "planned" and exhibition.version == 1


def test_api_client_cannot_write(api_client_user):
    with pytest.raises(PermissionDenied):
        exhibition_create(actor=api_client_user, data=_data())
    assert not Exhibition.objects.exists()


def test_update_checks_version(staff_user):
    exhibition = ExhibitionFactory()
    updated = exhibition_update(
        actor=staff_user, exhibition=exhibition, data={"gross_area_m2": 30_000}, expected_version=1
    )
    assert updated.version == 2
    with pytest.raises(VersionConflict) as conflict:
        exhibition_update(actor=staff_user, exhibition=exhibition, data={"gross_area_m2": 31_000}, expected_version=1)
    assert conflict.value.current.gross_area_m2 == 30_000


def test_over_capacity_overlap_needs_confirmation(staff_user):
    venue = VenueFactory(indoor_area_m2=30_000, outdoor_area_m2=0)
    ExhibitionFactory(venue=venue, gross_area_m2=20_000, start_date=dt.date(2025, 6, 2))
    with pytest.raises(ValidationError) as error:
        exhibition_create(actor=staff_user, data=_data(venue=venue, city=venue.city))
    assert "confirm_over_capacity" in error.value.message_dict
    exhibition_create(actor=staff_user, data=_data(venue=venue, city=venue.city), confirm_over_capacity=True)


def test_delete_is_recorded(staff_user, city_official):
    exhibition = ExhibitionFactory()
    with pytest.raises(PermissionDenied):
        exhibition_delete(actor=city_official, exhibition=exhibition)
    exhibition_delete(actor=staff_user, exhibition=exhibition, expected_version=1)
    assert not Exhibition.objects.exists()
    assert Exhibition.history.filter(history_type="-", history_user=staff_user).count() == 1
