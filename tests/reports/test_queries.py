"""Dashboards read the snapshot: the number of queries does not grow with the number of exhibitions."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exhibitions.demo import seed_demo_year
from targets.services import progress_recompute

YEAR = 2024
PAGES = ("/dashboard/?year=2024", "/dashboard/dalian/?year=2024", "/reports/monthly/?year=2024&month=5&format=xlsx")


def clear_caches() -> None:
    for alias in ("default",):
        caches[alias].clear()


def _queries(client, url: str) -> int:
    clear_caches()
    client.get(url)  # warm-up: sessions, lazily created rows
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _repeat_queries(client, url: str) -> list[str]:
    """The queries of a repeated view (the figures already rendered and cached)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured]


@pytest.mark.parametrize("url", PAGES[:2])
def test_dashboard_queries_do_not_grow_with_rows(client, staff_user, django_assert_num_queries, url):
    client.force_login(staff_user)
    seed_demo_year(year=YEAR, count=10, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    small = _queries(client, url)
    seed_demo_year(year=YEAR, count=10_000, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    clear_caches()
    client.get(url)
    clear_caches()
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200
    assert small <= 12


def test_a_repeated_dashboard_view_reads_the_snapshot_head_only(client, staff_user, settings):
    client.force_login(staff_user)
    seed_demo_year(year=YEAR, count=10, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    small = _repeat_queries(client, PAGES[0])
    seed_demo_year(year=YEAR, count=2_000, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    large = _repeat_queries(client, PAGES[0])
    # The session (from the cache with Redis), the user, the device that verified the session's second factor
    # (django-otp's OTPMiddleware), their role, the snapshot head: whatever the data.
    with_cached_sessions = settings.SESSION_ENGINE == "core.sessions_cached"
    assert len(small) == len(large) == (4 if with_cached_sessions else 5), large
    assert sum("otp_totp_totpdevice" in sql for sql in large) == 1
    heads = [sql for sql in large if "targets_progresssnapshot" in sql]
    assert len(heads) == 1 and "payload" not in heads[0]
