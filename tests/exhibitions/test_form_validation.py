"""Every bad value in the exhibition form gets its own message naming the field; nothing is saved."""

import datetime as dt

import pytest

from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(db):
    return VenueFactory(city=city("dalian"), indoor_area_m2=40_000, outdoor_area_m2=10_000)


def form_data(the_venue, /, **overrides):
    venue = the_venue
    data = {
        "name_zh": "表单测试展",
        "name_en": "Form Expo",
        "batch": batch("market").pk,
        "city": venue.city_id if venue else city("dalian").pk,
        "venue": venue.pk if venue else "",
        "start_date": "2025-06-01",
        "end_date": "2025-06-03",
        "gross_area_m2": "20000",
        "status": "planned",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data):
    response = client.post("/exhibitions/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, "a bad value must re-show the form, not redirect"
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"end_date": "2025-05-30"}, "end_date", "before the start date"),
        ({"gross_area_m2": "0"}, "gross_area_m2", "greater than 0"),
        ({"gross_area_m2": "-5"}, "gross_area_m2", ""),
        ({"gross_area_m2": "60000"}, "gross_area_m2", "capacity"),
        ({"net_area_m2": "25000"}, "net_area_m2", "larger than the gross area"),
        ({"is_outbound": "on", "venue": ""}, "destination_country", "destination country"),
        ({"is_outbound": "on", "destination_country": "Japan"}, "venue", "leave the venue empty"),
        ({"name_zh": "", "name_en": ""}, "name_zh", "name"),
        ({"start_date": "2025-13-01"}, "start_date", ""),
        ({"city": "shenyang"}, "venue", "not in the chosen city"),
    ],
)
def test_bad_value_gets_message_and_nothing_is_saved(client, staff_user, venue, overrides, field, fragment):
    client.force_login(staff_user)
    if overrides.get("city") == "shenyang":
        overrides = {**overrides, "city": city("shenyang").pk}
    errors = post(client, form_data(venue, **overrides))
    assert field in errors, errors
    assert fragment in " ".join(errors[field])
    assert not Exhibition.objects.filter(name_zh="表单测试展").exists()


def test_messages_are_translated(client, staff_user, venue):
    client.force_login(staff_user)
    response = client.post("/exhibitions/new/", form_data(venue, end_date="2025-05-30"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "结束日期早于开始日期" in response.content.decode()


def test_overlap_beyond_capacity_needs_confirmation(client, staff_user, venue):
    client.force_login(staff_user)
    ExhibitionFactory(venue=venue, gross_area_m2=40_000, start_date=dt.date(2025, 6, 2), status="confirmed")
    errors = post(client, form_data(venue))
    assert "confirm_over_capacity" in errors
    assert Exhibition.objects.count() == 1
    response = client.post("/exhibitions/new/", form_data(venue, confirm_over_capacity="on"))
    assert response.status_code == 302
    assert Exhibition.objects.count() == 2


def test_cancelled_overlap_is_ignored(client, staff_user, venue):
    client.force_login(staff_user)
    ExhibitionFactory(venue=venue, gross_area_m2=40_000, start_date=dt.date(2025, 6, 2), status="cancelled")
    assert client.post("/exhibitions/new/", form_data(venue)).status_code == 302


def test_city_official_only_own_city_drafts(client, city_official, venue):
    client.force_login(city_official)
    errors = post(client, form_data(venue, status="confirmed"))
    assert "status" in errors
    shenyang = VenueFactory(city=city("shenyang"))
    errors = post(client, form_data(shenyang))
    assert "city" in errors
    assert not Exhibition.objects.exists()
    assert client.post("/exhibitions/new/", form_data(venue)).status_code == 302
    created = Exhibition.objects.get()
    assert created.created_by == city_official and created.status == "planned"


def test_city_official_cannot_promote_own_draft(client, city_official, venue):
    draft = ExhibitionFactory(venue=venue, status="planned")
    client.force_login(city_official)
    response = client.post(f"/exhibitions/{draft.pk}/edit/", form_data(venue, status="held", version=1))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "planned" and draft.version == 1


def test_venue_options_follow_city(client, staff_user, venue):
    other = VenueFactory(city=city("shenyang"))
    client.force_login(staff_user)
    html = client.get(f"/exhibitions/venue-options/?city={venue.city_id}", HTTP_HX_REQUEST="true").content.decode()
    assert str(venue) in html and str(other) not in html
    form_html = client.get("/exhibitions/new/").content.decode()
    assert 'hx-get="/exhibitions/venue-options/"' in form_html


def test_garbage_ids_are_form_errors_not_500s(client, staff_user, venue):
    client.force_login(staff_user)
    assert client.get("/exhibitions/new/?city=abc&venue=x&batch=zz").status_code == 200
    errors = post(client, form_data(venue, city="abc", venue="x", batch="9999", gross_area_m2="lots"))
    assert {"city", "venue", "batch", "gross_area_m2"} <= set(errors)
    assert client.get("/exhibitions/venue-options/?city=abc").status_code == 200
    assert client.get("/exhibitions/export/pdf/").status_code == 404


def test_organiser_website_without_scheme_means_https():
    from exhibitions.forms import OrganizerForm

    form = OrganizerForm(data={"name_zh": "辽宁会展集团", "website": "expo.example.gov.cn"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://expo.example.gov.cn"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/exhibitions/organisers/new/", {"name_zh": " ", "name_en": ""}),
        ("/exhibitions/brands/new/", {"name_zh": "", "name_en": "", "slug": "no-name"}),
        ("/venues/new/", {"name_zh": "", "name_en": "", "slug": "no-name-hall", "kind": "exhibition_center"}),
    ],
)
def test_reference_data_needs_a_name(client, staff_user, url, data):
    """Organisers, brands and venues, like exhibitions, need a Chinese or an English name."""
    from exhibitions.models import Brand, Organizer
    from venues.models import Venue

    before = Organizer.objects.count(), Brand.objects.count(), Venue.objects.count()
    client.force_login(staff_user)
    response = client.post(url, data)
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["name_zh"]] == ["name_missing"]
    assert (Organizer.objects.count(), Brand.objects.count(), Venue.objects.count()) == before
