"""Real components: concurrent recomputes on PostgreSQL, a broker outage, and a real Celery worker.

These tests commit (transactional_db) so on_commit hooks, other connections and the worker see the
data; `serialized_rollback` restores the reference data (cities, batches, roles) afterwards.
"""

import datetime as dt
import threading
import time

import kombu.pools
import pytest
from django.core.cache import cache
from django.db import connection, transaction

from config.celery import app as celery_app
from targets import services
from targets.locking import lock_year
from targets.models import ProgressSnapshot
from targets.selectors import progress_get, snapshot_latest
from targets.services import progress_recompute
from targets.tasks import recompute_stale_progress
from tests.factories import ExhibitionFactory, TargetFactory, VenueFactory, city
from tests.workers import celery_worker

YEAR = 2030
live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
pytestmark = [live_db]  # the services marker comes from the postgres and redis_url fixtures


@pytest.fixture
def year_data():
    TargetFactory(year=YEAR, exhibitions=10, gross_area_m2=200_000)
    venue = VenueFactory(city=city("dalian"))
    return [
        ExhibitionFactory(venue=venue, start_date=dt.date(YEAR, m, 3), status="planned", gross_area_m2=20_000)
        for m in (2, 5, 9)
    ]


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app of this process at `url` (not eager); the pools are rebuilt for it."""

    def use(url: str) -> None:
        cache.clear()  # no debounce key or "broker down" back-off left over from another test
        monkeypatch.setattr(services, "_broker_down_until", 0.0)
        monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
        monkeypatch.setattr(celery_app.conf, "CELERY_BROKER_URL", url)
        _reset_pools()

    yield use
    monkeypatch.undo()
    _reset_pools()
    cache.clear()


def _reset_pools() -> None:
    # kombu keeps its pools in a process-wide registry keyed by connection: closing only the app's
    # pool would leave a closed pool there, handed back the next time the same URL is used.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _in_thread(fn):
    """Run `fn` in a thread with its own database connection; re-raise its exception."""
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_two_concurrent_recomputes_of_one_year_produce_one_result(postgres, year_data):
    ProgressSnapshot.objects.all().delete()  # (the fixture's commits were recomputed in-process)
    barrier = threading.Barrier(2)

    def recompute():
        barrier.wait()
        return progress_recompute(year=YEAR, force=False).pk

    runs = [_in_thread(recompute) for _ in range(2)]
    for thread, _ in runs:
        thread.join(30)
    results = [box.get("result", box.get("error")) for _, box in runs]
    assert results[0] == results[1] and isinstance(results[0], int)  # the second saw the first's snapshot
    assert ProgressSnapshot.objects.filter(year=YEAR).count() == 1


def test_recompute_waits_for_the_year_lock(postgres, year_data):
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            lock_year(YEAR)
            holding.set()
            release.wait(10)
            ExhibitionFactory(venue=year_data[0].venue, start_date=dt.date(YEAR, 7, 1), status="held")
        return time.monotonic()

    holder, holder_box = _in_thread(hold_lock)
    assert holding.wait(10)
    waiter, waiter_box = _in_thread(lambda: (progress_recompute(year=YEAR), time.monotonic()))
    time.sleep(0.5)
    assert waiter.is_alive()  # blocked on the advisory lock
    release.set()
    holder.join(10)
    waiter.join(30)
    snapshot, _finished = waiter_box["result"]
    assert "error" not in holder_box
    # It computed after the holder committed, so it saw the holder's exhibition.
    assert snapshot.payload["scopes"]["province"]["achieved"]["exhibitions"] == 1


def test_broker_down_never_fails_a_save_and_the_periodic_run_catches_up(year_data, broker, settings):
    progress_recompute(year=YEAR)
    broker("redis://127.0.0.1:6390/0")  # nothing listens there
    exhibition = year_data[0]
    exhibition.status = "held"
    started = time.monotonic()
    exhibition.save()  # autocommit: the on_commit publish happens inside this call
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"saving took {elapsed:.2f} s with the broker down"
    started = time.monotonic()
    ExhibitionFactory(venue=exhibition.venue, start_date=dt.date(YEAR, 6, 1), status="held")
    assert time.monotonic() - started < 2
    assert progress_get(year=YEAR)["stale"] is True

    # The next periodic run (beat → worker; here the task body in-process) brings the year up to date.
    assert YEAR in recompute_stale_progress.apply().get()
    fresh = progress_get(year=YEAR)
    assert fresh["stale"] is False
    assert fresh["achieved"]["exhibitions"] == 2


@pytest.mark.slow
def test_a_real_worker_refreshes_the_snapshot(postgres, redis_url, year_data, broker, settings, tmp_path):
    settings.EXPOPLAN_PROGRESS_DEBOUNCE_SECONDS = 1
    broker(redis_url)
    celery_app.control.purge()
    progress_recompute(year=YEAR)
    before = snapshot_latest(year=YEAR).pk
    log = tmp_path / "worker.log"
    with celery_worker(redis_url=redis_url, var_dir=tmp_path, log=log):
        exhibition = year_data[1]
        exhibition.status = "held"
        exhibition.save()  # committed: on_commit publishes recompute_progress(2030) to Redis
        changed = time.monotonic()
        assert progress_get(year=YEAR)["stale"] is True
        while time.monotonic() - changed < 10:
            data = progress_get(year=YEAR)
            if not data["stale"] and data["snapshot_id"] != before:
                break
            time.sleep(0.2)
        assert data["stale"] is False, log.read_text()[-3000:]
        assert data["snapshot_id"] != before
        assert data["achieved"]["exhibitions"] == 1
        assert "targets.recompute_progress" in log.read_text()
