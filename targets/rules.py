"""The counting rules (SPEC §3), in one place.

An event **counts** toward year Y when all hold:
1. its start date (a local Asia/Shanghai date) falls in Y;
2. its status is not ``cancelled``;
3. its batch counts as exhibition (not ``conference``);
4. it is not outbound, and its venue is in the province and marked professional;
5. its gross area ≥ ``Target.large_min_gross_area_m2`` (default 10,000 m²).

Every figure (snapshot, list "counts" filter, drill-down, export) starts from `counted()`, so the
exhibition list filtered the same way always shows the same count as the figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Q

from exhibitions.models import Exhibition
from targets.models import (
    DEFAULT_LARGE_MIN_GROSS_AREA_M2,
    DEFAULT_PROFESSIONAL_VENUE_MIN_INDOOR_M2,
    Target,
)

ACHIEVED_STATUSES = (Exhibition.Status.HELD,)
COMMITTED_STATUSES = (Exhibition.Status.HELD, Exhibition.Status.CONFIRMED)
PIPELINE_STATUSES = (Exhibition.Status.HELD, Exhibition.Status.CONFIRMED, Exhibition.Status.PLANNED)


@dataclass(frozen=True)
class CountingRules:
    year: int
    large_min_gross_area_m2: int = DEFAULT_LARGE_MIN_GROSS_AREA_M2
    professional_venue_min_indoor_m2: int = DEFAULT_PROFESSIONAL_VENUE_MIN_INDOOR_M2

    def as_dict(self) -> dict:
        return asdict(self)


def rules_for(year: int, target: Target | None = None) -> CountingRules:
    """The thresholds stored on the year's Target, or the defaults when the year has none."""
    if target is None:
        target = Target.objects.filter(year=year).first()
    if target is None:
        return CountingRules(year=year)
    return CountingRules(
        year=year,
        large_min_gross_area_m2=target.large_min_gross_area_m2,
        professional_venue_min_indoor_m2=target.professional_venue_min_indoor_m2,
    )


def eligible_q(rules: CountingRules) -> Q:
    """Rules 1, 3, 4 and 5 (every status, cancelled included): the base of the forecast's conversion rate."""
    return (
        Q(start_date__year=rules.year)
        & Q(batch__counts_as_exhibition=True)
        & Q(is_outbound=False)
        & Q(venue__is_professional=True)
        & Q(gross_area_m2__gte=rules.large_min_gross_area_m2)
    )


def counted_q(rules: CountingRules) -> Q:
    """Rules 1–5 as one Q on Exhibition (rule 1 as a date range, so the start_date index is used)."""
    return eligible_q(rules) & ~Q(status=Exhibition.Status.CANCELLED)


def counted(year: int, *, rules: CountingRules | None = None, queryset=None):
    """Exactly the exhibitions that count toward `year` (every status but cancelled)."""
    rules = rules or rules_for(year)
    queryset = Exhibition.objects.all() if queryset is None else queryset
    return queryset.filter(counted_q(rules))


MEASURE_STATUSES = {
    "achieved": ACHIEVED_STATUSES,
    "committed": COMMITTED_STATUSES,
    "pipeline": PIPELINE_STATUSES,
}


def figure_rows(
    year: int,
    *,
    measure: str = "pipeline",
    city: str | None = None,
    batch: str | None = None,
    month: int | None = None,
    rules: CountingRules | None = None,
    queryset=None,
):
    """The rows behind one figure of a snapshot (drill-down): `measure` of `city`/`batch`/`month`.

    `measure` is achieved, committed or pipeline; `city` a City slug, `batch` a Batch code, `month` 1..12.
    """
    if measure not in MEASURE_STATUSES:
        raise ValueError(f"measure must be one of {sorted(MEASURE_STATUSES)}, not {measure!r}")
    qs = counted(year, rules=rules, queryset=queryset).filter(status__in=MEASURE_STATUSES[measure])
    if city is not None:
        qs = qs.filter(city__slug=city)
    if batch is not None:
        qs = qs.filter(batch__code=batch)
    if month is not None:
        qs = qs.filter(start_date__month=month)
    return qs


def is_counted(exhibition: Exhibition, rules: CountingRules) -> bool:
    """The same rule for one in-memory object (forms, detail pages); tested against `counted()`."""
    venue = exhibition.venue
    return (
        exhibition.start_date.year == rules.year
        and exhibition.status != Exhibition.Status.CANCELLED
        and exhibition.batch.counts_as_exhibition
        and not exhibition.is_outbound
        and venue is not None
        and venue.is_professional
        and exhibition.gross_area_m2 >= rules.large_min_gross_area_m2
    )


def counted_any_year_q() -> Q:
    """Counted toward its own start year, with that year's thresholds (for lists without a year filter)."""
    targets = list(Target.objects.values_list("year", "large_min_gross_area_m2", "professional_venue_min_indoor_m2"))
    base = (
        ~Q(status=Exhibition.Status.CANCELLED)
        & Q(batch__counts_as_exhibition=True)
        & Q(is_outbound=False)
        & Q(venue__is_professional=True)
    )
    by_year = Q(pk__in=[])
    for year, large_min, _venue_min in targets:
        by_year |= Q(start_date__year=year, gross_area_m2__gte=large_min)
    other_years = ~Q(start_date__year__in=[t[0] for t in targets]) & Q(
        gross_area_m2__gte=DEFAULT_LARGE_MIN_GROSS_AREA_M2
    )
    return base & (by_year | other_years)
