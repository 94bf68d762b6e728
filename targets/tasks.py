"""Celery tasks of the progress engine: thin wrappers around targets.services.

Schedule (config/celery.py `beat_schedule`): `recompute_stale_progress` every 15 minutes,
`recompute_current_year_progress` nightly at 01:05 Asia/Shanghai (also prunes the history).
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from targets import services

DB_ERRORS = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": DB_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="targets.recompute_progress", acks_late=True, soft_time_limit=240, time_limit=300, **RETRY)
def recompute_progress(year: int) -> int:
    """Recompute `year` unless the latest snapshot already saw the current data (idempotent)."""
    services.progress_debounce_release(year=year)
    return services.progress_recompute(year=int(year), force=False).pk


@shared_task(name="targets.recompute_stale_progress", acks_late=True, soft_time_limit=840, time_limit=880, **RETRY)
def recompute_stale_progress() -> list[int]:
    """Every year whose data changed since its latest snapshot (the catch-up after a broker outage)."""
    return services.progress_recompute_stale()


@shared_task(
    name="targets.recompute_current_year_progress", acks_late=True, soft_time_limit=600, time_limit=660, **RETRY
)
def recompute_current_year_progress() -> int:
    """Nightly: the current year (expected-to-date moves with the calendar), then prune the history."""
    snapshot = services.progress_recompute(year=timezone.localdate().year, force=False)
    services.progress_prune()
    return snapshot.pk
