"""Cities and batches are scoped like every reference table (`for_user`), and the venue pages and API
read through venues.selectors."""

import pytest

from core.roles import ADD, CHANGE, DELETE, VIEW
from exhibitions.models import Batch
from tests.factories import UserFactory, VenueFactory, city
from venues.models import City

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [City, Batch], ids=lambda m: m.__name__)
def test_every_role_reads_only_staff_writes(model, staff_user, city_official, api_client_user):
    everything = model.objects.count()
    assert everything > 0
    for user in (staff_user, city_official, api_client_user):
        assert model.objects.for_user(user, VIEW).count() == everything
    for action in (ADD, CHANGE, DELETE):
        assert model.objects.for_user(staff_user, action).count() == everything
        assert not model.objects.for_user(city_official, action).exists()
        assert not model.objects.for_user(api_client_user, action).exists()
    nobody = UserFactory(username="no-role")
    assert not model.objects.for_user(nobody, VIEW).exists()


@pytest.mark.parametrize("url", ["/api/v1/cities/", "/api/v1/batches/"])
def test_cities_and_batches_api_need_a_role(client, url):
    from tests.api.conftest import token_client

    assert token_client(UserFactory(username="no-role")).get(url).status_code == 403
    assert client.get(url).status_code == 401


def test_city_list_and_get(city_official):
    from venues.selectors import city_get, city_list

    assert [c.slug for c in city_list(actor=city_official)][:2] == ["shenyang", "dalian"]
    assert city_get(actor=city_official, slug="dalian") == city("dalian")
    assert city_get(actor=city_official, slug="atlantis") is None
    assert city_get(actor=UserFactory(username="no-role"), slug="dalian") is None


def test_venue_list_search_city_and_filters(city_official):
    from venues.selectors import venue_get, venue_list

    hall = VenueFactory(name_zh="选择器测试馆", city=city("dalian"), is_professional=False)
    VenueFactory(name_zh="选择器其他馆", city=city("shenyang"))
    assert list(venue_list(actor=city_official, search="选择器测试")[1]) == [hall]
    assert {v.city.slug for v in venue_list(actor=city_official, search="选择器")[1]} == {"dalian", "shenyang"}
    assert list(venue_list(actor=city_official, search="选择器", city_id=hall.city_id)[1]) == [hall]
    filterset, rows = venue_list(actor=city_official, filters={"city": ["dalian"], "is_professional": "false"})
    assert filterset.is_valid() and hall in rows and all(v.city_id == hall.city_id for v in rows)
    filterset, rows = venue_list(actor=city_official, filters={"city": ["atlantis"]})
    assert not filterset.is_valid() and not rows.exists()
    assert venue_get(actor=city_official, pk=hall.pk) == hall
    assert venue_get(actor=UserFactory(username="no-role"), pk=hall.pk) is None


def test_venue_api_reports_a_bad_filter(staff_user):
    from tests.api.conftest import token_client

    response = token_client(staff_user).get("/api/v1/venues/?city=atlantis")
    assert response.status_code == 400 and "city" in response.json()["error"]["fields"]


def test_venue_options_partial_reads_through_the_selector(client, staff_user):
    hall = VenueFactory(name_zh="选项馆", city=city("anshan"))
    client.force_login(staff_user)
    html = client.get(f"/exhibitions/venue-options/?city={hall.city_id}").content.decode()
    assert "选项馆" in html
    assert "选项馆" not in client.get("/exhibitions/venue-options/?city=").content.decode()
