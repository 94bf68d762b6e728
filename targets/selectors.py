"""Progress engine reads: the latest snapshot of a year, one scope of it, and the history.

Pages, the API and reports read figures only through these functions (SPEC §8: no per-request
aggregation); a snapshot is computed synchronously only when a year has none at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, TypedDict

from django.db.models import BigIntegerField, Max, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from targets.models import ProgressDataMark, ProgressSnapshot
from targets.services import MAX_YEAR, MIN_YEAR, progress_data_version, progress_recompute

PROVINCE = "province"


class UnknownScope(LookupError):
    """The city slug names no scope of the snapshot (not a City of the province)."""

    def __init__(self, city_slug: str | None):
        self.city_slug = city_slug
        super().__init__(f"unknown city: {city_slug!r}")


class SnapshotHead(TypedDict):
    id: int
    computed_at: datetime
    data_version: int
    stale: bool


def data_version_expression(*, year: int) -> Coalesce:
    """The current data version of `year` (its marker's counter plus the global one) as a subquery."""
    marks = (
        ProgressDataMark.objects.filter(year__in=[year, ProgressDataMark.GLOBAL])
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(total=Sum("version"))
        .values("total")
    )
    return Coalesce(Subquery(marks, output_field=BigIntegerField()), Value(0))


class DataState(NamedTuple):
    """Every year's and the global data-change counter summed, and the latest change's time."""

    total: int
    changed_at: datetime | None


def data_state() -> DataState:
    """What changes with every change of an exhibition (any year), a venue, a batch, a city or a target,
    and only then (one query): a cache key part. With the latest change's time in it, a database restored
    or seeded again does not repeat an earlier state."""
    marks = ProgressDataMark.objects.aggregate(total=Coalesce(Sum("version"), 0), changed_at=Max("changed_at"))
    return DataState(marks["total"], marks["changed_at"])


def snapshot_latest(*, year: int) -> ProgressSnapshot | None:
    """The newest snapshot of `year` (with its `current_version` annotated), or None."""
    return (
        ProgressSnapshot.objects.filter(year=year)
        .annotate(current_version=data_version_expression(year=year))
        .order_by("-computed_at", "-id")
        .first()
    )


def snapshot_head(*, year: int) -> SnapshotHead | None:
    """id, computed_at and freshness of the latest snapshot of `year`, without its payload (one query
    on the year/computed_at index)."""
    row = (
        ProgressSnapshot.objects.filter(year=year)
        .annotate(current_version=data_version_expression(year=year))
        .order_by("-computed_at", "-id")
        .values("id", "computed_at", "data_version", "current_version")
        .first()
    )
    if row is None:
        return None
    return {
        "id": row["id"],
        "computed_at": row["computed_at"],
        "data_version": row["data_version"],
        "stale": row["current_version"] > row["data_version"],
    }


def snapshot_get(*, year: int, snapshot_id: int | None = None) -> ProgressSnapshot:
    """Snapshot `snapshot_id` of `year`, or the latest one (computed now when the year has none).

    Raises ProgressSnapshot.DoesNotExist for an unknown snapshot id; ValueError for a year outside
    2000–2100.
    """
    if snapshot_id is not None:
        return (
            ProgressSnapshot.objects.annotate(current_version=data_version_expression(year=year))
            .filter(year=year)
            .get(pk=snapshot_id)
        )
    snapshot = snapshot_latest(year=year)
    if snapshot is None:
        computed = progress_recompute(year=year, force=False)
        snapshot = snapshot_latest(year=year) or computed
    return snapshot


def snapshot_is_stale(snapshot: ProgressSnapshot) -> bool:
    """True when exhibitions, venues, targets or allocations changed after the snapshot read them."""
    current = getattr(snapshot, "current_version", None)
    if current is None:
        current, _watermark = progress_data_version(year=snapshot.year)
    return current > snapshot.data_version


def progress_history(*, year: int) -> QuerySet[ProgressSnapshot]:
    """Every kept snapshot of `year`, newest first (pruned: all of the last 7 days, then one a day)."""
    return ProgressSnapshot.objects.filter(year=year).select_related("target").order_by("-computed_at", "-id")


def progress_get(*, year: int, city_slug: str | None = None, snapshot: ProgressSnapshot | None = None) -> dict | None:
    """One scope (the province, or a city by slug) of `snapshot`, or of the latest snapshot of `year`.

    Returns ``{"snapshot_id", "year", "scope", "computed_at", "stale", "rules", **SCOPE}``; computes a
    snapshot synchronously when the year has none; None when `year` is outside 2000–2100.
    Raises UnknownScope for a city slug that is not in the snapshot.
    """
    try:
        year = int(year)
    except (TypeError, ValueError):
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if snapshot is None:
        snapshot = snapshot_get(year=year)
    scope = snapshot.payload["scopes"].get(city_slug or PROVINCE)
    if scope is None or city_slug == PROVINCE:
        raise UnknownScope(city_slug)
    return {
        "snapshot_id": snapshot.pk,
        "year": snapshot.year,
        "computed_at": snapshot.payload["computed_at"],
        "stale": snapshot_is_stale(snapshot),
        "rules": snapshot.payload["rules"],
        **scope,
    }
