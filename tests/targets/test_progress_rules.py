"""Hand-computed figures for every counting rule, expected-to-date and forecast (SPEC §3, TEAM.md contract)."""

import datetime as dt
from fractions import Fraction

import pytest

from exhibitions.models import Exhibition
from targets.progress import compute_payload, linear_share, round_half_up, weighted_share
from targets.rules import counted, figure_rows
from targets.schema import validate_payload
from tests.factories import CityAllocationFactory, ExhibitionFactory, TargetFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db

D = dt.date
M = lambda n, area: {"exhibitions": n, "gross_area_m2": area}  # noqa: E731


def outbound(**kwargs) -> Exhibition:
    defaults = {
        "name_zh": "出境展",
        "batch": batch("market"),
        "city": city("dalian"),
        "venue": None,
        "end_date": kwargs["start_date"],
        "is_outbound": True,
        "destination_country": "日本",
        "status": "held",
    }
    return Exhibition.objects.create(**{**defaults, **kwargs})


@pytest.fixture
def world():
    """Ten events around 2030 exercising each rule; the expected figures below are worked out by hand."""
    target = TargetFactory(year=2030, exhibitions=100, gross_area_m2=1_000_000, large_min_gross_area_m2=10_000)
    CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=50, gross_area_m2=500_000)
    CityAllocationFactory(target=target, city=city("dalian"), exhibitions=20, gross_area_m2=200_000)
    sy = VenueFactory(city=city("shenyang"), is_professional=True)
    dl = VenueFactory(city=city("dalian"), is_professional=True)
    hotel = VenueFactory(city=city("shenyang"), is_professional=False, kind="hotel")
    e = {
        # counted, held (achieved), flagship and digital
        "a": ExhibitionFactory(
            venue=sy, start_date=D(2030, 3, 10), gross_area_m2=20_000, status="held", is_flagship=True, is_digital=True
        ),
        # exactly at the threshold: counted, confirmed
        "b": ExhibitionFactory(
            venue=sy, start_date=D(2030, 5, 1), gross_area_m2=10_000, status="confirmed", batch=batch("brand")
        ),
        # one m² below the threshold: not counted
        "c": ExhibitionFactory(venue=sy, start_date=D(2030, 5, 2), gross_area_m2=9_999, status="held"),
        # starts 31 Dec, ends in the new year: counts toward 2030 (start date decides), planned
        "d": ExhibitionFactory(
            venue=dl,
            start_date=D(2030, 12, 31),
            end_date=D(2031, 1, 2),
            gross_area_m2=30_000,
            status="planned",
            batch=batch("resident"),
        ),
        # starts 1 Jan of the next year: not 2030
        "e": ExhibitionFactory(venue=dl, start_date=D(2031, 1, 1), gross_area_m2=40_000, status="held"),
        # cancelled: never counted, not in `other`
        "f": ExhibitionFactory(
            venue=sy, start_date=D(2030, 6, 1), gross_area_m2=50_000, status="cancelled", is_green=True
        ),
        # conference: tracked, never counted
        "g": ExhibitionFactory(
            venue=sy, start_date=D(2030, 6, 5), gross_area_m2=15_000, status="held", batch=batch("conference")
        ),
        # outbound: organising city Dalian, not counted
        "h": outbound(start_date=D(2030, 7, 1), gross_area_m2=25_000),
        # non-professional venue: not counted (but large)
        "i": ExhibitionFactory(
            venue=hotel,
            start_date=D(2030, 8, 1),
            gross_area_m2=12_000,
            status="held",
            is_green=True,
            is_international=True,
        ),
        # the previous year (2029, default thresholds): one counted held event in December
        "j": ExhibitionFactory(venue=sy, start_date=D(2029, 12, 31), gross_area_m2=20_000, status="held"),
    }
    return {"target": target, "events": e, "venues": (sy, dl, hotel)}


def test_counted_rows_are_exactly_the_rule(world):
    e = world["events"]
    assert set(counted(2030).values_list("pk", flat=True)) == {e["a"].pk, e["b"].pk, e["d"].pk}
    assert set(counted(2031).values_list("pk", flat=True)) == {e["e"].pk}
    assert set(counted(2029).values_list("pk", flat=True)) == {e["j"].pk}
    assert list(figure_rows(2030, measure="achieved").values_list("pk", flat=True)) == [e["a"].pk]
    assert set(figure_rows(2030, measure="committed", city="shenyang").values_list("pk", flat=True)) == {
        e["a"].pk,
        e["b"].pk,
    }
    assert list(figure_rows(2030, measure="pipeline", month=12).values_list("pk", flat=True)) == [e["d"].pk]
    assert list(figure_rows(2030, measure="pipeline", batch="resident").values_list("pk", flat=True)) == [e["d"].pk]
    with pytest.raises(ValueError, match="measure"):
        figure_rows(2030, measure="goal")


def test_province_figures(world):
    payload, inputs = compute_payload(year=2030, as_of=D(2030, 12, 16))
    validate_payload(payload)
    assert inputs.target.id == world["target"].pk
    p = payload["scopes"]["province"]
    assert p["scope"] == "province"
    assert p["goal"] == M(100, 1_000_000)
    assert p["achieved"] == M(1, 20_000)
    assert p["committed"] == M(2, 30_000)
    assert p["pipeline"] == M(3, 60_000)
    assert p["gap"] == M(99, 980_000)
    assert p["percent"] == {"exhibitions": 1.0, "gross_area_m2": 2.0}
    # Other counts: events starting in 2030, not cancelled: a b c d g h i.
    assert p["other"] == {"conferences": 1, "outbound": 1, "international": 1, "green": 1, "digital": 1, "flagship": 1}
    # Large-scale share: exhibition batches, not outbound, not cancelled: a b c d i; ≥ 10,000: a b d i.
    assert p["large_scale_share"] == 0.8
    assert p["previous_year"] == {"achieved": M(1, 20_000), "committed": M(1, 20_000), "pipeline": M(1, 20_000)}
    by_batch = {row["batch"]: row for row in p["by_batch"]}
    assert list(by_batch) == ["brand", "resident", "market", "conference"]
    assert by_batch["market"]["achieved"] == M(1, 20_000)
    assert by_batch["brand"]["committed"] == M(1, 10_000) and by_batch["brand"]["achieved"] == M(0, 0)
    assert by_batch["resident"]["pipeline"] == M(1, 30_000) and by_batch["resident"]["committed"] == M(0, 0)
    assert by_batch["conference"]["pipeline"] == M(0, 0)
    by_month = {row["month"]: row for row in p["by_month"]}
    assert by_month[3]["achieved"] == M(1, 20_000)
    assert by_month[5]["committed"] == M(1, 10_000)
    assert by_month[12]["pipeline"] == M(1, 30_000)
    assert sum(row["pipeline"]["exhibitions"] for row in p["by_month"]) == 3
    assert len(p["by_city"]) == 15


def test_city_scopes_and_allocation_percentages(world):
    payload, _ = compute_payload(year=2030, as_of=D(2030, 12, 16))
    sy, dl, anshan = (payload["scopes"][s] for s in ("shenyang", "dalian", "anshan"))
    assert sy["goal"] == M(50, 500_000)
    assert sy["achieved"] == M(1, 20_000) and sy["committed"] == M(2, 30_000) and sy["pipeline"] == M(2, 30_000)
    assert sy["percent"] == {"exhibitions": 2.0, "gross_area_m2": 4.0}
    assert sy["by_city"] == [
        {
            "city": "shenyang",
            "goal": M(50, 500_000),
            "achieved": M(1, 20_000),
            "committed": M(2, 30_000),
            "pipeline": M(2, 30_000),
            "percent": {"exhibitions": 2.0, "gross_area_m2": 4.0},
        }
    ]
    # Shenyang's other events: a b c g i (the hotel counts as Shenyang); share: a b c i, large a b i.
    assert sy["other"] == {"conferences": 1, "outbound": 0, "international": 1, "green": 1, "digital": 1, "flagship": 1}
    assert sy["large_scale_share"] == 0.75
    assert dl["goal"] == M(20, 200_000)
    assert dl["achieved"] == M(0, 0) and dl["pipeline"] == M(1, 30_000)
    assert dl["percent"] == {"exhibitions": 0.0, "gross_area_m2": 0.0}
    assert dl["other"]["outbound"] == 1  # outbound events carry the organising city
    assert dl["large_scale_share"] == 1.0
    assert dl["previous_year"]["achieved"] == M(0, 0)
    assert anshan["goal"] == M(0, 0) and anshan["percent"] == {"exhibitions": None, "gross_area_m2": None}
    assert anshan["large_scale_share"] is None
    # Province by_city rows equal the city scopes' own rows.
    province_rows = {row["city"]: row for row in payload["scopes"]["province"]["by_city"]}
    assert province_rows["shenyang"] == sy["by_city"][0]
    assert province_rows["dalian"] == dl["by_city"][0]


def test_expected_and_forecast_weighted_by_a_december_only_previous_year(world):
    # 2029's counted pipeline: one event in December → all weight on December.
    payload, _ = compute_payload(year=2030, as_of=D(2030, 12, 16))
    rules, p = payload["rules"], payload["scopes"]["province"]
    assert rules["expected_basis"] == "previous_year_monthly"
    assert rules["forecast_conversion_rate"] == 1.0  # 2029: 1 held, 0 cancelled
    # share = 16/31 of December: 100 × 16/31 = 51.6 → 52; 1,000,000 × 16/31 = 516,129.03 → 516,129
    assert p["expected_to_date"] == M(52, 516_129)
    assert p["ahead_of_plan"] == M(1 - 52, 20_000 - 516_129)
    assert [row["plan_cumulative"] for row in p["by_month"]][:11] == [M(0, 0)] * 11
    assert p["by_month"][11]["plan_cumulative"] == M(100, 1_000_000)
    # forecast = achieved + confirmed + planned × 1.0
    assert p["forecast"] == M(3, 60_000)
    # Mid-year, nothing is expected yet (no previous-year weight before December).
    payload, _ = compute_payload(year=2030, as_of=D(2030, 6, 15))
    assert payload["scopes"]["province"]["expected_to_date"] == M(0, 0)


@pytest.fixture
def weighted_years():
    """2029: counts by month Jan 1, Apr 2, Sep 1; areas Jan 10k, Apr 50k, Sep 40k; 2 held, 1 cancelled."""
    sy = VenueFactory(city=city("shenyang"))
    for start, area, status in [
        (D(2029, 1, 15), 10_000, "held"),
        (D(2029, 4, 10), 30_000, "held"),
        (D(2029, 4, 20), 20_000, "planned"),
        (D(2029, 7, 1), 40_000, "cancelled"),
        (D(2029, 9, 5), 40_000, "confirmed"),
        (D(2029, 9, 6), 5_000, "cancelled"),  # below the threshold: not in the rate, not in the weights
    ]:
        ExhibitionFactory(venue=sy, start_date=start, gross_area_m2=area, status=status)
    TargetFactory(year=2030, exhibitions=100, gross_area_m2=1_000_000)
    for start, area, status in [
        (D(2030, 2, 1), 20_000, "held"),
        (D(2030, 3, 1), 10_000, "confirmed"),
        (D(2030, 5, 1), 30_000, "planned"),
        (D(2030, 6, 1), 20_000, "planned"),
    ]:
        ExhibitionFactory(venue=sy, start_date=start, gross_area_m2=area, status=status)


def test_expected_weighted_by_previous_year_and_forecast_rate(weighted_years):
    payload, _ = compute_payload(year=2030, as_of=D(2030, 4, 15))
    rules, p = payload["rules"], payload["scopes"]["province"]
    assert rules["expected_basis"] == "previous_year_monthly"
    # rate = held ÷ (held + cancelled) = 2 ÷ 3
    assert rules["forecast_conversion_rate"] == 0.6667
    # exhibitions: 1/4 (Jan) + 1/2 (Apr) × 15/30 = 1/2 → 50; area: 0.1 + 0.5 × 0.5 = 0.35 → 350,000
    assert p["expected_to_date"] == M(50, 350_000)
    # forecast: 1 + 1 + 2 × 2/3 = 3.33 → 3; 20,000 + 10,000 + 50,000 × 2/3 = 63,333.3 → 63,333
    assert p["forecast"] == M(3, 63_333)
    plan = [row["plan_cumulative"] for row in p["by_month"]]
    assert plan[0] == plan[1] == plan[2] == M(25, 100_000)
    assert plan[3] == plan[7] == M(75, 600_000)
    assert plan[8] == plan[11] == M(100, 1_000_000)
    assert p["previous_year"] == {
        "achieved": M(2, 40_000),
        "committed": M(3, 80_000),
        "pipeline": M(4, 100_000),
    }


def test_expected_linear_without_previous_year():
    TargetFactory(year=2030, exhibitions=100, gross_area_m2=1_000_000)
    ExhibitionFactory(start_date=D(2030, 2, 1), gross_area_m2=20_000, status="held")
    payload, _ = compute_payload(year=2030, as_of=D(2030, 3, 1))
    p = payload["scopes"]["province"]
    assert payload["rules"]["expected_basis"] == "linear"
    assert payload["rules"]["forecast_conversion_rate"] == 1.0
    assert p["previous_year"] is None  # 2029 has no Target and no events
    # 1 March = day 60 of 365: 100 × 60/365 = 16.4 → 16; 1,000,000 × 60/365 = 164,383.6 → 164,384
    assert p["expected_to_date"] == M(16, 164_384)
    assert p["by_month"][0]["plan_cumulative"] == M(8, 84_932)  # 31/365
    assert p["by_month"][1]["plan_cumulative"] == M(16, 161_644)  # 59/365
    assert p["by_month"][11]["plan_cumulative"] == M(100, 1_000_000)


def test_share_formulas():
    assert linear_share(2030, D(2029, 12, 31)) == 0
    assert linear_share(2030, D(2030, 1, 1)) == Fraction(1, 365)
    assert linear_share(2032, D(2032, 12, 31)) == 1  # leap year: 366/366
    assert linear_share(2030, D(2031, 6, 1)) == 1
    weights = [Fraction(1, 4), 0, 0, Fraction(1, 2), 0, 0, 0, 0, Fraction(1, 4), 0, 0, 0]
    assert weighted_share(2030, D(2030, 1, 31), weights) == Fraction(1, 4)
    assert weighted_share(2030, D(2030, 4, 15), weights) == Fraction(1, 2)
    assert weighted_share(2030, D(2031, 1, 1), weights) == 1
    assert (
        round_half_up(Fraction(1, 2)) == 1
        and round_half_up(Fraction(5, 2)) == 3
        and round_half_up(Fraction(-1, 2)) == 0
    )


def test_as_of_defaults_to_today_in_shanghai():
    TargetFactory(year=2030, exhibitions=100, gross_area_m2=1_000_000)
    # 31 Dec 2030 17:00 UTC is already 1 Jan 2031 in Asia/Shanghai: the year 2030 has fully elapsed.
    payload, _ = compute_payload(year=2030, computed_at=dt.datetime(2030, 12, 31, 17, 0, tzinfo=dt.UTC))
    assert payload["rules"]["as_of"] == "2031-01-01"
    assert payload["computed_at"] == "2031-01-01T01:00:00+08:00"
    assert payload["scopes"]["province"]["expected_to_date"] == M(100, 1_000_000)
    payload, _ = compute_payload(year=2030, computed_at=dt.datetime(2030, 12, 31, 15, 0, tzinfo=dt.UTC))
    assert payload["rules"]["as_of"] == "2030-12-31"


def test_thresholds_come_from_the_years_target(world):
    world["target"].large_min_gross_area_m2 = 9_999
    world["target"].save()
    payload, _ = compute_payload(year=2030, as_of=D(2030, 12, 16))
    assert payload["rules"]["large_min_gross_area_m2"] == 9_999
    assert payload["scopes"]["province"]["achieved"] == M(2, 29_999)  # c now counts


def test_venue_utilisation(world):
    sy, dl, hotel = world["venues"]
    payload, _ = compute_payload(year=2030, as_of=D(2030, 12, 16))
    rows = {row["venue"]: row for row in payload["venue_utilisation"]}
    # Shenyang venue, 2030, not cancelled: a b c g, each 3 days (factory end = start + 2)
    assert rows[sy.pk]["events"] == 4 and rows[sy.pk]["days_booked"] == 12
    assert rows[sy.pk]["area_days"] == 3 * (20_000 + 10_000 + 9_999 + 15_000)
    assert rows[sy.pk]["city"] == "shenyang" and rows[sy.pk]["slug"] == sy.slug
    # Dalian venue: d only (31 Dec – 2 Jan = 3 days); e starts in 2031
    assert (rows[dl.pk]["events"], rows[dl.pk]["days_booked"], rows[dl.pk]["area_days"]) == (1, 3, 90_000)
    assert rows[hotel.pk]["events"] == 1
