"""A list page costs the same number of queries with 10 rows as with 1,000 (SPEC §8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exhibitions.models import Brand, Exhibition, Organizer
from targets.services import progress_mark_changed
from tests.factories import batch, city
from venues.models import Venue

LIST_URLS = [
    "/api/v1/exhibitions/?page_size=500",
    "/api/v1/exhibitions/?page_size=500&year=2024&counts=true&city=shenyang&ordering=-gross_area_m2",
    "/api/v1/venues/?page_size=500",
    "/api/v1/organizers/?page_size=500",
    "/api/v1/brands/?page_size=500",
]
MAX_QUERIES = 14  # auth, role, filter validation, rules, data state, count (once per state), rows, 5 prefetches


def _grow(n: int) -> None:
    """Up to `n` exhibitions, each with its own venue, organiser and brand (bulk inserts: fast)."""
    have = Exhibition.objects.count()
    new = range(have, n)
    venues = Venue.objects.bulk_create(
        Venue(slug=f"q-venue-{i}", name_zh=f"馆{i}", city=city("shenyang"), indoor_area_m2=90_000, is_professional=True)
        for i in new
    )
    organizers = Organizer.objects.bulk_create(Organizer(name_zh=f"主办{i}") for i in new)
    brands = Brand.objects.bulk_create(
        Brand(slug=f"q-brand-{i}", name_zh=f"品牌{i}", city=city("dalian"), batch=batch("brand")) for i in new
    )
    market = batch("market")
    Exhibition.objects.bulk_create(
        Exhibition(
            name_zh=f"展{i}",
            batch=market,
            city_id=venue.city_id,
            venue=venue,
            organizer=organizer,
            brand=brand,
            start_date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 360),
            end_date=dt.date(2024, 1, 3) + dt.timedelta(days=i % 360),
            gross_area_m2=10_000 + i,
            status="held",
        )
        for i, venue, organizer, brand in zip(new, venues, organizers, brands, strict=True)
    )
    progress_mark_changed(years={0, 2024})  # as every bulk write does (targets/signals.py)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.slow
def test_list_query_count_is_independent_of_rows(staff_api):
    _grow(10)
    staff_api.get("/api/v1/cities/")  # warm per-process caches (content types, …)
    small = {url: _count(staff_api, url) for url in LIST_URLS}
    _grow(1_000)
    large = {url: _count(staff_api, url) for url in LIST_URLS}
    assert staff_api.get(LIST_URLS[0]).json()["count"] == 1_000
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def test_detail_query_count(staff_api, django_assert_max_num_queries):
    _grow(3)
    row = Exhibition.objects.first()
    with django_assert_max_num_queries(8):
        assert staff_api.get(f"/api/v1/exhibitions/{row.pk}/").status_code == 200
