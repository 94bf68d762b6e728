"""The progress engine: every figure of a year's snapshot, from a handful of GROUP BY queries.

Formulas (SPEC §3; the same text is in README "Progress engine"):

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

Queries (constant, whatever the number of rows): the inputs — data version, targets, cities with their
allocations, batches, venues — in one statement on PostgreSQL (`read_inputs`; five queries elsewhere);
four aggregates (compiled once per rule set, executed raw) — counted rows by the grouping sets
(city, batch, status) and (city, month, status); previous-year eligible rows by (city, status) and
(month, status); `other` GROUP BY city with conditional counts; utilisation GROUP BY venue.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate

from django.db import connection
from django.db.models import BigIntegerField, Count, F, FilteredRelation, Func, IntegerField, Q, Sum
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone

from core.db import fetch_one
from exhibitions.models import Batch, Exhibition
from targets.models import CityAllocation, ProgressDataMark, Target
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
    """The four GROUP BY querysets a recompute runs (also executed raw by bench/recompute.py as the floor)."""
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


# The counted and previous aggregates are grouped by grouping sets: one row per group of each set rather
# than one per combination of all the columns (the counted rows of 1M exhibitions: ~900 instead of
# ~2,700; the previous year's: 96 instead of 371 at 10k), in the same single scan. A column outside a
# row's set is NULL; `month` is never NULL in the data, so it tells the sets apart.
GROUPING_SETS = {
    "counted": (("city_id", "batch_id", "status"), ("city_id", "month", "status")),
    "previous": (("city_id", "status"), ("month", "status")),
}


@lru_cache(maxsize=64)
def aggregate_sql(rules: CountingRules, previous_rules: CountingRules) -> dict[str, tuple[str, tuple]]:
    """The compiled SQL of `aggregate_querysets`, counted and previous regrouped by `GROUPING_SETS`
    (depends only on the year and thresholds: cached)."""
    compiled = {name: _compiled(qs) for name, qs in aggregate_querysets(rules, previous_rules).items()}
    for name, columns in (("counted", COUNTED_COLUMNS), ("previous", PREVIOUS_COLUMNS)):
        compiled[name] = grouped_by_sets(*compiled[name], columns, GROUPING_SETS[name])
    return compiled


def grouped_by_sets(sql: str, params: tuple, columns: tuple, sets: tuple, *, vendor: str | None = None) -> tuple:
    """(sql, params) of `sql` — a GROUP BY over `columns` but the last two (its aggregates `n` and
    `area`) — grouped by each of `sets` instead.

    PostgreSQL: GROUP BY GROUPING SETS. Elsewhere (SQLite has no grouping sets, and the tests use this
    form as the reference): the plain rows re-aggregated once per set, UNION ALL.
    """
    vendor = vendor or connection.vendor
    keys = columns[:-2]
    if vendor == "postgresql":
        match = re.fullmatch(r"(.*) GROUP BY ([0-9, ]+)", sql, flags=re.DOTALL)
        if match is None or sorted(int(p) for p in match[2].split(",")) != list(range(1, len(keys) + 1)):
            raise RuntimeError(f"expected a GROUP BY of the select list's first {len(keys)} columns: {sql}")
        grouping = ", ".join("(" + ", ".join(str(keys.index(c) + 1) for c in group) + ")" for group in sets)
        return f"{match[1]} GROUP BY GROUPING SETS ({grouping})", params
    parts = []
    for group in sets:
        select = ", ".join(f'g."{c}"' if c in group else f'NULL AS "{c}"' for c in keys)
        by = ", ".join(f'g."{c}"' for c in group)
        sums = 'SUM(g."n") AS "n", SUM(g."area") AS "area"'
        parts.append(f"SELECT {select}, {sums} FROM ({sql}) g GROUP BY {by}")  # noqa: S608 (names from `columns`)
    return " UNION ALL ".join(parts), params * len(sets)


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


@lru_cache(maxsize=64)
def lookup_sql(target_id: int) -> dict[str, tuple[str, tuple]]:
    """The compiled SQL of `lookup_querysets` (constant per target: cached)."""
    return {name: _compiled(qs) for name, qs in lookup_querysets(target_id).items()}


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
    """The data version, the targets of `year` and `year − 1`, and the lookups of `lookup_querysets`.

    On PostgreSQL in one statement, so in one round trip and from one snapshot of the data (run after
    the recompute's lock, it sees every change committed before the lock was granted). Elsewhere, the
    same reads as separate queries (`read_inputs_by_queries`, which the tests compare it with).
    """
    if connection.vendor != "postgresql":
        return read_inputs_by_queries(year)
    g = ProgressDataMark.GLOBAL
    row = fetch_one("expoplan_progress_inputs", _inputs_sql(), [year, g, year, g, year, year, year])
    version, watermark, targets, cities, batches, venues = row
    figures = {}
    for target_id, target_year, exhibitions, area, large_min, venue_min in targets or ():
        rules = CountingRules(
            year=target_year, large_min_gross_area_m2=large_min, professional_venue_min_indoor_m2=venue_min
        )
        figures[target_year] = TargetFigures(id=target_id, exhibitions=exhibitions, gross_area_m2=area, rules=rules)
    return RecomputeInputs(
        year=year,
        version=version,
        watermark=watermark,
        target=figures.get(year),
        previous_target=figures.get(year - 1),
        cities=tuple(map(tuple, cities or ())),
        batches=tuple(map(tuple, batches or ())),
        venues=tuple(map(tuple, venues or ())),
    )


def read_inputs_by_queries(year: int) -> RecomputeInputs:
    """`read_inputs` as separate queries: the data version, the targets (ORM), `lookup_querysets`."""
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


@lru_cache(maxsize=1)
def _inputs_sql() -> str:
    """PostgreSQL: `read_inputs_by_queries` as one SELECT of scalar subqueries (lists as JSON arrays).

    Constant, with positional parameters (year, global, year, global, year, year, year), so that
    `core.db.fetch_one` prepares it once per persistent connection.
    """
    mark, target, allocation = (m._meta.db_table for m in (ProgressDataMark, Target, CityAllocation))
    city, batch, venue = (m._meta.db_table for m in (City, Batch, Venue))
    return f"""
        SELECT
            {ProgressDataMark.version_sql()},
            (SELECT MAX(changed_at) FROM {mark} WHERE year IN (%s, %s)),
            (SELECT json_agg(json_build_array(
                        id, year, exhibitions, gross_area_m2, large_min_gross_area_m2, professional_venue_min_indoor_m2))
                FROM {target} WHERE year IN (%s, %s - 1)),
            (SELECT json_agg(json_build_array(c.id, c.slug, a.exhibitions, a.gross_area_m2) ORDER BY c.sort_order, c.slug)
                FROM {city} c LEFT JOIN {allocation} a
                    ON a.city_id = c.id AND a.target_id = (SELECT id FROM {target} WHERE year = %s)),
            (SELECT json_agg(json_build_array(id, code) ORDER BY sort_order, code) FROM {batch}),
            (SELECT json_agg(json_build_array(v.id, v.slug, v.name_zh, v.name_en, c.slug) ORDER BY c.sort_order, v.slug)
                FROM {venue} v JOIN {city} c ON c.id = v.city_id)
    """  # noqa: S608 (table names from the models; values are parameters)


def _compiled(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def run_lookups(target_id: int) -> dict[str, list[tuple]]:
    """Execute the lookups raw; rows as tuples, in the order of their `values_list`."""
    result = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in lookup_sql(target_id).items():
            cursor.execute(sql, params)
            result[name] = cursor.fetchall()
    return result


# Column order of the counted and previous rows (their querysets' values() then annotate()).
COUNTED_COLUMNS = ("city_id", "batch_id", "month", "status", "n", "area")
PREVIOUS_COLUMNS = ("city_id", "month", "status", "n", "area")


def run_aggregates(rules: CountingRules, previous_rules: CountingRules) -> dict[str, list]:
    """Execute the four aggregates raw (no ORM per row). The many counted and previous rows stay tuples
    (COUNTED_COLUMNS, PREVIOUS_COLUMNS); the few `other` and `utilisation` rows become dicts."""
    expected = {"counted": COUNTED_COLUMNS, "previous": PREVIOUS_COLUMNS}
    result = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in aggregate_sql(rules, previous_rules).items():
            cursor.execute(sql, params)
            columns = tuple(col[0] for col in cursor.description)
            if name in expected:
                if columns != expected[name]:
                    raise RuntimeError(f"{name} aggregate returned {columns}, expected {expected[name]}")
                result[name] = cursor.fetchall()
            else:
                result[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return result


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

    # Counted rows of the year: per city × batch × status and per city × month × status (GROUPING_SETS).
    per_city = defaultdict(_tally)
    per_city_batch = defaultdict(_tally)
    per_city_month = defaultdict(_tally)
    for c, b, m, s, n, area in queries["counted"]:  # None = the province
        slot, area = SLOT[s], area or 0
        if m is None:  # a (city, batch, status) row; every counted event is in exactly one
            tallies = (per_city[c], per_city[None], per_city_batch[c, b], per_city_batch[None, b])
        else:  # a (city, month, status) row
            tallies = (per_city_month[c, int(m)], per_city_month[None, int(m)])
        for tally in tallies:
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
        area = area or 0
        if month is None:  # a (city, status) row
            slot = SLOT[s]
            for tally in (previous[c], previous[None]):
                tally[slot] += n
                tally[slot + 1] += area
            if s == S.HELD:
                held += n
            elif s == S.CANCELLED:
                cancelled += n
        elif s != S.CANCELLED:  # a (month, status) row: the weights of expected-to-date
            month = int(month)
            previous_month_n[month] += n
            previous_month_area[month] += area
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
