"""FilterSets shared by the HTML exhibition list, its exports and the API (one set of names)."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from exhibitions.models import Batch, Exhibition
from venues.models import City, Venue


class WholeNumberField(forms.IntegerField):
    """Digits only: Django's IntegerField also reads `2026.0` as 2026, which a typed client never sends."""

    digits = re.compile(r"\s*[+-]?\d+\s*")

    def to_python(self, value):
        if value not in self.empty_values and not self.digits.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: `year=2024.5` and `year=2026.0` are refused with a message naming the filter.

    Documented as an integer with its bounds (a NumberFilter alone is documented as a `number`).
    """

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = {"type": "integer", "description": self.label}
        bounds = {"minimum": self.extra.get("min_value"), "maximum": self.extra.get("max_value")}
        extend_schema_field(schema | {key: value for key, value in bounds.items() if value is not None})(self)


class ExhibitionFilterSet(django_filters.FilterSet):
    # The multiple-choice filters below follow many-to-one relations or plain columns, so they cannot
    # repeat a row: distinct=False spares every list, count and export a SELECT DISTINCT over the
    # whole row (django-filter's default, meant for to-many relations; it made a filtered page 3× slower).
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    year = IntegerFilter(field_name="start_date", lookup_expr="year", label=_("Year"), min_value=2000, max_value=2100)
    month = IntegerFilter(field_name="start_date", lookup_expr="month", label=_("Month"), min_value=1, max_value=12)
    city = django_filters.ModelMultipleChoiceFilter(
        # field_name names the slug column: django-filter builds the predicate as {field_name: value.slug}.
        field_name="city__slug",
        to_field_name="slug",
        queryset=City.objects.all(),
        label=_("City"),
        distinct=False,
    )
    batch = django_filters.ModelMultipleChoiceFilter(
        field_name="batch__code", to_field_name="code", queryset=Batch.objects.all(), label=_("Batch"), distinct=False
    )
    status = django_filters.MultipleChoiceFilter(choices=Exhibition.Status.choices, label=_("Status"), distinct=False)
    venue = django_filters.ModelChoiceFilter(queryset=Venue.objects.all(), label=_("Venue"))
    counts = django_filters.BooleanFilter(method="filter_counts", label=_("Counts toward target"))
    start_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Starts on or after"))
    start_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte", label=_("Starts on or before"))
    is_international = django_filters.BooleanFilter(label=_("International"))
    is_green = django_filters.BooleanFilter(label=_("Green"))
    is_digital = django_filters.BooleanFilter(label=_("Digital"))
    is_flagship = django_filters.BooleanFilter(label=_("Flagship"))
    is_outbound = django_filters.BooleanFilter(label=_("Outbound"))
    large = django_filters.BooleanFilter(
        method="filter_large", label=_("Large-scale (gross area at or above the threshold)")
    )

    class Meta:
        model = Exhibition
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name_zh__icontains=value)
            | Q(name_en__icontains=value)
            | Q(organizer__name_zh__icontains=value)
            | Q(organizer__name_en__icontains=value)
            | Q(external_ref__iexact=value)
        )

    def _year(self) -> int | None:
        form = getattr(self, "form", None)
        data = getattr(form, "cleaned_data", {}) if form is not None else {}
        year = data.get("year")
        return int(year) if year else None

    def filter_counts(self, queryset, name, value):
        from targets.rules import counted_any_year_q, counted_q, rules_for

        if value is None:
            return queryset
        year = self._year()
        condition = counted_q(rules_for(year)) if year else counted_any_year_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_large(self, queryset, name, value):
        from targets.rules import rules_for

        if value is None:
            return queryset
        year = self._year()
        threshold = rules_for(year).large_min_gross_area_m2 if year else rules_for(0).large_min_gross_area_m2
        condition = Q(gross_area_m2__gte=threshold)
        return queryset.filter(condition) if value else queryset.exclude(condition)
