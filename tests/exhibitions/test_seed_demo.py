import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from exhibitions.models import Batch, Exhibition
from targets.models import Target

pytestmark = pytest.mark.django_db

FIELDS = [
    "external_ref", "name_zh", "name_en", "batch__code", "city__slug", "venue__slug", "start_date", "end_date",
    "gross_area_m2", "net_area_m2", "status", "is_outbound", "destination_country", "is_flagship",
    "is_international", "is_green", "is_digital", "exhibitors", "visitors",
]  # fmt: skip


def rows(year):
    return list(Exhibition.objects.in_year(year).order_by("external_ref").values_list(*FIELDS))


def seed(*args):
    call_command("seed_demo", *args, stdout=StringIO())


def test_same_seed_same_rows_and_rerun_replaces():
    seed("--year", "2025", "--count", "300", "--seed", "7", "--as-of", "2025-08-01")
    first = rows(2025)
    seed("--year", "2025", "--count", "300", "--seed", "7", "--as-of", "2025-08-01")
    assert rows(2025) == first
    assert len(first) == 300
    seed("--year", "2025", "--count", "300", "--seed", "8", "--as-of", "2025-08-01")
    assert rows(2025) != first
    assert Exhibition.objects.count() == 300


def test_covers_every_batch_and_status_and_is_realistic():
    seed("--year", "2025", "--count", "600", "--as-of", "2025-08-01")
    qs = Exhibition.objects.in_year(2025)
    assert set(qs.values_list("batch__code", flat=True)) == set(Batch.objects.values_list("code", flat=True))
    assert set(qs.values_list("status", flat=True)) == set(Exhibition.Status.values)
    assert qs.filter(is_flagship=True).exists()
    assert qs.filter(is_outbound=True, venue__isnull=True).exclude(destination_country="").exists()
    core = qs.filter(city__is_core=True).count()
    assert core > qs.count() * 0.4  # Shenyang/Dalian-heavy
    large = qs.filter(gross_area_m2__gte=10_000).count()
    assert 0.2 * qs.count() < large < 0.8 * qs.count()  # areas straddle the threshold
    spring_autumn = qs.filter(start_date__month__in=[4, 5, 9, 10]).count()
    winter = qs.filter(start_date__month__in=[1, 2]).count()
    assert spring_autumn > 3 * winter


def test_creates_a_demo_target_with_allocations_that_add_up():
    seed("--year", "2026", "--count", "50")
    target = Target.objects.get(year=2026)
    assert target.is_demo
    assert (target.exhibitions, target.gross_area_m2) == (270, 3_500_000)
    allocations = list(target.allocations.all())
    assert sum(a.exhibitions for a in allocations) == 270
    assert sum(a.gross_area_m2 for a in allocations) == 3_500_000
    assert len(allocations) == 15


def test_existing_target_is_kept():
    seed("--year", "2024", "--count", "20")
    target = Target.objects.get(year=2024)
    assert not target.is_demo and target.allocations.count() == 0


def test_if_empty_skips_when_data_exists():
    seed("--year", "2025", "--count", "10")
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--year", "2026", stdout=out)
    assert "not loaded" in out.getvalue()
    assert not Exhibition.objects.in_year(2026).exists()


def test_bad_arguments_are_clear():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--year"):
        call_command("seed_demo", "--year", "1800", stdout=StringIO())
    with pytest.raises(CommandError, match="--as-of"):
        call_command("seed_demo", "--as-of", "yesterday", stdout=StringIO())


def test_statuses_follow_the_as_of_date():
    seed("--year", "2025", "--count", "400", "--as-of", "2025-06-30")
    qs = Exhibition.objects.in_year(2025)
    assert not qs.filter(status="held", end_date__gte=dt.date(2025, 6, 30)).exists()
    assert not qs.filter(status="planned", start_date__lte=dt.date(2025, 6, 30)).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seeding_refreshes_progress_of_the_year():
    """seed_demo writes in bulk (no model signals) yet the year's snapshot follows it after commit."""
    from targets.rules import figure_rows
    from targets.selectors import progress_get

    seed("--year", "2026", "--count", "50", "--seed", "1", "--as-of", "2026-08-01")
    first = progress_get(year=2026)
    seed("--year", "2026", "--count", "200", "--seed", "2", "--as-of", "2026-08-01")
    progress = progress_get(year=2026)  # recomputed in-process (eager Celery) when the seed committed
    assert progress["snapshot_id"] != first["snapshot_id"]
    assert progress["stale"] is False
    achieved = figure_rows(2026, measure="achieved").count()
    assert achieved > first["achieved"]["exhibitions"]
    assert progress["achieved"]["exhibitions"] == achieved
