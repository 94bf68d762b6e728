"""A list page costs the same number of queries with 10 rows as with 1,000 (SPEC §8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exhibitions.models import Exhibition
from tests.factories import BrandFactory, OrganizerFactory, VenueFactory, batch, city

LIST_URLS = [
    "/api/v1/exhibitions/?page_size=500",
    "/api/v1/exhibitions/?page_size=500&year=2024&counts=true&city=shenyang&ordering=-gross_area_m2",
    "/api/v1/venues/?page_size=500",
    "/api/v1/organizers/?page_size=500",
    "/api/v1/brands/?page_size=500",
]
MAX_QUERIES = 10  # auth, role, filter validation, rules, ETag aggregates, count, rows


def _grow(n: int) -> None:
    """Up to `n` exhibitions, venues, organisers and brands, each row with its own foreign keys."""
    have = Exhibition.objects.count()
    rows = []
    for i in range(have, n):
        venue = VenueFactory(city=city("shenyang"))
        organizer = OrganizerFactory()
        brand = BrandFactory(city=city("dalian"), batch=batch("brand"))
        rows.append(
            Exhibition(
                name_zh=f"展{i}",
                batch=batch("market"),
                city=venue.city,
                venue=venue,
                organizer=organizer,
                brand=brand,
                start_date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 360),
                end_date=dt.date(2024, 1, 3) + dt.timedelta(days=i % 360),
                gross_area_m2=10_000 + i,
                status="held",
            )
        )
    Exhibition.objects.bulk_create(rows)


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
