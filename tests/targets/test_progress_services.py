"""Snapshots, freshness, selectors, the command, pruning, schema validation, debounce and query counts."""

import copy
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from exhibitions.models import Exhibition
from targets import services
from targets.models import ProgressDataMark, ProgressSnapshot
from targets.schema import payload_errors, validate_payload
from targets.selectors import UnknownScope, progress_get, progress_history, snapshot_latest
from targets.services import (
    progress_data_changed,
    progress_prune,
    progress_recompute,
    progress_recompute_stale,
    progress_stale_years,
)
from tests.factories import CityAllocationFactory, ExhibitionFactory, TargetFactory, VenueFactory, batch, city
from venues.models import City

pytestmark = pytest.mark.django_db
YEAR = 2030


@pytest.fixture
def year_data():
    target = TargetFactory(year=YEAR, exhibitions=10, gross_area_m2=200_000)
    CityAllocationFactory(target=target, city=city("dalian"), exhibitions=4, gross_area_m2=80_000)
    venue = VenueFactory(city=city("dalian"))
    exhibitions = [
        ExhibitionFactory(venue=venue, start_date=dt.date(YEAR, m, 5), gross_area_m2=20_000, status="held")
        for m in (3, 4, 5)
    ]
    return {"target": target, "venue": venue, "exhibitions": exhibitions}


def test_recompute_saves_a_contract_snapshot(year_data):
    snapshot = progress_recompute(year=YEAR)
    assert snapshot.pk and snapshot.year == YEAR and snapshot.target == year_data["target"]
    assert snapshot.duration_ms >= 0 and snapshot.watermark is not None
    assert snapshot.data_version == services.progress_data_version(year=YEAR)[0]
    payload = snapshot.payload
    assert set(payload) == {"year", "computed_at", "rules", "scopes", "venue_utilisation"}
    assert set(payload["scopes"]) == {"province", *City.objects.values_list("slug", flat=True)}
    assert len(payload["scopes"]) == 16
    assert payload["scopes"]["province"]["achieved"] == {"exhibitions": 3, "gross_area_m2": 60_000}
    assert payload["scopes"]["dalian"]["percent"] == {"exhibitions": 75.0, "gross_area_m2": 75.0}
    assert payload_errors(payload) == []


def test_progress_get_shape_and_freshness(year_data):
    assert snapshot_latest(year=YEAR) is None
    data = progress_get(year=YEAR)  # no snapshot yet: computed synchronously once
    assert ProgressSnapshot.objects.filter(year=YEAR).count() == 1
    assert data["stale"] is False and data["scope"] == "province" and data["year"] == YEAR
    assert {
        "snapshot_id",
        "computed_at",
        "rules",
        "goal",
        "achieved",
        "committed",
        "pipeline",
        "expected_to_date",
    } <= set(data)
    assert {"forecast", "gap", "ahead_of_plan", "percent", "by_city", "by_batch", "by_month", "other"} <= set(data)
    assert progress_get(year=YEAR)["snapshot_id"] == data["snapshot_id"]  # not recomputed
    dalian = progress_get(year=YEAR, city_slug="dalian")
    assert dalian["scope"] == "dalian" and dalian["goal"] == {"exhibitions": 4, "gross_area_m2": 80_000}
    with pytest.raises(UnknownScope):
        progress_get(year=YEAR, city_slug="atlantis")
    with pytest.raises(UnknownScope):
        progress_get(year=YEAR, city_slug="province")
    assert progress_get(year=1999) is None

    # Any change makes it stale, until the next recompute.
    exhibition = year_data["exhibitions"][0]
    exhibition.status = "cancelled"
    exhibition.save()
    assert progress_get(year=YEAR)["stale"] is True
    assert progress_get(year=YEAR)["achieved"]["exhibitions"] == 3  # the snapshot's figures, not live ones
    progress_recompute(year=YEAR)
    fresh = progress_get(year=YEAR)
    assert fresh["stale"] is False and fresh["achieved"]["exhibitions"] == 2


@pytest.mark.parametrize(
    "change",
    [
        "delete_exhibition",
        "move_to_other_year",
        "venue",
        "target",
        "target_to_other_year",
        "delete_target",
        "allocation",
        "delete_allocation",
        "bulk",
    ],
)
def test_every_kind_of_change_marks_the_year_stale(year_data, change):
    progress_recompute(year=YEAR)
    assert YEAR not in progress_stale_years()
    if change == "delete_exhibition":
        year_data["exhibitions"][0].delete()
    elif change == "move_to_other_year":
        exhibition = Exhibition.objects.get(pk=year_data["exhibitions"][0].pk)  # loaded: its old year is known
        exhibition.start_date = exhibition.end_date = dt.date(2035, 1, 1)
        exhibition.save()
        assert 2035 in progress_stale_years()
    elif change == "venue":
        year_data["venue"].is_professional = False
        year_data["venue"].save()
    elif change == "target":
        year_data["target"].large_min_gross_area_m2 = 30_000
        year_data["target"].save()
    elif change == "target_to_other_year":
        target = type(year_data["target"]).objects.get(pk=year_data["target"].pk)  # loaded: its old year is known
        target.year = 2036
        target.save()  # the year loses its target (and its allocations): its goals move
        assert 2036 in progress_stale_years()
    elif change == "delete_target":
        year_data["target"].delete()  # its allocations go with it
    elif change == "allocation":
        allocation = year_data["target"].allocations.get()
        allocation.exhibitions = 5
        allocation.save()
    elif change == "delete_allocation":
        year_data["target"].allocations.get().delete()
    elif change == "bulk":  # bypasses signals, as seed_demo does, then tells the engine
        Exhibition.objects.filter(start_date__year=YEAR).update(status="planned")
        assert YEAR not in progress_stale_years()
        progress_data_changed(years=[YEAR])
    assert YEAR in progress_stale_years()
    assert snapshot_latest(year=YEAR) is not None
    assert progress_get(year=YEAR)["stale"] is True
    assert YEAR in progress_recompute_stale()
    assert progress_get(year=YEAR)["stale"] is False
    assert YEAR not in progress_stale_years()


def test_a_change_also_marks_the_following_year(year_data):
    TargetFactory(year=YEAR + 1)
    progress_recompute(year=YEAR + 1)
    assert YEAR + 1 not in progress_stale_years()
    year_data["exhibitions"][0].delete()  # the next year's previous_year block and weights move
    assert YEAR + 1 in progress_stale_years()


def test_recompute_without_force_is_idempotent(year_data):
    first = progress_recompute(year=YEAR, force=False)
    assert progress_recompute(year=YEAR, force=False).pk == first.pk
    assert progress_recompute(year=YEAR).pk != first.pk  # force (the operator command) always computes
    ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(YEAR, 6, 1))
    assert progress_recompute(year=YEAR, force=False).pk != first.pk


def test_history_newest_first(year_data):
    ids = [progress_recompute(year=YEAR).pk for _ in range(3)]
    assert list(progress_history(year=YEAR).values_list("pk", flat=True)) == ids[::-1]
    assert snapshot_latest(year=YEAR).pk == ids[-1]
    assert not progress_history(year=YEAR + 5).exists()


def test_schema_rejects_a_malformed_payload(year_data):
    payload = progress_recompute(year=YEAR).payload
    validate_payload(payload)
    for mutate, path in [
        (lambda p: p["scopes"]["province"].pop("forecast"), "forecast"),
        (lambda p: p["scopes"]["dalian"]["achieved"].update(exhibitions="3"), "scopes/dalian/achieved/exhibitions"),
        (lambda p: p["scopes"]["province"]["by_month"].pop(), "by_month"),
        (lambda p: p["rules"].update(expected_basis="guess"), "rules/expected_basis"),
        (lambda p: p["scopes"]["province"]["percent"].update(exhibitions="high"), "percent"),
        (lambda p: p["scopes"].pop("province"), "province"),
    ]:
        broken = copy.deepcopy(payload)
        mutate(broken)
        with pytest.raises(ValidationError, match=path):
            validate_payload(broken)


def test_a_malformed_payload_is_never_saved(year_data, monkeypatch):
    from targets import progress

    real = progress.compute_payload

    def broken(**kwargs):
        payload, target = real(**kwargs)
        del payload["scopes"]["province"]["goal"]
        return payload, target

    monkeypatch.setattr(services, "compute_payload", broken)
    with pytest.raises(ValidationError, match="goal"):
        progress_recompute(year=YEAR)
    assert not ProgressSnapshot.objects.exists()


def test_pruning_keeps_seven_days_then_one_a_day(year_data):
    now = timezone.now()
    base = progress_recompute(year=YEAR).payload

    def snap(at):
        return ProgressSnapshot.objects.create(year=YEAR, computed_at=at, payload=base).pk

    ProgressSnapshot.objects.all().delete()
    day = dt.timedelta(days=1)
    old_day = timezone.localtime(now - 20 * day).replace(hour=9, minute=0, second=0, microsecond=0)
    old = [snap(old_day), snap(old_day + dt.timedelta(hours=3)), snap(old_day + dt.timedelta(hours=5))]
    other_old_day = [snap(old_day + 2 * day), snap(old_day + 2 * day + dt.timedelta(hours=1))]
    recent = [snap(now - 3 * day), snap(now - 3 * day + dt.timedelta(minutes=1)), snap(now - dt.timedelta(hours=1))]
    other_year = ProgressSnapshot.objects.create(year=YEAR - 1, computed_at=now - 30 * day, payload=base).pk

    assert progress_prune(now=now) == 3
    kept = set(ProgressSnapshot.objects.values_list("pk", flat=True))
    assert kept == {old[-1], other_old_day[-1], *recent, other_year}
    assert progress_prune(now=now) == 0  # idempotent


def test_command_prints_the_headline(year_data):
    out = io.StringIO()
    call_command("recompute_progress", "--year", str(YEAR), stdout=out)
    text = out.getvalue()
    snapshot = snapshot_latest(year=YEAR)
    assert f"{YEAR}: snapshot #{snapshot.pk}" in text
    assert "goal              10 exhibitions / 200,000 m²" in text
    assert "achieved          3 exhibitions / 60,000 m²" in text
    assert "percent           30.0% / 30.0%" in text
    assert "forecast = achieved + confirmed + planned × rate" in text

    ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(2033, 3, 1))  # a year with events only
    out = io.StringIO()
    call_command("recompute_progress", "--all", stdout=out)
    text = out.getvalue()
    assert f"{YEAR}:" in text and "2024:" in text and "2033:" in text  # 2024: the reference target

    with pytest.raises(Exception, match="between 2000 and 2100"):
        call_command("recompute_progress", "--year", "1999", stdout=io.StringIO())


def test_default_year_is_the_current_year_in_shanghai(year_data):
    out = io.StringIO()
    call_command("recompute_progress", stdout=out)
    assert out.getvalue().startswith(f"{timezone.localdate().year}: snapshot")


def _measure_queries(django_assert_num_queries, count: int, venue) -> None:
    Exhibition.objects.filter(start_date__year=YEAR).delete()
    Exhibition.objects.bulk_create(
        Exhibition(
            name_zh=f"展{i}",
            batch=batch("market"),
            city_id=venue.city_id,
            venue=venue,
            start_date=dt.date(YEAR, 1 + i % 12, 1 + i % 28),
            end_date=dt.date(YEAR, 1 + i % 12, 1 + i % 28),
            gross_area_m2=5_000 + 1_000 * (i % 20),
            status=("held", "confirmed", "planned", "cancelled")[i % 4],
            is_green=bool(i % 3),
        )
        for i in range(count)
    )
    Exhibition.objects.bulk_create(
        Exhibition(
            name_zh=f"旧{i}",
            batch=batch("market"),
            city_id=venue.city_id,
            venue=venue,
            start_date=dt.date(YEAR - 1, 1 + i % 12, 3),
            end_date=dt.date(YEAR - 1, 1 + i % 12, 3),
            gross_area_m2=12_000,
            status=("held", "cancelled")[i % 2],
        )
        for i in range(count)
    )
    from django.db import connection

    with django_assert_num_queries(RECOMPUTE_QUERIES[connection.vendor]):
        snapshot = progress_recompute(year=YEAR)
    assert snapshot.payload["scopes"]["province"]["pipeline"]["exhibitions"] == sum(
        1 for i in range(count) if i % 4 != 3 and 5_000 + 1_000 * (i % 20) >= 10_000
    )


# The savepoint + release (atomic inside pytest's transaction), the markers, the targets, cities (with
# allocations), batches and venues, the 4 aggregates and the insert; on PostgreSQL also the advisory lock.
RECOMPUTE_QUERIES = {"sqlite": 12, "postgresql": 13}


@pytest.mark.parametrize("count", [10, 200])
def test_recompute_query_count_is_independent_of_row_count(year_data, django_assert_num_queries, count):
    _measure_queries(django_assert_num_queries, count, year_data["venue"])


def test_progress_get_query_count(year_data, django_assert_num_queries):
    progress_recompute(year=YEAR)
    with django_assert_num_queries(1):  # the snapshot with the data version
        progress_get(year=YEAR, city_slug="dalian")


# --- requesting recomputes: after commit, idempotent, debounced -------------------------------------


def test_a_transaction_of_many_changes_recomputes_each_year_once(year_data, django_capture_on_commit_callbacks):
    progress_recompute(year=YEAR)
    before = ProgressSnapshot.objects.filter(year=YEAR).count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for i in range(50):
                ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(YEAR, 1 + i % 12, 2), status="held")
    assert len(callbacks) >= 50  # one per change: each is idempotent
    assert ProgressSnapshot.objects.filter(year=YEAR).count() == before + 1
    data = progress_get(year=YEAR)
    assert data["stale"] is False and data["achieved"]["exhibitions"] == 53


@pytest.mark.parametrize("change_after_it", [False, True])
def test_a_change_in_a_rolled_back_savepoint_requests_nothing(
    year_data, django_capture_on_commit_callbacks, change_after_it
):
    progress_recompute(year=YEAR)
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(YEAR, 7, 1))
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
            if change_after_it:  # a later change in the same transaction still requests its recompute
                ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(YEAR, 8, 1))
    assert bool(callbacks) is change_after_it


def test_eager_mode_recomputes_after_commit(year_data, django_capture_on_commit_callbacks):
    progress_recompute(year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        ExhibitionFactory(venue=year_data["venue"], start_date=dt.date(YEAR, 7, 1), status="held")
    data = progress_get(year=YEAR)
    assert data["stale"] is False and data["achieved"]["exhibitions"] == 4


@pytest.fixture
def broker_mode(monkeypatch, settings):
    """Not eager (as in production); publishing is recorded instead of sent, to count publishes."""
    published = []
    monkeypatch.setattr(services, "_broker_down_until", 0.0)
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)  # the namespaced key wins
    settings.EXPOPLAN_PROGRESS_DEBOUNCE_SECONDS = 10
    from targets.tasks import recompute_progress

    monkeypatch.setattr(recompute_progress, "apply_async", lambda args, countdown: published.append((args, countdown)))
    from django.core.cache import cache

    cache.clear()
    yield published
    cache.clear()


def test_a_burst_of_500_commits_publishes_once(year_data, broker_mode, django_capture_on_commit_callbacks):
    for i in range(500):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                Exhibition.objects.filter(pk=year_data["exhibitions"][i % 3].pk).first().save()
    assert broker_mode == [([YEAR], 10)]
    # The task releases the debounce key as it starts: the next change schedules the next run.
    services.progress_debounce_release(year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        year_data["exhibitions"][0].save()
    assert len(broker_mode) == 2


def test_marker_rows(year_data):
    marks = dict(ProgressDataMark.objects.values_list("year", "version"))
    assert marks[YEAR] >= 1 and marks[YEAR + 1] >= 1
    before = marks[YEAR]
    year_data["exhibitions"][0].save()
    assert ProgressDataMark.objects.get(year=YEAR).version == before + 1
