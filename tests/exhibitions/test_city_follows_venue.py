"""An event's city is its venue's city, decided in one place (exhibitions.services): every writer —
the form, the API, the import, the admin and the demo seed — ends up with the venue's city, or is told
that the city and the venue disagree."""

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from exhibitions.models import Exhibition
from exhibitions.services import exhibition_create, exhibition_update
from tests.exhibitions.test_import import ZH_HEADERS, upload
from tests.factories import ExhibitionFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


@pytest.fixture
def dalian_venue(db):
    return VenueFactory(slug="cfv-dalian-hall", city=city("dalian"), indoor_area_m2=100_000, outdoor_area_m2=0)


def test_the_service_takes_the_city_from_the_venue(staff_user, dalian_venue):
    data = {
        "name_zh": "城市随展馆",
        "batch": batch(),
        "venue": dalian_venue,
        "start_date": dt.date(2025, 5, 1),
        "end_date": dt.date(2025, 5, 2),
        "gross_area_m2": 20_000,
    }
    exhibition = exhibition_create(actor=staff_user, data=data)
    assert exhibition.city.slug == "dalian"
    shenyang_venue = VenueFactory(city=city("shenyang"))
    moved = exhibition_update(
        actor=staff_user, exhibition=exhibition, data={"venue": shenyang_venue}, expected_version=1
    )
    assert moved.city.slug == "shenyang"


def test_a_given_city_that_differs_is_an_error_not_silently_replaced(staff_user, dalian_venue):
    from django.core.exceptions import ValidationError

    data = {
        "name_zh": "城市不符",
        "batch": batch(),
        "city": city("shenyang"),
        "venue": dalian_venue,
        "start_date": dt.date(2025, 5, 1),
        "end_date": dt.date(2025, 5, 2),
        "gross_area_m2": 20_000,
    }
    with pytest.raises(ValidationError) as error:
        exhibition_create(actor=staff_user, data=data)
    assert "venue" in error.value.message_dict
    assert not Exhibition.objects.exists()


def test_model_save_stores_what_it_is_given():
    """No second copy of the rule in Exhibition.save(): bulk and raw writers set the city themselves."""
    exhibition = ExhibitionFactory(venue=VenueFactory(city=city("dalian")), city=city("shenyang"))
    exhibition.refresh_from_db()
    assert exhibition.city.slug == "shenyang"


def test_form(client, staff_user, dalian_venue):
    client.force_login(staff_user)
    data = {
        "name_zh": "表单城市展",
        "batch": batch().pk,
        "city": city("dalian").pk,
        "venue": dalian_venue.pk,
        "start_date": "2025-06-01",
        "end_date": "2025-06-03",
        "gross_area_m2": "20000",
        "status": "planned",
    }
    assert client.post("/exhibitions/new/", data).status_code == 302
    assert Exhibition.objects.get(name_zh="表单城市展").city.slug == "dalian"
    mismatch = client.post("/exhibitions/new/", {**data, "name_zh": "错城", "city": city("anshan").pk})
    assert mismatch.status_code == 200 and "venue" in mismatch.context["form"].errors
    assert not Exhibition.objects.filter(name_zh="错城").exists()


def test_api(staff_user, dalian_venue):
    from tests.api.conftest import token_client

    api = token_client(staff_user)
    body = {
        "name": "接口城市展",
        "batch": "market",
        "venue": dalian_venue.pk,
        "start_date": "2025-06-01",
        "end_date": "2025-06-03",
        "gross_area_m2": 20_000,
    }
    created = api.post("/api/v1/exhibitions/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["city"] == "dalian"
    shenyang_venue = VenueFactory(city=city("shenyang"))
    moved = api.patch(
        f"/api/v1/exhibitions/{created.json()['id']}/", {"venue": shenyang_venue.pk, "version": 1}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["city"] == "shenyang"
    mismatch = api.post("/api/v1/exhibitions/", {**body, "city": "anshan"}, format="json")
    assert mismatch.status_code == 400 and "venue" in mismatch.json()["error"]["fields"]


def test_import(client, staff_user, dalian_venue):
    headers = ZH_HEADERS[: ZH_HEADERS.index("状态") + 1]  # the import's own headers, up to the status
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    sheet.append(
        ["CFV-1", "导入城市展", "market", "dalian", dalian_venue.slug, "2025-05-01", "2025-05-02", 20000, "计划"]
    )
    sheet.append(
        ["CFV-2", "导入错城展", "market", "anshan", dalian_venue.slug, "2025-05-01", "2025-05-02", 20000, "计划"]
    )
    out = io.BytesIO()
    workbook.save(out)
    client.force_login(staff_user)
    preview = upload(client, out.getvalue(), "cities.xlsx")  # the import check job's page
    result = preview.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(3, "展馆")]

    from exhibitions import importing

    parsed = importing.parse_file(out.getvalue(), "cities.xlsx")
    parsed.rows = parsed.rows[:1]
    assert importing.run_import(actor=staff_user, parsed=parsed, dry_run=False).committed
    assert Exhibition.objects.get(external_ref="CFV-1").city.slug == "dalian"


def test_admin_refuses_a_city_other_than_the_venues(client, dalian_venue):
    from core.roles import Role
    from core.services import user_set_role

    root = user_set_role(username="root", role=Role.STAFF)
    client.force_login(root)
    data = {
        "name_zh": "后台城市展",
        "batch": batch().pk,
        "city": city("anshan").pk,
        "venue": dalian_venue.pk,
        "start_date": "2025-06-01",
        "end_date": "2025-06-03",
        "gross_area_m2": "20000",
        "status": "planned",
    }
    refused = client.post("/admin/exhibitions/exhibition/add/", data)
    assert refused.status_code == 200 and "venue" in refused.context["adminform"].form.errors
    saved = client.post("/admin/exhibitions/exhibition/add/", {**data, "city": city("dalian").pk})
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    assert Exhibition.objects.get(name_zh="后台城市展").city.slug == "dalian"


def test_seed_demo_sets_the_venues_city():
    call_command("seed_demo", "--year", "2025", "--count", "300", "--as-of", "2025-08-01", stdout=StringIO())
    rows = Exhibition.objects.in_year(2025).select_related("venue")
    assert rows.filter(venue__isnull=False).count() > 250
    assert all(e.city_id == e.venue.city_id for e in rows if e.venue is not None)
    assert all(e.destination_country for e in rows if e.venue is None)  # outbound: the organising city
