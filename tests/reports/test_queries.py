"""Dashboards read the snapshot: the number of queries does not grow with the number of exhibitions."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exhibitions.demo import seed_demo_year
from targets.services import progress_recompute

YEAR = 2024
PAGES = ("/dashboard/?year=2024", "/dashboard/dalian/?year=2024", "/reports/monthly/?year=2024&month=5&format=xlsx")


def _queries(client, url: str) -> int:
    cache.clear()
    client.get(url)  # warm-up: sessions, lazily created rows
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", PAGES[:2])
def test_dashboard_queries_do_not_grow_with_rows(client, staff_user, django_assert_num_queries, url):
    client.force_login(staff_user)
    seed_demo_year(year=YEAR, count=10, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    small = _queries(client, url)
    seed_demo_year(year=YEAR, count=10_000, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    cache.clear()
    client.get(url)
    cache.clear()
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200
    assert small <= 12
