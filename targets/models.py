from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.querysets import ReferenceQuerySet

DEFAULT_LARGE_MIN_GROSS_AREA_M2 = 10_000  # MOFCOM: 展览面积在1万平方米以上
DEFAULT_PROFESSIONAL_VENUE_MIN_INDOOR_M2 = 5_000  # MOFCOM working definition / UFI


class Target(models.Model):
    """The province's goals for one year, with the thresholds the counting rules use."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    exhibitions = models.PositiveIntegerField(_("exhibitions goal"))
    gross_area_m2 = models.PositiveBigIntegerField(_("gross area goal (m²)"))
    large_min_gross_area_m2 = models.PositiveIntegerField(
        _("large-scale threshold (m²)"), default=DEFAULT_LARGE_MIN_GROSS_AREA_M2
    )
    professional_venue_min_indoor_m2 = models.PositiveIntegerField(
        _("professional venue minimum indoor area (m²)"), default=DEFAULT_PROFESSIONAL_VENUE_MIN_INDOOR_M2
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    wording = models.TextField(_("wording"), blank=True)
    source = models.TextField(_("source"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])  # who, when, before → after (as Exhibition)
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="target_year_range"),
            models.CheckConstraint(condition=Q(exhibitions__gte=0), name="target_exhibitions_non_negative"),
            models.CheckConstraint(condition=Q(gross_area_m2__gte=0), name="target_gross_area_non_negative"),
            models.CheckConstraint(
                condition=Q(large_min_gross_area_m2__gte=0), name="target_large_threshold_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(professional_venue_min_indoor_m2__gte=0), name="target_venue_threshold_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class CityAllocation(models.Model):
    """A city's share of the year's target."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="allocations")
    city = models.ForeignKey(
        "venues.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="allocations"
    )
    exhibitions = models.PositiveIntegerField(_("exhibitions goal"), default=0)
    gross_area_m2 = models.PositiveBigIntegerField(_("gross area goal (m²)"), default=0)

    history = HistoricalRecords()  # shown on the target's page
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["target", "city__sort_order"]
        verbose_name = _("city allocation")
        verbose_name_plural = _("city allocations")
        constraints = [
            models.UniqueConstraint(fields=["target", "city"], name="allocation_unique_target_city"),
            models.CheckConstraint(condition=Q(exhibitions__gte=0), name="allocation_exhibitions_non_negative"),
            models.CheckConstraint(condition=Q(gross_area_m2__gte=0), name="allocation_gross_area_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target.year} {self.city}"


class ProgressSnapshot(models.Model):
    """One recompute of a year's progress: the full breakdown (see `targets.schema`) as JSON.

    `watermark` is the latest data change the recompute saw (the newest `ProgressDataMark.changed_at`
    of its year and of the global marker); `data_version` is the matching counter, so `stale` is an
    exact integer comparison (`targets.selectors.progress_get`).
    """

    year = models.PositiveSmallIntegerField(_("year"))  # indexed by snapshot_year_computed_idx
    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    computed_at = models.DateTimeField(_("computed at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    watermark = models.DateTimeField(_("data watermark"), null=True, blank=True)
    data_version = models.PositiveBigIntegerField(_("data version"), default=0)
    payload = models.JSONField(_("payload"))

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = ["computed_at", "id"]
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        indexes = [models.Index(fields=["year", "-computed_at"], name="snapshot_year_computed_idx")]

    def __str__(self) -> str:
        return f"{self.year} @ {self.computed_at:%Y-%m-%d %H:%M:%S}"


class ProgressDataMark(models.Model):
    """A per-year "data changed" marker, bumped in the same transaction as the change (targets/signals.py).

    `year = 0` is the global marker (venues, batches, cities: a change there can move every year).
    A snapshot is stale when the sum of its year's and the global counters exceeds its `data_version`;
    deletions, bulk writes that call `progress_data_changed` and reference-data edits are all noticed.
    """

    GLOBAL = 0

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    version = models.PositiveBigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("progress data marker")
        verbose_name_plural = _("progress data markers")

    def __str__(self) -> str:
        return f"{self.year or 'global'} v{self.version}"
