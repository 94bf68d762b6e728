"""Progress engine reads: the latest snapshot of a year, one scope of it, and the history.

Pages, the API and reports read figures only through these functions (SPEC §8: no per-request
aggregation); a snapshot is computed synchronously only when a year has none at all.
"""

from __future__ import annotations

from django.db.models import QuerySet

from targets.models import ProgressSnapshot

PROVINCE = "province"


class UnknownScope(LookupError):
    """The city slug names no scope of the snapshot (not a City of the province)."""

    def __init__(self, city_slug: str):
        self.city_slug = city_slug
        super().__init__(f"unknown city: {city_slug!r}")


def snapshot_latest(*, year: int) -> ProgressSnapshot | None:
    """The newest snapshot of `year`, or None."""
    return ProgressSnapshot.objects.filter(year=year).order_by("-computed_at", "-id").first()


def progress_history(*, year: int) -> QuerySet[ProgressSnapshot]:
    """Every kept snapshot of `year`, newest first (pruned: all of the last 7 days, then one a day)."""
    return ProgressSnapshot.objects.filter(year=year).select_related("target").order_by("-computed_at", "-id")


def snapshot_is_stale(snapshot: ProgressSnapshot) -> bool:
    """True when exhibitions, venues, targets or allocations changed after the snapshot read them."""
    from targets.services import progress_data_version

    version, _watermark = progress_data_version(year=snapshot.year)
    return version > snapshot.data_version


def progress_get(*, year: int, city_slug: str | None = None) -> dict | None:
    """One scope (the province, or a city by slug) of the latest snapshot of `year`.

    Returns ``{"snapshot_id", "year", "scope", "computed_at", "stale", "rules", **SCOPE}``; computes a
    snapshot synchronously when the year has none; None when `year` is outside 2000–2100.
    Raises UnknownScope for a city slug that is not in the snapshot.
    """
    from targets.services import MAX_YEAR, MIN_YEAR, progress_recompute

    try:
        year = int(year)
    except (TypeError, ValueError):
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    snapshot = snapshot_latest(year=year)
    if snapshot is None:
        snapshot = progress_recompute(year=year, force=False)
    scope_name = city_slug or PROVINCE
    scope = snapshot.payload["scopes"].get(scope_name)
    if scope is None or (city_slug is not None and city_slug == PROVINCE):
        raise UnknownScope(city_slug)
    return {
        "snapshot_id": snapshot.pk,
        "year": snapshot.year,
        "computed_at": snapshot.payload["computed_at"],
        "stale": snapshot_is_stale(snapshot),
        "rules": snapshot.payload["rules"],
        **scope,
    }
