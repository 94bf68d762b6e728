"""Targets (with city allocations) and the progress payload (SPEC §6), every field documented.

The progress serializers describe the response for the OpenAPI schema; the view returns the keys of
`targets.selectors.progress_get()` unchanged (the snapshot is the single source of the figures).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import INT32_MAX, INT64_MAX
from targets.models import CityAllocation, Target
from venues.models import City


class AllocationSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", queryset=City.objects.all(), help_text=_("City slug."))
    exhibitions = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, help_text=_("The city's goal: number of counted exhibitions.")
    )
    gross_area_m2 = serializers.IntegerField(
        min_value=0, max_value=INT64_MAX, help_text=_("The city's goal: total gross area of counted exhibitions, m².")
    )

    class Meta:
        model = CityAllocation
        fields = ["city", "exhibitions", "gross_area_m2"]
        validators: list = []


class TargetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("The year these goals are for."))
    exhibitions = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, help_text=_("Province goal: number of counted exhibitions.")
    )
    gross_area_m2 = serializers.IntegerField(
        min_value=0, max_value=INT64_MAX, help_text=_("Province goal: total gross area of counted exhibitions, m².")
    )
    large_min_gross_area_m2 = serializers.IntegerField(
        min_value=0,
        max_value=INT32_MAX,
        required=False,
        help_text=_("Counting rule 5: an exhibition counts from this gross area on (default 10,000 m²)."),
    )
    professional_venue_min_indoor_m2 = serializers.IntegerField(
        min_value=0,
        max_value=INT32_MAX,
        required=False,
        help_text=_("Indoor area from which a venue qualifies as professional (default 5,000 m²)."),
    )
    allocations = AllocationSerializer(
        many=True,
        required=False,
        help_text=_("Goals per city (a city without one has goal 0). On write, replaces the list when given."),
    )
    is_demo = serializers.BooleanField(read_only=True, help_text=_("Demonstration data, not an official target."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("Last change of the target row."))

    class Meta:
        model = Target
        fields = [
            "year",
            "exhibitions",
            "gross_area_m2",
            "large_min_gross_area_m2",
            "professional_venue_min_indoor_m2",
            "allocations",
            "is_demo",
            "updated_at",
        ]
        validators: list = []

    def validate_allocations(self, value: list[dict]) -> list[dict]:
        seen: set[str] = set()
        for item in value:
            slug = item["city"].slug
            if slug in seen:
                raise serializers.ValidationError(_("City %(city)s is allocated twice.") % {"city": slug})
            seen.add(slug)
        return value


# --- progress (response documentation) ---------------------------------------------------------------
class MeasureSerializer(serializers.Serializer):
    exhibitions = serializers.IntegerField(help_text=_("Number of counted exhibitions."))
    gross_area_m2 = serializers.IntegerField(help_text=_("Their total gross area, m²."))


class PercentSerializer(serializers.Serializer):
    exhibitions = serializers.FloatField(allow_null=True, help_text=_("achieved ÷ goal × 100, 1 decimal; null if 0."))
    gross_area_m2 = serializers.FloatField(allow_null=True, help_text=_("achieved ÷ goal × 100, 1 decimal; null if 0."))


class RulesSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Year the rules apply to."))
    large_min_gross_area_m2 = serializers.IntegerField(help_text=_("Gross area from which an exhibition counts, m²."))
    professional_venue_min_indoor_m2 = serializers.IntegerField(help_text=_("Professional venue indoor minimum, m²."))
    as_of = serializers.DateField(help_text=_("Date (Asia/Shanghai) expected_to_date refers to."))
    expected_basis = serializers.ChoiceField(
        choices=["previous_year_monthly", "linear"],
        help_text=_("How the goal is spread over the year for expected_to_date."),
    )
    forecast_conversion_rate = serializers.FloatField(
        help_text=_("Share of the previous year's planned events that were held (1.0 without data).")
    )
    forecast_formula = serializers.CharField(help_text=_("How forecast is computed, in words."))


class ByCitySerializer(serializers.Serializer):
    city = serializers.SlugField(help_text=_("City slug."))
    goal = MeasureSerializer(help_text=_("The city's allocation (0 when none)."))
    achieved = MeasureSerializer(help_text=_("Counted events held."))
    committed = MeasureSerializer(help_text=_("Counted events held or confirmed."))
    pipeline = MeasureSerializer(help_text=_("Counted events held, confirmed or planned."))
    percent = PercentSerializer(help_text=_("achieved ÷ goal × 100."))


class ByBatchSerializer(serializers.Serializer):
    batch = serializers.SlugField(help_text=_("Batch code (the conference row is always 0)."))
    achieved = MeasureSerializer(help_text=_("Counted events held."))
    committed = MeasureSerializer(help_text=_("Counted events held or confirmed."))
    pipeline = MeasureSerializer(help_text=_("Counted events held, confirmed or planned."))


class ByMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12, help_text=_("Month of the start date, 1–12."))
    achieved = MeasureSerializer(help_text=_("Counted events held that month."))
    committed = MeasureSerializer(help_text=_("Counted events held or confirmed that month."))
    pipeline = MeasureSerializer(help_text=_("Counted events held, confirmed or planned that month."))
    plan_cumulative = MeasureSerializer(help_text=_("The goal expected by the end of this month (cumulative)."))


class OtherSerializer(serializers.Serializer):
    conferences = serializers.IntegerField(help_text=_("Conferences starting in the year (not cancelled)."))
    outbound = serializers.IntegerField(help_text=_("Outbound exhibitions."))
    international = serializers.IntegerField(help_text=_("International events."))
    green = serializers.IntegerField(help_text=_("Green events."))
    digital = serializers.IntegerField(help_text=_("Digital events."))
    flagship = serializers.IntegerField(help_text=_("Flagship events."))


class ProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The year."))
    scope = serializers.CharField(help_text=_("province, or the city slug asked for."))
    computed_at = serializers.DateTimeField(help_text=_("When the snapshot was computed."))
    stale = serializers.BooleanField(help_text=_("Data changed since; a recompute is queued or running."))
    rules = RulesSerializer(help_text=_("The counting rules and forecast basis of the snapshot."))
    goal = MeasureSerializer(help_text=_("The goal of the scope (province target or city allocation)."))
    achieved = MeasureSerializer(help_text=_("Counted events held."))
    committed = MeasureSerializer(help_text=_("Counted events held or confirmed."))
    pipeline = MeasureSerializer(help_text=_("Counted events held, confirmed or planned."))
    expected_to_date = MeasureSerializer(help_text=_("Share of the goal expected by rules.as_of."))
    forecast = MeasureSerializer(help_text=_("Year-end forecast: achieved + confirmed + planned × rate."))
    by_city = ByCitySerializer(many=True, help_text=_("Province: every city; a city scope: just that city."))
    by_batch = ByBatchSerializer(many=True, help_text=_("All four batches."))
    by_month = ByMonthSerializer(many=True, help_text=_("Months 1–12 of the start date."))
    other = OtherSerializer(help_text=_("Counts besides the goals (status not cancelled)."))


PROGRESS_KEYS: tuple[str, ...] = tuple(ProgressSerializer().fields)


class WholeNumberField(serializers.IntegerField):
    """Digits only: DRF's IntegerField also reads `year=2026.0` as 2026 (the exhibition filters refuse it too)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", data):
            self.fail("invalid")
        return super().to_internal_value(data)


class ProgressQuerySerializer(serializers.Serializer):
    year = WholeNumberField(
        min_value=2000, max_value=2100, required=False, help_text=_("Year (default: this year, Asia/Shanghai).")
    )
    city = serializers.SlugField(max_length=50, required=False, help_text=_("City slug; omit for the province."))


class ProgressHistoryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Snapshot id."))
    year = serializers.IntegerField(help_text=_("The year."))
    scope = serializers.CharField(help_text=_("province, or the city slug asked for."))
    computed_at = serializers.DateTimeField(help_text=_("When the snapshot was computed."))
    duration_ms = serializers.IntegerField(help_text=_("How long the computation took, ms."))
    goal = MeasureSerializer(help_text=_("The goal of the scope."))
    achieved = MeasureSerializer(help_text=_("Counted events held."))
    committed = MeasureSerializer(help_text=_("Counted events held or confirmed."))
    pipeline = MeasureSerializer(help_text=_("Counted events held, confirmed or planned."))
    expected_to_date = MeasureSerializer(help_text=_("Share of the goal expected by then."))
    forecast = MeasureSerializer(help_text=_("Year-end forecast then."))


HISTORY_KEYS: tuple[str, ...] = tuple(ProgressHistoryItemSerializer().fields)


class ProgressHistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Number of snapshots in the series."))
    next = serializers.URLField(allow_null=True, help_text=_("URL of the next page, or null."))
    previous = serializers.URLField(allow_null=True, help_text=_("URL of the previous page, or null."))
    results = ProgressHistoryItemSerializer(many=True, help_text=_("Snapshots, newest first."))
