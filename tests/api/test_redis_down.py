"""With Redis unreachable (cache, throttle store, cached sessions, broker) every API call and page answers
as usual, and the outage is logged as one WARNING per interval (SPEC §12, settings CACHES)."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from core.cache import OutageLogFilter
from exhibitions.models import Exhibition
from tests.api.conftest import token_client
from tests.targets.test_progress_live import broker  # noqa: F401 (fixture: this process publishes to a broker)

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def outage_filter() -> OutageLogFilter:
    return next(f for f in logging.getLogger("expoplan.cache").filters if isinstance(f, OutageLogFilter))


@pytest.fixture
def redis_down(settings, redis_url):
    """The production cache configuration (django-redis, failing open) pointed at a port nobody listens on."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": UNREACHABLE}}
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    settings.SESSION_ENGINE = "core.sessions_cached"
    outage_filter().reset()
    yield
    outage_filter().reset()


def outage_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "expoplan.cache"]


def test_every_api_call_answers_as_usual_and_the_outage_is_logged_once(redis_down, staff_user, dataset, caplog):
    caplog.set_level(logging.WARNING)
    outage_filter().reset()  # (the fixtures' writes met the outage already)
    client = token_client(staff_user)
    row = dataset["dl_planned"]

    listing = client.get("/api/v1/exhibitions/?year=2024")
    assert listing.status_code == 200, listing.content
    assert listing.json()["count"] == 4
    progress = client.get("/api/v1/progress/?year=2024")
    assert progress.status_code == 200, progress.content
    assert progress.json()["year"] == 2024 and progress.json()["goal"]["exhibitions"] == dataset["target"].exhibitions
    assert client.get("/api/v1/progress/history/?year=2024").status_code == 200
    detail = client.get(f"/api/v1/exhibitions/{row.pk}/")
    assert detail.status_code == 200 and detail.json()["name"] == row.name
    changed = client.patch(f"/api/v1/exhibitions/{row.pk}/", {"notes": "Redis down", "version": 1}, format="json")
    assert changed.status_code == 200, changed.content
    assert Exhibition.objects.get(pk=row.pk).notes == "Redis down"
    created = client.post(
        "/api/v1/exhibitions/",
        {
            "name": "缓存故障展",
            "batch": "market",
            "venue": dataset["dalian"].pk,
            "start_date": "2024-10-01",
            "end_date": "2024-10-03",
            "gross_area_m2": 12_000,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert all(r["Content-Type"] == "application/json" for r in (listing, progress, detail, changed, created))

    warnings = outage_warnings(caplog)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # many failed cache calls, one line a minute
    assert warnings[0].levelno == logging.WARNING
    assert "unreachable" in warnings[0].getMessage() and "throttle" in warnings[0].getMessage()


def test_the_throttle_fails_open(redis_down, settings, api_client_user, dataset):
    settings.EXPOPLAN_API_THROTTLE_RATE = "2/minute"
    client = token_client(api_client_user)
    assert [client.get("/api/v1/cities/").status_code for _ in range(4)] == [200] * 4


def test_an_unreachable_cache_answers_quickly(redis_down, staff_user, dataset):
    client = token_client(staff_user)
    client.get("/api/v1/cities/")  # content types, the token's user: warm
    started = time.monotonic()
    assert client.get("/api/v1/exhibitions/").status_code == 200
    assert time.monotonic() - started < 2


def test_pages_and_signing_in_work_on_database_sessions(redis_down, client, staff_user, sign_in, dataset):
    sign_in(client, staff_user)  # the session is written to the database; the cache write is ignored
    for url in ("/dashboard/?year=2024", "/dashboard/dalian/?year=2024", "/exhibitions/?year=2024"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/api/v1/exhibitions/").status_code == 200  # the session authenticates the API too
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_with_cache_and_broker_down_answers_and_is_recomputed_later(
    redis_down,
    broker,  # noqa: F811
    staff_user,
):
    from tests.factories import TargetFactory, VenueFactory, city

    TargetFactory(year=2031, exhibitions=10, gross_area_m2=200_000)
    venue = VenueFactory(city=city("dalian"))
    broker(UNREACHABLE)
    client = token_client(staff_user)
    started = time.monotonic()
    response = client.post(
        "/api/v1/exhibitions/",
        {
            "name": "代理故障展",
            "batch": "market",
            "venue": venue.pk,
            "start_date": "2031-05-01",
            "end_date": "2031-05-03",
            "gross_area_m2": 12_000,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 3
    assert Exhibition.objects.filter(start_date=dt.date(2031, 5, 1)).exists()
    progress = client.get("/api/v1/progress/?year=2031")
    assert progress.status_code in (200, 404)  # no snapshot yet (the periodic run catches up): never a 500
