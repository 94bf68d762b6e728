"""The progress engine: every figure of a year's snapshot, from a handful of GROUP BY queries.

Formulas (SPEC §3; the same text is in docs/progress-engine.md):

- **counted** rows are `targets.rules.counted(year)` (rules 1–5 with the thresholds of the year's Target).
- **achieved** = counted & held; **committed** = counted & (held | confirmed);
  **pipeline** = counted & (held | confirmed | planned). Each measure is ``{"exhibitions": count,
  "gross_area_m2": sum of gross area}``. The city of an event is `Exhibition.city` (the venue's city).
- **goal**: province = the Target's figures; a city = its CityAllocation (0 when none); 0 without a Target.
- **percent** = achieved ÷ goal × 100, rounded half-up to 1 decimal; null when the goal is 0.
- **gap** = goal − achieved (negative when exceeded); **ahead_of_plan** = achieved − expected_to_date.
- **expected_to_date** = goal × share(as_of), rounded half-up, where `as_of` is today (Asia/Shanghai)
  clamped to the year (before 1 Jan → 0, after 31 Dec → the whole goal) and
  *linear*: share = days elapsed including `as_of` ÷ days in the year;
  *previous_year_monthly* (when the previous year has counted pipeline events province-wide):
  share = Σ w(full months before as_of's month) + w(as_of's month) × day ÷ days in that month, with
  w(m) the previous year's share of counted pipeline events (exhibitions) or of their gross area (area)
  starting in month m. One basis for every scope (the province's distribution), so cities add up.
- **plan_cumulative** of month m = goal × share(end of month m), rounded half-up.
- **forecast** = achieved + confirmed-only + planned-only × rate, rounded half-up, where
  rate = held ÷ (held + cancelled) among the previous year's events meeting rules 1, 3, 4, 5 with that
  year's thresholds, province-wide, by count (1.0 when there are none); the same rate for the area.
- **other**: events starting in the year in the scope, status not cancelled: conferences (batch not
  counting as exhibition), outbound, international, green, digital, flagship.
- **large_scale_share** = among non-cancelled, exhibition-batch, non-outbound events of the year in
  the scope, the share (0..1, 4 decimals) with gross area ≥ the large-scale threshold; null when none.
- **previous_year**: the same scope's achieved/committed/pipeline for year − 1 under its own rules;
  null when year − 1 has neither a Target nor an event meeting rules 1, 3, 4, 5.
- **venue_utilisation**: per venue, non-cancelled non-outbound events starting in the year: events,
  days booked (Σ end − start + 1), area-days (Σ gross area × days).

Queries (constant, whatever the number of rows): the inputs (data version, targets, cities with
their allocations, batches, venues: `read_inputs`) and four GROUP BY aggregates
(`aggregate_querysets`): counted rows by (city, batch, month, status); previous-year eligible rows by
(city, month, status); `other` by city with conditional counts; utilisation by venue.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from itertools import accumulate

from django.db.models import BigIntegerField, Count, F, FilteredRelation, Func, IntegerField, Q, Sum
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone

from exhibitions.models import Batch, Exhibition
from targets.models import Target
from targets.rules import CountingRules, counted_q, eligible_q, rules_for
from venues.models import City, Venue

S = Exhibition.Status
MEASURES = ("exhibitions", "gross_area_m2")
FORECAST_FORMULA = "achieved + confirmed + planned × rate"
OTHER_KEYS = ("conferences", "outbound", "international", "green", "digital", "flagship")


class DaysInclusive(Func):
    """end_date − start_date + 1, as an integer, on PostgreSQL and SQLite."""

    output_field = IntegerField()

    def __init__(self, end: str = "end_date", start: str = "start_date"):
        super().__init__(F(end), F(start))

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date − date is an integer
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return f"({end_sql} - {start_sql} + 1)", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"(CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER) + 1)",
            (*end_params, *start_params),
        )


# --- the aggregate queries ------------------------------------------------------------------------


def aggregate_querysets(rules: CountingRules, previous_rules: CountingRules) -> dict:
    """The four GROUP BY querysets a recompute runs (bench/recompute.py runs them alone as its floor)."""
    year = rules.year
    counted_rows = (
        Exhibition.objects.filter(counted_q(rules))
        .annotate(month=ExtractMonth("start_date"))
        .values("city_id", "batch_id", "month", "status")
        .annotate(n=Count("pk"), area=Sum("gross_area_m2"))
        .order_by()
    )
    previous_rows = (
        Exhibition.objects.filter(eligible_q(previous_rules))
        .annotate(month=ExtractMonth("start_date"))
        .values("city_id", "month", "status")
        .annotate(n=Count("pk"), area=Sum("gross_area_m2"))
        .order_by()
    )
    exhibition_batch = Q(batch__counts_as_exhibition=True, is_outbound=False)
    other_rows = (
        Exhibition.objects.filter(start_date__year=year)
        .exclude(status=S.CANCELLED)
        .values("city_id")
        .annotate(
            conferences=Count("pk", filter=Q(batch__counts_as_exhibition=False)),
            outbound=Count("pk", filter=Q(is_outbound=True)),
            international=Count("pk", filter=Q(is_international=True)),
            green=Count("pk", filter=Q(is_green=True)),
            digital=Count("pk", filter=Q(is_digital=True)),
            flagship=Count("pk", filter=Q(is_flagship=True)),
            share_of=Count("pk", filter=exhibition_batch),
            large=Count("pk", filter=exhibition_batch & Q(gross_area_m2__gte=rules.large_min_gross_area_m2)),
        )
        .order_by()
    )
    utilisation_rows = (
        Exhibition.objects.filter(start_date__year=year, is_outbound=False, venue__isnull=False)
        .exclude(status=S.CANCELLED)
        .values("venue_id")
        .annotate(
            events=Count("pk"),
            days=Sum(DaysInclusive()),
            area_days=Sum(Cast("gross_area_m2", BigIntegerField()) * DaysInclusive(), output_field=BigIntegerField()),
        )
        .order_by()
    )
    return {
        "counted": counted_rows,
        "previous": previous_rows,
        "other": other_rows,
        "utilisation": utilisation_rows,
    }


def lookup_querysets(target_id: int) -> dict:
    """The reference lookups of a recompute: cities with their allocation of the target, batches, venues."""
    return {
        "cities": City.objects.annotate(
            allocation=FilteredRelation("allocations", condition=Q(allocations__target_id=target_id))
        )
        .order_by("sort_order", "slug")
        .values_list("id", "slug", "allocation__exhibitions", "allocation__gross_area_m2"),
        "batches": Batch.objects.order_by("sort_order", "code").values_list("id", "code"),
        "venues": Venue.objects.order_by("city__sort_order", "slug").values_list(
            "id", "slug", "name_zh", "name_en", "city__slug"
        ),
    }


@dataclass(frozen=True)
class TargetFigures:
    """What a recompute needs of a Target: its id, its goals and its counting rules."""

    id: int
    exhibitions: int
    gross_area_m2: int
    rules: CountingRules


@dataclass(frozen=True)
class RecomputeInputs:
    """Everything a recompute reads besides the four aggregates (`read_inputs`)."""

    year: int
    version: int  # the data version and watermark of the year (`services.progress_data_version`)
    watermark: datetime | None
    target: TargetFigures | None
    previous_target: TargetFigures | None
    cities: tuple  # (id, slug, allocation exhibitions or None, allocation gross area or None), in order
    batches: tuple  # (id, code)
    venues: tuple  # (id, slug, name_zh, name_en, city slug)

    @property
    def rules(self) -> CountingRules:
        return self.target.rules if self.target else CountingRules(year=self.year)

    @property
    def previous_rules(self) -> CountingRules:
        return self.previous_target.rules if self.previous_target else CountingRules(year=self.year - 1)


def read_inputs(year: int) -> RecomputeInputs:
    """The data version of `year`, the targets of `year` and `year − 1`, and `lookup_querysets`."""
    from targets.services import progress_data_version

    version, watermark = progress_data_version(year=year)
    figures = {
        target.year: TargetFigures(
            id=target.pk,
            exhibitions=target.exhibitions,
            gross_area_m2=target.gross_area_m2,
            rules=rules_for(target.year, target),
        )
        for target in Target.objects.filter(year__in=[year, year - 1])
    }
    target = figures.get(year)
    lookups = run_lookups(target.id if target else -1)
    return RecomputeInputs(
        year=year,
        version=version,
        watermark=watermark,
        target=target,
        previous_target=figures.get(year - 1),
        cities=tuple(lookups["cities"]),
        batches=tuple(lookups["batches"]),
        venues=tuple(lookups["venues"]),
    )


def run_lookups(target_id: int) -> dict[str, list[tuple]]:
    """The lookups' rows as tuples, in the order of their `values_list`."""
    return {name: list(queryset) for name, queryset in lookup_querysets(target_id).items()}


# Column order of the counted and previous rows.
COUNTED_COLUMNS = ("city_id", "batch_id", "month", "status", "n", "area")
PREVIOUS_COLUMNS = ("city_id", "month", "status", "n", "area")


def run_aggregates(rules: CountingRules, previous_rules: CountingRules) -> dict[str, list]:
    """The rows of the four aggregates: counted and previous as tuples (COUNTED_COLUMNS,
    PREVIOUS_COLUMNS), `other` and `utilisation` as dicts."""
    querysets = aggregate_querysets(rules, previous_rules)
    return {
        "counted": list(querysets["counted"].values_list(*COUNTED_COLUMNS)),
        "previous": list(querysets["previous"].values_list(*PREVIOUS_COLUMNS)),
        "other": list(querysets["other"]),
        "utilisation": list(querysets["utilisation"]),
    }


# --- small arithmetic helpers -----------------------------------------------------------------------


def half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half-up, in integer arithmetic (exact for any denominator ≠ 0):
    floor(n ÷ d + ½) = (2n + d) // 2d. Every rounded figure of a snapshot goes through here."""
    return (2 * numerator + denominator) // (2 * denominator)


def round_half_up(value: Fraction | int) -> int:
    value = Fraction(value)
    return half_up(value.numerator, value.denominator)


def scaled(amount: int, share: Fraction) -> int:
    """round_half_up(amount × share)."""
    return half_up(amount * share.numerator, share.denominator)


def percent_of(achieved: int, goal: int) -> float | None:
    """achieved ÷ goal × 100, half-up to 1 decimal; None when the goal is 0."""
    if not goal:
        return None
    return half_up(1000 * achieved, goal) / 10


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def clamp_to_year(year: int, as_of: date) -> date | None:
    """`as_of` inside `year`; None when the year has not started (nothing elapsed)."""
    if as_of < date(year, 1, 1):
        return None
    return min(as_of, date(year, 12, 31))


def linear_share(year: int, as_of: date) -> Fraction:
    """Days elapsed including `as_of` ÷ days in the year (0 before the year, 1 after)."""
    day = clamp_to_year(year, as_of)
    if day is None:
        return Fraction(0)
    return Fraction(day.timetuple().tm_yday, days_in_year(year))


def weighted_share(year: int, as_of: date, weights: list[Fraction]) -> Fraction:
    """Σ weights of months before `as_of`'s month + that month's weight × day ÷ days in the month."""
    day = clamp_to_year(year, as_of)
    if day is None:
        return Fraction(0)
    share = sum(weights[: day.month - 1], Fraction(0))
    return share + weights[day.month - 1] * Fraction(day.day, calendar.monthrange(year, day.month)[1])


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly_weights(per_month: dict[int, int]) -> list[Fraction] | None:
    total = sum(per_month.values())
    if total <= 0:
        return None
    return [Fraction(per_month.get(m, 0), total) for m in range(1, 13)]


# --- assembly ---------------------------------------------------------------------------------------


def _zero() -> dict:
    return {"exhibitions": 0, "gross_area_m2": 0}


# A tally is [held n, held area, confirmed n, confirmed area, planned n, planned area, cancelled n, cancelled area].
SLOT = {S.HELD: 0, S.CONFIRMED: 2, S.PLANNED: 4, S.CANCELLED: 6}


def _tally() -> list[int]:
    return [0] * 8


def _status_measures(t: list[int]) -> dict:
    return {
        "achieved": {"exhibitions": t[0], "gross_area_m2": t[1]},
        "committed": {"exhibitions": t[0] + t[2], "gross_area_m2": t[1] + t[3]},
        "pipeline": {"exhibitions": t[0] + t[2] + t[4], "gross_area_m2": t[1] + t[3] + t[5]},
    }


_EMPTY = _tally()


def _diff(a: dict, b: dict) -> dict:
    return {k: a[k] - b[k] for k in MEASURES}


def compute_payload(
    *,
    year: int,
    as_of: date | None = None,
    computed_at: datetime | None = None,
    inputs: RecomputeInputs | None = None,
) -> tuple[dict, RecomputeInputs]:
    """(payload, inputs) for `year`. Read-only: the caller validates and saves."""
    computed_at = computed_at or timezone.now()
    as_of = as_of or timezone.localdate(computed_at)
    inputs = inputs or read_inputs(year)
    target, previous_target = inputs.target, inputs.previous_target
    rules = inputs.rules

    # Cities with their allocation of this year's target, batches.
    cities, allocations = [], {}
    for city_id, slug, alloc_n, alloc_area in inputs.cities:
        cities.append((city_id, slug))
        if alloc_n is not None:
            allocations[city_id] = {"exhibitions": alloc_n, "gross_area_m2": alloc_area}
    city_slug = dict(cities)
    batches = inputs.batches
    queries = run_aggregates(rules, inputs.previous_rules)

    # Counted rows of the year, per city × batch × month × status.
    per_city = defaultdict(_tally)
    per_city_batch = defaultdict(_tally)
    per_city_month = defaultdict(_tally)
    for c, b, m, s, n, area in queries["counted"]:  # None = the province
        slot, area, m = SLOT[s], area or 0, int(m)
        for key in (c, None):
            for tally in (per_city[key], per_city_batch[key, b], per_city_month[key, m]):
                tally[slot] += n
                tally[slot + 1] += area

    # Previous year (its own rules, cancelled included for the conversion rate).
    previous = defaultdict(_tally)
    previous_month_n: dict[int, int] = defaultdict(int)
    previous_month_area: dict[int, int] = defaultdict(int)
    held = cancelled = 0
    previous_any = False
    for c, month, s, n, area in queries["previous"]:
        previous_any = True
        slot, area = SLOT[s], area or 0
        for tally in (previous[c], previous[None]):
            tally[slot] += n
            tally[slot + 1] += area
        if s == S.HELD:
            held += n
        elif s == S.CANCELLED:
            cancelled += n
        if s != S.CANCELLED:  # the weights of expected-to-date
            previous_month_n[int(month)] += n
            previous_month_area[int(month)] += area
    rate = Fraction(held, held + cancelled) if held + cancelled else Fraction(1)
    has_previous = previous_any or previous_target is not None

    weights_n = monthly_weights(previous_month_n)
    weights_area = monthly_weights(previous_month_area)
    basis = "previous_year_monthly" if weights_n is not None else "linear"

    def share(measure: str, day: date) -> Fraction:
        weights = weights_n if measure == "exhibitions" else weights_area
        if weights is None:
            return linear_share(year, day)
        return weighted_share(year, day, weights)

    shares_now = {m: share(m, as_of) for m in MEASURES}

    def month_end_shares(measure: str) -> list[Fraction]:
        weights = weights_n if measure == "exhibitions" else weights_area
        if weights is None:
            return [linear_share(year, month_end(year, month)) for month in range(1, 13)]
        return list(accumulate(weights))  # = weighted_share at each month's last day

    shares_month_end = {m: month_end_shares(m) for m in MEASURES}
    # As (numerator, denominator) pairs for the 12 × 2 plan figures of every scope (see `scaled`).
    ends_n = [(f.numerator, f.denominator) for f in shares_month_end["exhibitions"]]
    ends_area = [(f.numerator, f.denominator) for f in shares_month_end["gross_area_m2"]]

    def by_month(key, goal: dict) -> list[dict]:
        goal_n, goal_area = goal["exhibitions"], goal["gross_area_m2"]
        return [
            {
                "month": month,
                **_status_measures(per_city_month.get((key, month), _EMPTY)),
                "plan_cumulative": {  # = scaled(goal, share at the month's end)
                    "exhibitions": half_up(goal_n * num_n, den_n),
                    "gross_area_m2": half_up(goal_area * num_area, den_area),
                },
            }
            for month, (num_n, den_n), (num_area, den_area) in zip(range(1, 13), ends_n, ends_area, strict=True)
        ]

    # Other counts and the large-scale share, per city.
    other = defaultdict(lambda: defaultdict(int))
    for row in queries["other"]:
        for key in (row["city_id"], None):
            for name in (*OTHER_KEYS, "share_of", "large"):
                other[key][name] += int(row[name])

    province_goal = {"exhibitions": target.exhibitions, "gross_area_m2": target.gross_area_m2} if target else _zero()

    def city_row(city_id: int) -> dict:
        tally = per_city.get(city_id, _EMPTY)
        goal = allocations.get(city_id, _zero())
        return {
            "city": city_slug[city_id],
            "goal": dict(goal),
            **_status_measures(tally),
            "percent": {
                "exhibitions": percent_of(tally[0], goal["exhibitions"]),
                "gross_area_m2": percent_of(tally[1], goal["gross_area_m2"]),
            },
        }

    city_rows_cache = {city_id: city_row(city_id) for city_id, _slug in cities}

    def scope(key, name: str, goal: dict) -> dict:
        tally = per_city.get(key, _EMPTY)
        measures = _status_measures(tally)
        achieved = measures["achieved"]
        confirmed_only = {"exhibitions": tally[2], "gross_area_m2": tally[3]}
        planned_only = {"exhibitions": tally[4], "gross_area_m2": tally[5]}
        expected = {m: scaled(goal[m], shares_now[m]) for m in MEASURES}
        forecast = {m: achieved[m] + confirmed_only[m] + scaled(planned_only[m], rate) for m in MEASURES}
        counts = other.get(key, {})
        return {
            "scope": name,
            "goal": dict(goal),
            **measures,
            "expected_to_date": expected,
            "forecast": forecast,
            "gap": _diff(goal, achieved),
            "ahead_of_plan": _diff(achieved, expected),
            "percent": {m: percent_of(achieved[m], goal[m]) for m in MEASURES},
            "by_city": [city_rows_cache[cid] for cid, _slug in cities] if key is None else [city_rows_cache[key]],
            "by_batch": [
                {"batch": code, **_status_measures(per_city_batch.get((key, bid), _EMPTY))} for bid, code in batches
            ],
            "by_month": by_month(key, goal),
            "other": {name: counts.get(name, 0) for name in OTHER_KEYS},
            "large_scale_share": round(counts["large"] / counts["share_of"], 4) if counts.get("share_of") else None,
            "previous_year": _status_measures(previous.get(key, _EMPTY)) if has_previous else None,
        }

    scopes = {"province": scope(None, "province", province_goal)}
    for city_id, slug in cities:
        scopes[slug] = scope(city_id, slug, allocations.get(city_id, _zero()))

    utilisation = {row["venue_id"]: row for row in queries["utilisation"]}
    venue_utilisation = []
    for venue_id, slug, name_zh, name_en, venue_city in inputs.venues:
        row = utilisation.get(venue_id)
        venue_utilisation.append(
            {
                "venue": venue_id,
                "slug": slug,
                "name_zh": name_zh,
                "name_en": name_en,
                "city": venue_city,
                "events": row["events"] if row else 0,
                "days_booked": int(row["days"] or 0) if row else 0,
                "area_days": int(row["area_days"] or 0) if row else 0,
            }
        )

    payload = {
        "year": year,
        "computed_at": timezone.localtime(computed_at).isoformat(timespec="seconds"),
        "rules": {
            "year": year,
            "large_min_gross_area_m2": rules.large_min_gross_area_m2,
            "professional_venue_min_indoor_m2": rules.professional_venue_min_indoor_m2,
            "as_of": as_of.isoformat(),
            "expected_basis": basis,
            "forecast_conversion_rate": round(float(rate), 4),
            "forecast_formula": FORECAST_FORMULA,
        },
        "scopes": scopes,
        "venue_utilisation": venue_utilisation,
    }
    return payload, inputs
