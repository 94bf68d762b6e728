"""Every role × every workspace page and action (SPEC §5), enforced on the server."""

import datetime as dt

import pytest

from exhibitions.models import Exhibition
from tests.factories import BrandFactory, ExhibitionFactory, OrganizerFactory, TargetFactory, VenueFactory, city
from tests.permissions import LOGIN, Case, check_matrix, expect

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(db):
    dalian_venue = VenueFactory(city=city("dalian"))
    return {
        "other_city": ExhibitionFactory(venue=VenueFactory(city=city("shenyang"))),
        "own_draft": ExhibitionFactory(venue=dalian_venue, status=Exhibition.Status.PLANNED),
        "own_held": ExhibitionFactory(venue=dalian_venue, status=Exhibition.Status.HELD),
        "venue": dalian_venue,
        "organizer": OrganizerFactory(),
        "brand": BrandFactory(),
        "target": TargetFactory(year=2025),
    }


@pytest.fixture
def users(staff_user, city_official, api_client_user):
    return {"staff": staff_user, "city_official": city_official, "api_client": api_client_user}


FORBIDDEN_FOR_OFFICIAL = expect(city_official=403)
STAFF_ONLY = expect(city_official=403)

CASES = [
    Case("home", lambda o: "/", expect(city_official=302, api_client=200)),  # officials: own city dashboard
    Case("list", lambda o: "/exhibitions/", expect()),
    Case("list filtered", lambda o: "/exhibitions/?year=2024&city=dalian&counts=true", expect()),
    Case("export csv", lambda o: "/exhibitions/export/csv/", expect()),
    Case("export xlsx", lambda o: "/exhibitions/export/xlsx/?year=2024", expect()),
    Case("detail", lambda o: f"/exhibitions/{o['other_city'].pk}/", expect()),
    Case("detail missing", lambda o: "/exhibitions/999999/", expect(staff=404, city_official=404)),
    Case("create form", lambda o: "/exhibitions/new/", expect()),
    Case("edit other city", lambda o: f"/exhibitions/{o['other_city'].pk}/edit/", FORBIDDEN_FOR_OFFICIAL),
    Case("edit own draft", lambda o: f"/exhibitions/{o['own_draft'].pk}/edit/", expect()),
    Case("edit own held", lambda o: f"/exhibitions/{o['own_held'].pk}/edit/", FORBIDDEN_FOR_OFFICIAL),
    Case("edit missing", lambda o: "/exhibitions/999999/edit/", expect(staff=404, city_official=404)),
    Case("delete other city", lambda o: f"/exhibitions/{o['other_city'].pk}/delete/", FORBIDDEN_FOR_OFFICIAL),
    Case(
        "delete POST other city",
        lambda o: f"/exhibitions/{o['other_city'].pk}/delete/",
        expect(staff=200, city_official=403),
        method="post",
        data=lambda o: {"version": o["other_city"].version},  # no confirmation tick: nothing deleted
    ),
    Case(
        "edit POST other city",
        lambda o: f"/exhibitions/{o['other_city'].pk}/edit/",
        expect(staff=200, city_official=403),
        method="post",
        data=lambda o: {"version": 1},  # invalid form for staff (200 with errors), refused for officials
    ),
    Case("venue options", lambda o: f"/exhibitions/venue-options/?city={o['venue'].city_id}", expect()),
    Case("import", lambda o: "/exhibitions/import/", STAFF_ONLY),
    Case(
        "import POST",
        lambda o: "/exhibitions/import/",
        expect(staff=400, city_official=403),
        method="post",
        data=lambda o: {},
    ),
    Case("import template", lambda o: "/exhibitions/import/template.xlsx", STAFF_ONLY),
    Case("venues", lambda o: "/venues/", expect()),
    Case("venue detail", lambda o: f"/venues/{o['venue'].pk}/", expect()),
    Case("venue edit", lambda o: f"/venues/{o['venue'].pk}/edit/", STAFF_ONLY),
    Case("venue new", lambda o: "/venues/new/", STAFF_ONLY),
    Case(
        "venue edit POST",
        lambda o: f"/venues/{o['venue'].pk}/edit/",
        expect(staff=200, city_official=403),
        method="post",
        data=lambda o: {"name_zh": ""},
    ),
    Case("organisers", lambda o: "/exhibitions/organisers/", expect()),
    Case("organiser detail", lambda o: f"/exhibitions/organisers/{o['organizer'].pk}/", expect()),
    Case("organiser edit", lambda o: f"/exhibitions/organisers/{o['organizer'].pk}/edit/", STAFF_ONLY),
    Case("brands", lambda o: "/exhibitions/brands/", expect()),
    Case("brand detail", lambda o: f"/exhibitions/brands/{o['brand'].pk}/", expect()),
    Case("brand edit", lambda o: f"/exhibitions/brands/{o['brand'].pk}/edit/", STAFF_ONLY),
    Case("targets", lambda o: "/targets/", expect()),
    Case("target detail", lambda o: "/targets/2025/", expect()),
    Case("target edit", lambda o: "/targets/2025/edit/", STAFF_ONLY),
    Case("target new", lambda o: "/targets/new/", STAFF_ONLY),
    Case("password change", lambda o: "/accounts/password_change/", expect(api_client=200)),
]


def test_permission_matrix(client, users, objects):
    check_matrix(client, users, CASES, objects)


def test_create_post_by_each_role(client, users, objects):
    """A create POST: staff and city officials (own city, planned) save; API clients and anonymous do not."""
    venue = objects["venue"]

    def post(status):
        return {
            "name_zh": "矩阵测试展",
            "batch": Exhibition._meta.get_field("batch").related_model.objects.get(code="market").pk,
            "city": venue.city_id,
            "venue": venue.pk,
            "start_date": dt.date(2025, 9, 1),
            "end_date": dt.date(2025, 9, 3),
            "gross_area_m2": 12_000,
            "status": status,
        }

    assert client.post("/exhibitions/new/", post("planned")).status_code == 302  # anonymous → sign-in
    client.force_login(users["api_client"])
    assert client.post("/exhibitions/new/", post("planned")).status_code == 403
    client.force_login(users["city_official"])
    assert client.post("/exhibitions/new/", post("held")).status_code == 200  # form error, not saved
    assert client.post("/exhibitions/new/", post("planned")).status_code == 302
    client.force_login(users["staff"])
    assert client.post("/exhibitions/new/", post("held")).status_code == 302
    assert Exhibition.objects.filter(name_zh="矩阵测试展").count() == 2
    assert LOGIN == "login"
