"""The targets page: staff set goals, thresholds and city allocations; the sums are checked visibly."""

import pytest

from targets.models import CityAllocation, Target
from tests.factories import CityAllocationFactory, TargetFactory, city

pytestmark = pytest.mark.django_db


def management(prefix="allocations", total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def target_data(year=2031, exhibitions=10, gross=100_000, allocations=()):
    data = {
        "year": year,
        "exhibitions": exhibitions,
        "gross_area_m2": gross,
        "large_min_gross_area_m2": 10_000,
        "professional_venue_min_indoor_m2": 5_000,
        **management(total=len(allocations)),
    }
    for index, (slug, e, g) in enumerate(allocations):
        data[f"allocations-{index}-city"] = city(slug).pk
        data[f"allocations-{index}-exhibitions"] = e
        data[f"allocations-{index}-gross_area_m2"] = g
    return data


def test_staff_creates_a_year_with_matching_allocations(client, staff_user):
    client.force_login(staff_user)
    form = client.get("/targets/new/")
    assert form.status_code == 200
    assert len(form.context["formset"].forms) == 15  # one row per city to start with
    response = client.post(
        "/targets/new/", target_data(allocations=[("shenyang", 6, 60_000), ("dalian", 4, 40_000)]), follow=True
    )
    assert response.redirect_chain[-1][0] == "/targets/2031/"
    target = Target.objects.get(year=2031)
    assert target.allocations.count() == 2
    check = response.context["check"]
    assert check["matches"] and check["sum"] == {"exhibitions": 10, "gross_area_m2": 100_000}
    assert 'id="allocation-mismatch"' not in response.content.decode()


def test_mismatch_is_saved_with_a_visible_warning(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/targets/new/",
        target_data(allocations=[("shenyang", 6, 60_000), ("dalian", 3, 50_000)]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    check = response.context["check"]
    assert not check["matches"]
    assert check["difference"] == {"exhibitions": -1, "gross_area_m2": 10_000}
    assert 'id="allocation-mismatch"' in html
    assert "do not add up" in html
    assert Target.objects.filter(year=2031).exists()


def test_edit_changes_and_removes_allocations(client, staff_user):
    target = TargetFactory(year=2032, exhibitions=5, gross_area_m2=50_000)
    keep = CityAllocationFactory(target=target, city=city("dalian"), exhibitions=3, gross_area_m2=30_000)
    drop = CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=2, gross_area_m2=20_000)
    client.force_login(staff_user)
    assert client.get("/targets/2032/edit/").status_code == 200
    data = target_data(year=2032, exhibitions=5, gross=50_000)
    data.update(management(total=2, initial=2))
    for index, (alloc, e, g) in enumerate([(keep, 5, 50_000), (drop, 2, 20_000)]):
        data[f"allocations-{index}-id"] = alloc.pk
        data[f"allocations-{index}-city"] = alloc.city_id
        data[f"allocations-{index}-exhibitions"] = e
        data[f"allocations-{index}-gross_area_m2"] = g
    data["allocations-1-DELETE"] = "on"
    response = client.post("/targets/2032/edit/", data)
    assert response.status_code == 302
    assert list(CityAllocation.objects.filter(target=target).values_list("city__slug", "exhibitions")) == [
        ("dalian", 5)
    ]


def test_bad_values_are_reported(client, staff_user):
    client.force_login(staff_user)
    data = target_data(exhibitions=-1, allocations=[("dalian", 1, 1), ("dalian", 2, 2)])
    response = client.post("/targets/new/", data)
    assert response.status_code == 200
    assert "exhibitions" in response.context["form"].errors
    assert not Target.objects.filter(year=2031).exists()
    data = target_data(allocations=[("dalian", 1, 1), ("dalian", 2, 2)])
    response = client.post("/targets/new/", data)
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors["city"]
    assert not Target.objects.filter(year=2031).exists()


def test_duplicate_year_is_a_field_error(client, staff_user):
    TargetFactory(year=2033)
    client.force_login(staff_user)
    response = client.post("/targets/new/", target_data(year=2033))
    assert response.status_code == 200
    assert "year" in response.context["form"].errors


def test_city_official_reads_but_cannot_edit(client, city_official):
    TargetFactory(year=2034)
    client.force_login(city_official)
    assert client.get("/targets/").status_code == 200
    assert client.get("/targets/2034/").status_code == 200
    assert client.post("/targets/2034/edit/", target_data(year=2034, exhibitions=1)).status_code == 403
    assert client.post("/targets/new/", target_data(year=2035)).status_code == 403
    assert Target.objects.get(year=2034).exhibitions == 100


def test_list_query_count_is_constant(client, staff_user, django_assert_max_num_queries):
    for year in range(2040, 2050):
        CityAllocationFactory(target=TargetFactory(year=year))
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get("/targets/")
    assert len(response.context["rows"]) >= 10
