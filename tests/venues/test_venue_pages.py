"""Venues, organisers and brands pages: everyone reads, staff edit (server-side)."""

import pytest

from exhibitions.models import Brand, Organizer
from tests.factories import BrandFactory, ExhibitionFactory, OrganizerFactory, VenueFactory, city
from venues.models import Venue

pytestmark = pytest.mark.django_db


def venue_data(venue, **changes):
    data = {
        "name_zh": venue.name_zh,
        "name_en": venue.name_en,
        "slug": venue.slug,
        "city": venue.city_id,
        "kind": venue.kind,
        "indoor_area_m2": venue.indoor_area_m2,
        "outdoor_area_m2": venue.outdoor_area_m2,
        "is_professional": "on" if venue.is_professional else "",
        "status": venue.status,
    }
    data.update(changes)
    return data


def test_venue_list_search_and_detail(client, city_official):
    venue = VenueFactory(name_zh="测试国际会展中心", city=city("dalian"))
    ExhibitionFactory(venue=venue, name_zh="馆内展会")
    client.force_login(city_official)
    response = client.get("/venues/?q=测试国际")
    assert [row.record for row in response.context["table"].paginated_rows] == [venue]
    html = client.get(f"/venues/{venue.pk}/").content.decode()
    assert "馆内展会" in html
    assert f"/venues/{venue.pk}/edit/" not in html  # no edit button for officials (and 403 below)


def test_staff_edits_a_venue(client, staff_user):
    venue = VenueFactory()
    client.force_login(staff_user)
    response = client.post(f"/venues/{venue.pk}/edit/", venue_data(venue, indoor_area_m2=70_000))
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.indoor_area_m2 == 70_000


def test_bad_venue_values_are_reported(client, staff_user):
    venue = VenueFactory()
    client.force_login(staff_user)
    response = client.post(f"/venues/{venue.pk}/edit/", venue_data(venue, indoor_area_m2=-1, slug="bad slug!"))
    assert response.status_code == 200
    assert {"indoor_area_m2", "slug"} <= set(response.context["form"].errors)


def test_staff_creates_organiser_and_brand(client, staff_user):
    client.force_login(staff_user)
    response = client.post("/exhibitions/organisers/new/", {"name_zh": "新主办方", "name_en": "New Organiser"})
    assert response.status_code == 302
    assert Organizer.objects.filter(name_zh="新主办方").exists()
    response = client.post("/exhibitions/brands/new/", {"name_zh": "新品牌", "slug": "new-brand"})
    assert response.status_code == 302
    assert Brand.objects.filter(slug="new-brand").exists()


def test_city_official_cannot_write_reference_data(client, city_official):
    venue = VenueFactory()
    organiser = OrganizerFactory()
    brand = BrandFactory()
    client.force_login(city_official)
    assert client.post(f"/venues/{venue.pk}/edit/", venue_data(venue, indoor_area_m2=1)).status_code == 403
    assert client.post("/venues/new/", venue_data(venue, slug="x")).status_code == 403
    assert client.post(f"/exhibitions/organisers/{organiser.pk}/edit/", {"name_zh": "改"}).status_code == 403
    assert (
        client.post(f"/exhibitions/brands/{brand.pk}/edit/", {"name_zh": "改", "slug": brand.slug}).status_code == 403
    )
    venue.refresh_from_db()
    assert venue.indoor_area_m2 == 50_000
    assert not Venue.objects.filter(slug="x").exists()


def test_reference_service_refuses_non_staff(city_official):
    from django.core.exceptions import PermissionDenied

    from venues.services import venue_save

    venue = VenueFactory()
    with pytest.raises(PermissionDenied):
        venue_save(actor=city_official, venue=venue, data={"indoor_area_m2": 1})
    with pytest.raises(PermissionDenied):
        venue_save(
            actor=city_official, venue=Venue(), data={"slug": "new-one", "name_zh": "新馆", "city": city("dalian")}
        )
    assert not Venue.objects.filter(slug="new-one").exists()


@pytest.mark.parametrize("url", ["/venues/", "/exhibitions/organisers/", "/exhibitions/brands/"])
def test_list_query_count_is_constant(client, staff_user, django_assert_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    for _ in range(3):
        VenueFactory(), OrganizerFactory(city=city("dalian")), BrandFactory(city=city("dalian"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        VenueFactory(), OrganizerFactory(city=city("dalian")), BrandFactory(city=city("dalian"))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
