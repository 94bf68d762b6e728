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


# --- target_save: the one write path of the page and the API ----------------------------------------


def _fail_while_writing(monkeypatch, slug: str):
    """CityAllocation.save fails for `slug`'s city: a failure after the Target row has been written."""
    from django.core.exceptions import ValidationError

    original = CityAllocation.save

    def save(self, *args, **kwargs):
        if self.city.slug == slug:
            raise ValidationError({"gross_area_m2": "simulated failure while writing"})
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CityAllocation, "save", save)


def test_a_failing_allocation_rolls_back_a_new_target_on_the_page(client, staff_user, monkeypatch):
    _fail_while_writing(monkeypatch, "dalian")
    client.force_login(staff_user)
    response = client.post("/targets/new/", target_data(allocations=[("shenyang", 6, 60_000), ("dalian", 4, 40_000)]))
    assert response.status_code == 200
    assert "simulated failure while writing" in str(response.context["form"].errors)
    assert not Target.objects.filter(year=2031).exists()
    assert not CityAllocation.objects.exists()


def test_a_failing_allocation_rolls_back_an_edit_on_the_page(client, staff_user, monkeypatch):
    target = TargetFactory(year=2032, exhibitions=5, gross_area_m2=50_000)
    CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=5, gross_area_m2=50_000)
    _fail_while_writing(monkeypatch, "dalian")
    client.force_login(staff_user)
    data = target_data(year=2032, exhibitions=9, gross=90_000, allocations=[("dalian", 9, 90_000)])
    assert client.post("/targets/2032/edit/", data).status_code == 200
    target.refresh_from_db()
    assert (target.exhibitions, target.gross_area_m2) == (5, 50_000)
    assert list(target.allocations.values_list("city__slug", "exhibitions")) == [("shenyang", 5)]


def test_a_failing_allocation_rolls_back_the_api_write(staff_user, monkeypatch):
    from tests.api.conftest import token_client

    target = TargetFactory(year=2032, exhibitions=5, gross_area_m2=50_000)
    CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=5, gross_area_m2=50_000)
    _fail_while_writing(monkeypatch, "dalian")
    body = {
        "year": 2032,
        "exhibitions": 9,
        "gross_area_m2": 90_000,
        "allocations": [{"city": "dalian", "exhibitions": 9, "gross_area_m2": 90_000}],
    }
    api = token_client(staff_user)
    response = api.put("/api/v1/targets/2032/", body, format="json")
    assert response.status_code == 400
    assert "gross_area_m2" in response.json()["error"]["fields"]
    created = api.post("/api/v1/targets/", {**body, "year": 2033}, format="json")
    assert created.status_code == 400
    target.refresh_from_db()
    assert (target.exhibitions, target.gross_area_m2) == (5, 50_000)
    assert list(target.allocations.values_list("city__slug", "exhibitions")) == [("shenyang", 5)]
    assert not Target.objects.filter(year=2033).exists()


def test_page_and_api_share_target_save(client, staff_user, monkeypatch):
    """Both write paths end in targets.services.target_save (and nowhere else)."""
    import targets.api.views
    import targets.services
    import targets.views
    from tests.api.conftest import token_client

    calls = []
    real = targets.services.target_save

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(targets.views, "target_save", spy)
    monkeypatch.setattr(targets.api.views, "target_save", spy)
    client.force_login(staff_user)
    client.post("/targets/new/", target_data(allocations=[("dalian", 10, 100_000)]))
    token_client(staff_user).post(
        "/api/v1/targets/", {"year": 2036, "exhibitions": 1, "gross_area_m2": 1}, format="json"
    )
    assert [c["data"]["year"] for c in calls] == [2031, 2036]
    assert calls[0]["allocations"][0]["city"].slug == "dalian" and calls[1]["allocations"] is None


def test_target_save_validates_everything_before_writing(staff_user):
    from django.core.exceptions import ValidationError

    from targets.services import target_save

    data = {"year": 2037, "exhibitions": -1, "gross_area_m2": 10}
    allocations = [
        {"city": city("dalian"), "exhibitions": 1, "gross_area_m2": 1},
        {"city": city("anshan"), "exhibitions": -5, "gross_area_m2": 1},
        {"city": city("dalian"), "exhibitions": 2, "gross_area_m2": 2},
    ]
    with pytest.raises(ValidationError) as error:
        target_save(actor=staff_user, data=data, allocations=allocations)
    errors = error.value.message_dict
    assert "exhibitions" in errors
    assert any(city("anshan").name in m for m in errors["allocations.1.exhibitions"])  # names the city and field
    assert "dalian" in errors["allocations.2.city"][0]
    assert not Target.objects.filter(year=2037).exists()
    with pytest.raises(ValidationError) as error:
        target_save(actor=staff_user, data={"year": 2037, "votes": 1}, allocations=None)
    assert "votes" in error.value.message_dict


def test_target_save_replaces_allocations_and_keeps_them_when_not_given(staff_user):
    from targets.services import target_save

    target = TargetFactory(year=2038)
    CityAllocationFactory(target=target, city=city("dalian"), exhibitions=3)
    CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=4)
    target_save(actor=staff_user, target=target, data={"exhibitions": 7}, allocations=None)
    assert target.allocations.count() == 2
    saved = target_save(
        actor=staff_user,
        target=target,
        data={},
        allocations=[
            {"city": city("dalian"), "exhibitions": 5, "gross_area_m2": 50},
            {"city": city("anshan"), "exhibitions": 0, "gross_area_m2": 0},
        ],
    )
    assert saved.exhibitions == 7
    assert dict(saved.allocations.values_list("city__slug", "exhibitions")) == {"dalian": 5, "anshan": 0}


def test_target_save_checks_the_scope_before_and_after_the_save(staff_user, city_official, monkeypatch):
    from django.core.exceptions import PermissionDenied

    from core.querysets import ReferenceQuerySet
    from targets.services import target_save

    with pytest.raises(PermissionDenied):
        target_save(actor=city_official, data={"year": 2039, "exhibitions": 1, "gross_area_m2": 1}, allocations=[])
    assert not Target.objects.filter(year=2039).exists()

    # A scope that no longer holds once the row is saved (the re-check inside the transaction).
    original = ReferenceQuerySet.for_user

    def for_user(self, user, action="view"):
        scoped = original(self, user, action)
        return scoped.filter(year__lt=2039) if self.model is Target else scoped

    monkeypatch.setattr(ReferenceQuerySet, "for_user", for_user)
    with pytest.raises(PermissionDenied):
        target_save(
            actor=staff_user,
            data={"year": 2039, "exhibitions": 1, "gross_area_m2": 1},
            allocations=[{"city": city("dalian"), "exhibitions": 1, "gross_area_m2": 1}],
        )
    assert not Target.objects.filter(year=2039).exists()
    assert not CityAllocation.objects.filter(target__year=2039).exists()
