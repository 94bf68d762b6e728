"""Change history (django-simple-history) of venues, organisers, brands, targets and city allocations:
every write path records who and when, the detail pages show it field by field, and their query counts
do not grow with the length of the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from core.history import HISTORY_LIMIT
from exhibitions.services import brand_save, organizer_save
from targets.models import CityAllocation, Target
from targets.services import target_save
from tests.factories import BrandFactory, OrganizerFactory, TargetFactory, VenueFactory, city
from tests.venues.test_venue_pages import venue_data
from venues.services import venue_save

pytestmark = pytest.mark.django_db


def latest(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def test_editing_a_venue_on_its_page_records_the_user_and_the_page_shows_the_change(client, staff_user):
    venue = VenueFactory(name_zh="旧馆名", city=city("dalian"), indoor_area_m2=6000)
    client.force_login(staff_user)
    response = client.post(
        reverse("venues:edit", args=[venue.pk]), venue_data(venue, name_zh="新馆名", indoor_area_m2=9000)
    )
    assert response.status_code == 302
    record = latest(venue)
    assert (record.history_type, record.history_user, record.name_zh) == ("~", staff_user, "新馆名")
    page = client.get(reverse("venues:detail", args=[venue.pk]), HTTP_ACCEPT_LANGUAGE="en")
    [entry, *_older] = page.context["history"]
    assert entry["who"] == staff_user and entry["kind"] == "~"
    changes = {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}
    assert changes == {"name_zh": ("旧馆名", "新馆名"), "indoor_area_m2": ("6000", "9000")}
    html = page.content.decode()
    assert 'id="history"' in html and "旧馆名" in html and "新馆名" in html and staff_user.username in html


def test_venue_api_write_records_the_token_user(staff_user):
    from tests.api.conftest import token_client

    venue = VenueFactory(city=city("dalian"))
    response = token_client(staff_user).patch(f"/api/v1/venues/{venue.pk}/", {"is_professional": True}, format="json")
    assert response.status_code == 200
    assert latest(venue).history_user == staff_user


@pytest.mark.parametrize(
    ("factory", "save", "field", "detail"),
    [
        (
            OrganizerFactory,
            lambda actor, obj, data: organizer_save(actor=actor, organizer=obj, data=data),
            "contact",
            "exhibitions:organizer_detail",
        ),
        (
            BrandFactory,
            lambda actor, obj, data: brand_save(actor=actor, brand=obj, data=data),
            "notes",
            "exhibitions:brand_detail",
        ),
        (
            lambda: VenueFactory(city=city("dalian")),
            lambda actor, obj, data: venue_save(actor=actor, venue=obj, data=data),
            "notes",
            "venues:detail",
        ),
    ],
    ids=["organiser", "brand", "venue"],
)
def test_reference_services_record_the_actor(client, staff_user, factory, save, field, detail):
    obj = factory()
    save(staff_user, obj, {field: "改过了"})
    record = latest(obj)
    assert (record.history_user, getattr(record, field)) == (staff_user, "改过了")
    client.force_login(staff_user)
    page = client.get(reverse(detail, args=[obj.pk]))
    assert page.context["history"][0]["who"] == staff_user
    assert [c["new"] for c in page.context["history"][0]["changes"]] == ["改过了"]


def test_target_and_allocation_changes_record_the_actor_and_show_on_the_target_page(client, staff_user):
    target = target_save(
        actor=staff_user,
        data={"year": 2031, "exhibitions": 10, "gross_area_m2": 100_000},
        allocations=[
            {"city": city("shenyang"), "exhibitions": 6, "gross_area_m2": 60_000},
            {"city": city("dalian"), "exhibitions": 4, "gross_area_m2": 40_000},
        ],
    )
    target_save(
        actor=staff_user,
        target=target,
        data={"exhibitions": 12},
        allocations=[{"city": city("shenyang"), "exhibitions": 12, "gross_area_m2": 100_000}],  # Dalian dropped
    )
    assert [r.history_type for r in target.history.order_by("history_id")] == ["+", "~"]
    assert {r.history_user for r in target.history.all()} == {staff_user}
    allocations = CityAllocation.history.filter(target_id=target.pk).order_by("history_id")
    assert [(r.history_type, r.city_id) for r in allocations] == [
        ("+", city("shenyang").pk),
        ("+", city("dalian").pk),
        ("-", city("dalian").pk),
        ("~", city("shenyang").pk),
    ]
    assert {r.history_user for r in allocations} == {staff_user}

    client.force_login(staff_user)
    page = client.get(reverse("targets:detail", args=[2031]), HTTP_ACCEPT_LANGUAGE="en")
    newest = page.context["history"][0]
    assert newest["who"] == staff_user
    assert [(c["field"], c["old"], c["new"]) for c in newest["changes"]] == [("exhibitions", "10", "12")]
    entries = page.context["allocation_history"]
    assert [(e["kind"], e["subject"]) for e in entries] == [
        ("~", str(city("shenyang"))),
        ("-", str(city("dalian"))),
        ("+", str(city("dalian"))),
        ("+", str(city("shenyang"))),
    ]
    assert {(c["field"], c["old"], c["new"]) for c in entries[0]["changes"]} == {
        ("exhibitions", "6", "12"),
        ("gross_area_m2", "60000", "100000"),
    }
    assert 'id="allocation-history"' in page.content.decode()


def test_bulk_created_allocations_have_history():
    """The demo seed writes allocations in bulk, with their history (simple_history's bulk helper)."""
    target = TargetFactory(year=2032)
    bulk_create_with_history([CityAllocation(target=target, city=city("dalian"), exhibitions=3)], CityAllocation)
    assert CityAllocation.history.filter(target_id=target.pk, history_type="+").count() == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("kind", ["venue", "organiser", "brand", "target"])
def test_detail_page_queries_do_not_grow_with_the_history(client, staff_user, kind):
    client.force_login(staff_user)
    if kind == "target":
        obj = TargetFactory(year=2033)
        url = reverse("targets:detail", args=[2033])

        def change(n):
            target_save(
                actor=staff_user,
                target=obj,
                data={"exhibitions": 100 + n},
                allocations=[{"city": city("dalian"), "exhibitions": n, "gross_area_m2": n}],
            )
    else:
        factory, save, detail = {
            "venue": (lambda: VenueFactory(city=city("dalian")), venue_save, "venues:detail"),
            "organiser": (OrganizerFactory, organizer_save, "exhibitions:organizer_detail"),
            "brand": (BrandFactory, brand_save, "exhibitions:brand_detail"),
        }[kind]
        obj = factory()
        url = reverse(detail, args=[obj.pk])
        name = {"venue": "venue", "organiser": "organizer", "brand": "brand"}[kind]

        def change(n):
            fresh = type(obj).objects.get(pk=obj.pk)
            save(
                actor=staff_user,
                data={"notes": f"第{n}次", "city": city("shenyang" if n % 2 else "dalian")},
                **{name: fresh},
            )

    change(1)
    client.get(url)  # warm the caches a page fills once (session, translations)
    short = _queries(client, url)
    for n in range(2, HISTORY_LIMIT + 2):
        change(n)
    long = _queries(client, url)
    for n in range(HISTORY_LIMIT + 2, HISTORY_LIMIT + 30):
        change(n)
    longer = _queries(client, url)
    # A history longer than the page shows costs one more query per table (the predecessors of the
    # oldest entries shown), and never more however long it grows.
    assert longer == long <= short + (2 if kind == "target" else 1)
    page = client.get(url)
    assert len(page.context["history"]) == HISTORY_LIMIT and page.context["history_more"]
    assert "older changes are kept" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_target_model_keeps_history_of_each_save():
    target = Target.objects.create(year=2034, exhibitions=1, gross_area_m2=1)
    target.exhibitions = 2
    target.save()
    assert target.history.count() == 2
