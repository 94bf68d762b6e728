"""Progress engine writes: recompute, request a recompute, mark data changed, prune history.

Freshness works like this (docs/progress-engine.md):
1. Every change to exhibitions, venues, batches, cities, targets or allocations bumps a per-year
   counter (`ProgressDataMark`) in the same transaction (targets/signals.py). Bulk writes that bypass
   model signals (bulk_create, raw SQL, queryset.update) call `progress_data_changed(years=...)`.
2. After commit, `progress_request_recompute` publishes the Celery task, debounced per year: the first
   change of a burst sets a cache key and schedules the task `countdown` seconds later; later changes
   see the key and do nothing; the task deletes the key as it starts.
3. Publishing has a short timeout; a failure is logged and never reaches the user. Nothing is lost:
   the snapshot keeps the counter it saw, so the periodic run (`progress_recompute_stale`, every 15
   minutes) finds every year whose counter moved and recomputes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.roles import ADD, CHANGE
from core.writes import history_by, require
from targets.locking import lock_year
from targets.models import CityAllocation, ProgressDataMark, ProgressSnapshot, Target
from targets.progress import compute_payload, read_inputs
from targets.schema import validate_payload

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger("expoplan.progress")

MIN_YEAR, MAX_YEAR = 2000, 2100
DEBOUNCE_KEY = "expoplan:progress:debounce:{year}"
BROKER_DOWN_KEY = "expoplan:progress:broker-down"
BROKER_DOWN_BACKOFF_SECONDS = 30
KEEP_ALL_DAYS = 7
# After a failed publish, this process (and, through the cache, every process) skips publishing for
# BROKER_DOWN_BACKOFF_SECONDS: a broker outage costs at most one short timeout per process per window.
_broker_down_until = 0.0


def _debounce_seconds() -> int:
    return int(getattr(settings, "EXPOPLAN_PROGRESS_DEBOUNCE_SECONDS", 10))


# --- data-changed markers ---------------------------------------------------------------------------


def progress_data_version(*, year: int) -> tuple[int, datetime | None]:
    """(counter, watermark) of `year`: its marker plus the global one (one query)."""
    rows = list(
        ProgressDataMark.objects.filter(year__in=[year, ProgressDataMark.GLOBAL]).values_list("version", "changed_at")
    )
    version = sum(v for v, _ in rows)
    watermark = max((at for _, at in rows), default=None)
    return version, watermark


def progress_mark_changed(*, years: Iterable[int]) -> None:
    """Bump the markers of `years` (0 = every year) inside the caller's transaction."""
    years = sorted({int(y) for y in years})
    if not years:
        return
    now = timezone.now()
    bump = {"version": F("version") + 1, "changed_at": now}
    updated = ProgressDataMark.objects.filter(year__in=years).update(**bump)
    if updated == len(years):
        return
    existing = set(ProgressDataMark.objects.filter(year__in=years).values_list("year", flat=True))
    for year in years:
        if year in existing:
            continue
        try:
            with transaction.atomic():
                ProgressDataMark.objects.create(year=year, version=1, changed_at=now)
        except IntegrityError:  # created concurrently: bump it instead
            ProgressDataMark.objects.filter(year=year).update(**bump)


def progress_data_changed(*, years: Iterable[int]) -> None:
    """For bulk writes that bypass model signals (seed_demo, raw SQL): mark `years` changed (and each
    following year, whose previous-year figures move) and request their recompute after commit."""
    years = {int(y) for y in years}
    progress_mark_changed(years=years | {y + 1 for y in years})
    for year in sorted(years):
        progress_request_recompute(year=year)


# --- recompute ----------------------------------------------------------------------------------------


def progress_recompute(*, year: int, force: bool = True, as_of: date | None = None) -> ProgressSnapshot:
    """Compute and save a snapshot of `year` now (single-flight per year on PostgreSQL).

    With `force=False` (the Celery task), an existing snapshot that already saw the current data and
    the same `as_of` day is returned instead of computing again: two workers racing on one year
    produce one snapshot, and a duplicated task delivery is harmless.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}, not {year}")
    started = time.perf_counter()
    with transaction.atomic():
        lock_year(year, synchronous_commit=False)
        computed_at = timezone.now()
        as_of = as_of or timezone.localdate(computed_at)
        if not force:
            version, _watermark = progress_data_version(year=year)
            latest = ProgressSnapshot.objects.filter(year=year).order_by("-computed_at", "-id").first()
            if (
                latest is not None
                and latest.data_version == version
                and latest.payload.get("rules", {}).get("as_of") == as_of.isoformat()
            ):
                return latest
        inputs = read_inputs(year)
        payload, _ = compute_payload(year=year, as_of=as_of, computed_at=computed_at, inputs=inputs)
        validate_payload(payload)
        snapshot = ProgressSnapshot.objects.create(
            year=year,
            target_id=inputs.target.id if inputs.target else None,
            computed_at=computed_at,
            duration_ms=round((time.perf_counter() - started) * 1000),
            watermark=inputs.watermark,
            data_version=inputs.version,
            payload=payload,
        )
    logger.info("progress %s recomputed in %d ms (data version %d)", year, snapshot.duration_ms, inputs.version)
    return snapshot


def progress_years() -> list[int]:
    """Years with a Target, a snapshot or a data marker (the candidates of the periodic run)."""
    years = set(Target.objects.values_list("year", flat=True))
    years |= set(ProgressSnapshot.objects.values_list("year", flat=True).distinct())
    years |= set(ProgressDataMark.objects.exclude(year=ProgressDataMark.GLOBAL).values_list("year", flat=True))
    return sorted(y for y in years if MIN_YEAR <= y <= MAX_YEAR)


def progress_stale_years() -> list[int]:
    """Years whose data changed after their latest snapshot (or that have none yet)."""
    marks = dict(ProgressDataMark.objects.values_list("year", "version"))
    global_version = marks.get(ProgressDataMark.GLOBAL, 0)
    seen = dict(ProgressSnapshot.objects.values("year").annotate(v=Max("data_version")).values_list("year", "v"))
    return [y for y in progress_years() if y not in seen or marks.get(y, 0) + global_version > seen[y]]


def progress_recompute_stale() -> list[int]:
    """The periodic catch-up: recompute every stale year (nothing is lost while the broker was down)."""
    years = progress_stale_years()
    for year in years:
        progress_recompute(year=year, force=False)
    return years


# --- requesting a recompute ----------------------------------------------------------------------------


def progress_request_recompute(*, year: int) -> None:
    """Recompute `year` after the current transaction commits. Never raises into the caller.

    Each change registers its own callback (Django's `transaction.on_commit`, which drops the callbacks
    of a rolled-back savepoint), and the callbacks are idempotent: the first of a burst publishes the
    debounced task; the others find the debounce key and do nothing (or, in-process, find the
    snapshot already up to date).
    """
    try:
        year = int(year)
        if not MIN_YEAR <= year <= MAX_YEAR:
            return
        transaction.on_commit(partial(_enqueue, year), robust=True)
    except Exception:  # a progress request must never fail a user's write
        logger.exception("progress %s: could not register the recompute request", year)


def _enqueue(year: int) -> None:
    """Publish recompute_progress(year), debounced; a broker outage is logged, not raised."""
    from targets.tasks import recompute_progress

    if recompute_progress.app.conf.task_always_eager:  # development and tests: in-process, no debounce
        try:
            recompute_progress.apply(args=[year], throw=False)
        except Exception:
            logger.exception("progress %s: in-process recompute failed", year)
        return
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.warning("progress %s: broker recently unreachable; the periodic run will catch up", year)
        return
    countdown = _debounce_seconds()
    key = DEBOUNCE_KEY.format(year=year)
    try:
        if cache.get(BROKER_DOWN_KEY):
            logger.warning("progress %s: broker recently unreachable; the periodic run will catch up", year)
            return
        # True: this call schedules; False: a recompute is already scheduled and will see this change;
        # None: the cache is unreachable (it fails open, settings CACHES): publish without debounce.
        if cache.add(key, timezone.now().isoformat(), timeout=countdown + 300) is False:
            return
    except Exception:  # Redis (cache and broker) down: back off in this process too
        logger.warning("progress %s: cache unreachable; publishing without debounce", year, exc_info=True)
    try:
        recompute_progress.apply_async(args=[year], countdown=countdown)
    except Exception:
        logger.warning(
            "progress %s: could not publish the recompute (broker down?); the periodic run will catch up",
            year,
            exc_info=True,
        )
        _broker_down_until = time.monotonic() + BROKER_DOWN_BACKOFF_SECONDS
        try:
            cache.delete(key)
            cache.set(BROKER_DOWN_KEY, 1, timeout=BROKER_DOWN_BACKOFF_SECONDS)
        except Exception:
            pass


def progress_debounce_release(*, year: int) -> None:
    """Called by the task as it starts: changes from now on schedule the next run."""
    try:
        cache.delete(DEBOUNCE_KEY.format(year=year))
    except Exception:
        logger.warning("progress %s: cache unreachable while releasing the debounce key", year)


# --- history ------------------------------------------------------------------------------------------


def progress_prune(*, now: datetime | None = None) -> int:
    """Keep every snapshot of the last 7 days and, before that, the latest one of each (year, local day).

    The latest snapshot of every year is always kept. Returns the number of snapshots deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=KEEP_ALL_DAYS)
    old = ProgressSnapshot.objects.filter(computed_at__lt=cutoff)
    keep = set(
        old.annotate(day=TruncDate("computed_at", tzinfo=timezone.get_current_timezone()))
        .values("year", "day")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    keep |= set(ProgressSnapshot.objects.values("year").annotate(last=Max("id")).values_list("last", flat=True))
    deleted, _ = old.exclude(id__in=keep).delete()
    if deleted:
        logger.info("progress history pruned: %d snapshots deleted", deleted)
    return deleted


# --- targets and their city allocations ---------------------------------------------------------------

TARGET_FIELDS = (
    "year",
    "exhibitions",
    "gross_area_m2",
    "large_min_gross_area_m2",
    "professional_venue_min_indoor_m2",
    "is_demo",
    "wording",
    "source",
)
ALLOCATION_FIELDS = ("city", "exhibitions", "gross_area_m2")


def target_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    allocations: Sequence[Mapping[str, Any]] | None,
    target: Target | None = None,
) -> Target:
    """Create (`target` None) or change a year's Target with `data` (field names → values) and, unless
    `allocations` is None, replace its city allocations with `allocations` (each {"city": City,
    "exhibitions": int, "gross_area_m2": int}; a city left out loses its allocation).

    The one write path of targets: the targets page and the API call it. Atomic. Bad data raises
    ValidationError keyed by field name, an allocation's under "allocations.<index>.<field>" with a
    message naming the city; nothing is written. The scope (`Target.objects.for_user(actor, action)`:
    provincial staff) is checked before and again inside the transaction after the save, which is
    rolled back when the saved target is outside it. Progress recompute requests follow from the model
    signals (targets/signals.py).
    """
    from django.utils.translation import gettext as _

    unknown = sorted(set(data) - set(TARGET_FIELDS))
    unknown += [
        f"allocations.{index}.{name}"
        for index, item in enumerate(allocations or ())
        for name in sorted(set(item) - set(ALLOCATION_FIELDS))
    ]
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    pk = target.pk if target is not None else None
    action = CHANGE if pk else ADD
    with transaction.atomic():
        require(actor=actor, model=Target, action=action, pk=pk)
        # The stored row, locked: the caller's instance may carry a form's unsaved changes.
        target = Target.objects.select_for_update().get(pk=pk) if pk else Target()
        for name, value in data.items():
            setattr(target, name, value)
        errors: dict[str, list[ValidationError]] = {}
        try:
            target.full_clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        rows = _allocation_rows(target, allocations, errors) if allocations is not None else None
        if errors:
            raise ValidationError(errors)
        history_by(target, actor)
        target.save()
        if rows is not None:
            kept = [allocation.pk for allocation, _changed in rows if allocation.pk]
            # One by one (at most one per city), so that each deletion's history names the actor.
            for dropped in CityAllocation.objects.filter(target=target).exclude(pk__in=kept):
                history_by(dropped, actor)
                dropped.delete()
            for allocation, changed in rows:
                if changed:
                    allocation.target = target
                    history_by(allocation, actor)
                    allocation.save()
        require(actor=actor, model=Target, action=action, pk=target.pk)
    return target


def _allocation_rows(
    target: Target, allocations: Sequence[Mapping[str, Any]], errors: dict[str, list[ValidationError]]
) -> list[tuple[CityAllocation, bool]]:
    """The allocations to keep, as (row, changed), each validated; problems are added to `errors`."""
    from django.utils.translation import gettext as _

    existing = {a.city_id: a for a in CityAllocation.objects.filter(target_id=target.pk)} if target.pk else {}
    rows: list[tuple[CityAllocation, bool]] = []
    seen: set[int] = set()
    for index, item in enumerate(allocations):
        city = item.get("city")
        if city is not None and city.pk in seen:
            errors.setdefault(f"allocations.{index}.city", []).append(
                ValidationError(_("City %(city)s is allocated twice.") % {"city": city.slug}, code="duplicate")
            )
            continue
        allocation = existing.get(city.pk) if city is not None else None
        allocation = allocation or CityAllocation(target_id=target.pk)
        before = (allocation.exhibitions, allocation.gross_area_m2)
        for name, value in item.items():
            setattr(allocation, name, value)
        try:
            # The target may be new (saved after validation); a given city is a loaded row.
            allocation.full_clean(exclude=["target", *(["city"] if city is not None else [])])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                key = f"allocations.{index}" + ("" if name == "__all__" else f".{name}")
                errors.setdefault(key, []).extend(ValidationError(f"{city or '—'}: {m}") for m in messages)
            continue
        if city is not None:
            seen.add(city.pk)
        changed = allocation.pk is None or before != (allocation.exhibitions, allocation.gross_area_m2)
        rows.append((allocation, changed))
    return rows
