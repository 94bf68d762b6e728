"""Keep progress fresh: every model change marks the affected years changed (same transaction) and
requests a recompute after commit. Bulk writes bypass these signals and call
`targets.services.progress_data_changed(years=...)` themselves (e.g. seed_demo).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from exhibitions.models import Batch, Exhibition
from targets.models import CityAllocation, ProgressDataMark, Target
from venues.models import City, Venue

LOADED_YEAR = "_progress_loaded_year"


def _remember_year(sender, instance, **kwargs) -> None:
    """The start year an exhibition had when loaded, so moving it to another year refreshes both."""
    start = instance.__dict__.get("start_date")  # never triggers a query for a deferred field
    instance.__dict__[LOADED_YEAR] = start.year if start is not None and instance.pk is not None else None


def _years_of(instance) -> set[int]:
    years = set()
    start = instance.__dict__.get("start_date")
    if start is not None:
        years.add(start.year)
    loaded = instance.__dict__.get(LOADED_YEAR)
    if loaded is not None:
        years.add(loaded)
    return years


def _changed(years: set[int], *, request: set[int]) -> None:
    from targets.services import progress_mark_changed, progress_request_recompute

    progress_mark_changed(years=years)
    for year in sorted(request):
        progress_request_recompute(year=year)


def exhibition_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata
        return
    years = _years_of(instance)
    # year + 1: its previous-year figures, expected-to-date weights and forecast rate move too.
    _changed(years | {y + 1 for y in years}, request=years)
    start = instance.__dict__.get("start_date")
    instance.__dict__[LOADED_YEAR] = start.year if start is not None else None


def target_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    if isinstance(instance, Target):
        # A target moved to another year leaves its old year without goals: both years change.
        years = {y for y in (instance.year, instance.__dict__.get(LOADED_YEAR)) if y is not None}
        instance.__dict__[LOADED_YEAR] = instance.year
    else:
        try:
            years = {instance.target.year}
        except Target.DoesNotExist:
            return
    _changed(years | {y + 1 for y in years}, request=years)


def _remember_target_year(sender, instance, **kwargs) -> None:
    """The year a target had when loaded, so moving it to another year refreshes both."""
    year = instance.__dict__.get("year")  # never triggers a query for a deferred field
    instance.__dict__[LOADED_YEAR] = year if instance.pk is not None else None


def reference_changed(sender, instance, raw=False, **kwargs) -> None:
    """Venues, batches and cities can move every year's figures: bump the global marker."""
    if raw:
        return
    _changed({ProgressDataMark.GLOBAL}, request={timezone.localdate().year})


def connect() -> None:
    post_init.connect(_remember_year, sender=Exhibition, dispatch_uid="progress_exhibition_init")
    post_save.connect(exhibition_changed, sender=Exhibition, dispatch_uid="progress_exhibition_save")
    post_delete.connect(exhibition_changed, sender=Exhibition, dispatch_uid="progress_exhibition_delete")
    post_init.connect(_remember_target_year, sender=Target, dispatch_uid="progress_target_init")
    for model in (Target, CityAllocation):
        post_save.connect(target_changed, sender=model, dispatch_uid=f"progress_{model.__name__}_save")
        post_delete.connect(target_changed, sender=model, dispatch_uid=f"progress_{model.__name__}_delete")
    for model in (Venue, Batch, City):
        post_save.connect(reference_changed, sender=model, dispatch_uid=f"progress_{model.__name__}_save")
        post_delete.connect(reference_changed, sender=model, dispatch_uid=f"progress_{model.__name__}_delete")
