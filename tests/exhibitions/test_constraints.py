"""Database constraints reject bad rows even when forms are bypassed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from exhibitions.models import Brand, Exhibition
from targets.models import CityAllocation, Target
from tests.factories import TargetFactory, VenueFactory, batch, city

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


# --- model validation of the constraints: field-named messages, Django's validation for the rest ------

MIRROR_CASES = {
    "exhibition_end_not_before_start": {"start_date": dt.date(2024, 5, 3), "end_date": dt.date(2024, 5, 2)},
    "exhibition_gross_area_non_negative": {"gross_area_m2": -1},
    "exhibition_net_area_non_negative": {"net_area_m2": -1},
    "exhibition_net_area_not_above_gross": {"gross_area_m2": 1000, "net_area_m2": 1001},
    "exhibition_outbound_has_destination_no_venue": {"is_outbound": True, "venue": None, "destination_country": ""},
    "exhibition_has_a_name": {"name_zh": "", "name_en": ""},
    "exhibition_version_positive": {"version": 0},
    "exhibition_status_valid": {"status": "postponed"},
    "exhibition_external_ref_unique": {"external_ref": "DUP-1"},
}


def unsaved(**overrides) -> Exhibition:
    venue = VenueFactory()
    fields = {
        "name_zh": "展会",
        "batch": batch("market"),
        "city": venue.city,
        "venue": venue,
        "start_date": dt.date(2024, 5, 1),
        "end_date": dt.date(2024, 5, 3),
        "gross_area_m2": 20000,
    }
    fields.update(overrides)
    return Exhibition(**fields)


def test_every_mirrored_constraint_exists_and_has_a_case():
    from exhibitions.validators import MIRRORED_CONSTRAINTS

    names = {c.name for c in Exhibition._meta.constraints}
    assert set(MIRRORED_CONSTRAINTS) <= names
    assert set(MIRROR_CASES) == set(MIRRORED_CONSTRAINTS)


@pytest.mark.parametrize("name", sorted(MIRROR_CASES))
def test_a_mirrored_constraint_is_reported_under_its_field(name):
    """Without Django's per-constraint queries the violation is reported, keyed by the field; with them
    (stock full_clean) it is reported once, still by field (no "Constraint … is violated")."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    from exhibitions.validators import MIRRORED_CONSTRAINTS

    if name == "exhibition_external_ref_unique":
        make(external_ref="DUP-1")
    row = unsaved(**MIRROR_CASES[name])
    with pytest.raises(ValidationError) as mirrored:
        row.full_clean(validate_constraints=False)
    assert MIRRORED_CONSTRAINTS[name] in mirrored.value.message_dict
    with pytest.raises(ValidationError) as stock:
        row.full_clean()
    assert MIRRORED_CONSTRAINTS[name] in stock.value.message_dict
    assert NON_FIELD_ERRORS not in stock.value.message_dict, stock.value.message_dict


@pytest.fixture
def unmirrored_constraint(monkeypatch):
    """A constraint the validators know nothing about (a later migration, say)."""
    from django.db.models import CheckConstraint, Q

    extra = CheckConstraint(condition=Q(visitors__isnull=True) | Q(visitors__lte=1_000_000), name="test_visitors_cap")
    monkeypatch.setattr(Exhibition._meta, "constraints", [*Exhibition._meta.constraints, extra])
    return extra


def test_django_validates_a_constraint_the_validators_do_not_mirror(staff_user, unmirrored_constraint):
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    from exhibitions.services import exhibition_create

    row = unsaved(visitors=2_000_000)
    with pytest.raises(ValidationError) as stock:
        row.full_clean()  # Django's own constraint validation runs (no get_constraints() override)
    assert "test_visitors_cap" in str(stock.value.message_dict[NON_FIELD_ERRORS])
    data = {name: getattr(row, name) for name in ("name_zh", "batch", "venue", "start_date", "end_date")}
    with pytest.raises(ValidationError) as service:
        exhibition_create(actor=staff_user, data={**data, "gross_area_m2": 20000, "visitors": 2_000_000})
    assert "test_visitors_cap" in str(service.value.message_dict[NON_FIELD_ERRORS])
    assert not Exhibition.objects.exists()
    assert exhibition_create(actor=staff_user, data={**data, "gross_area_m2": 20000, "visitors": 1000}).pk


def test_messages_name_the_field_in_the_form_the_api_and_the_import(client, staff_user):
    from exhibitions import importing
    from tests.api.conftest import token_client

    venue = VenueFactory(city=city("dalian"), slug="msg-hall")
    client.force_login(staff_user)
    form = {
        "name_zh": "日期倒置展",
        "batch": batch().pk,
        "city": venue.city_id,
        "venue": venue.pk,
        "start_date": "2025-06-03",
        "end_date": "2025-06-01",
        "gross_area_m2": "20000",
        "status": "planned",
    }
    assert set(client.post("/exhibitions/new/", form).context["form"].errors) == {"end_date"}
    body = {**form, "name": form["name_zh"], "batch": "market", "city": "dalian"}
    api = token_client(staff_user).post("/api/v1/exhibitions/", body, format="json")
    assert api.status_code == 400 and set(api.json()["error"]["fields"]) == {"end_date"}
    csv = "展会名称（中文）,批次,城市,展馆,开始日期,结束日期,展览面积（平方米）,状态\n日期倒置展,market,dalian,msg-hall,2025-06-03,2025-06-01,20000,计划\n"
    parsed = importing.parse_file(csv.encode(), "dates.csv")
    result = importing.run_import(actor=staff_user, parsed=parsed, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] in ([(2, "结束日期")], [(2, "End date")])
    assert not Exhibition.objects.exists()
