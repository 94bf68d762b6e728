"""Property: for random exhibitions, the SQL engine equals a plain-Python reading of SPEC §3, for every
scope and measure (goal, achieved, committed, pipeline, expected, forecast, gap, percent, by_city,
by_batch, by_month, other, large-scale share, previous year, venue utilisation)."""

import calendar
import datetime as dt
import math
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exhibitions.models import Batch, Exhibition
from targets.models import CityAllocation, Target
from targets.progress import compute_payload
from targets.schema import validate_payload
from tests.factories import VenueFactory, city
from venues.models import City, Venue

pytestmark = pytest.mark.django_db
YEAR = 2030
D = dt.date
STARTS = [D(2029, 1, 1), D(2029, 4, 30), D(2029, 12, 31), D(2030, 1, 1), D(2030, 2, 28), D(2030, 7, 15),
          D(2030, 10, 31), D(2030, 12, 31), D(2031, 1, 1)]  # fmt: skip
AREAS = [0, 5_000, 9_999, 10_000, 10_001, 30_000, 30_000, 123_456]
STATUSES = ["planned", "confirmed", "held", "cancelled"]
PLACES = ["pro_sy", "pro_sy", "pro_dl", "pro_dl", "hotel_sy", "outbound", "no_venue"]  # mostly counted places
CITIES = ["shenyang", "dalian", "anshan"]

event = st.fixed_dictionaries(
    {
        "start": st.sampled_from(STARTS),
        "days": st.integers(0, 3),
        "place": st.sampled_from(PLACES),
        "city": st.sampled_from(CITIES),
        "batch": st.sampled_from(["brand", "resident", "market", "conference"]),
        "status": st.sampled_from(STATUSES),
        "area": st.sampled_from(AREAS),
        "flags": st.fixed_dictionaries({f: st.booleans() for f in ("international", "green", "digital", "flagship")}),
    }
)
target = st.fixed_dictionaries(
    {
        "exhibitions": st.integers(0, 300),
        "gross_area_m2": st.integers(0, 5_000_000),
        "large": st.sampled_from([5_000, 10_000, 10_001]),
        "allocations": st.dictionaries(
            st.sampled_from(CITIES), st.tuples(st.integers(0, 100), st.integers(0, 1_000_000)), max_size=3
        ),
    }
)
as_of = st.sampled_from([D(2029, 12, 31), D(2030, 1, 1), D(2030, 4, 15), D(2030, 12, 31), D(2031, 3, 1)])


# --- the reference: SPEC §3 read literally, over plain dicts ------------------------------------------


def half_up(x) -> int:
    return math.floor(Fraction(x) + Fraction(1, 2))


def reference(events, targets, now, venues, batches, cities):
    counts_as = {code: code != "conference" for code in batches}
    large = {y: (targets[y]["large"] if y in targets else 10_000) for y in (YEAR - 1, YEAR)}

    def eligible(e, y):  # rules 1, 3, 4, 5
        return (
            e["start"].year == y
            and counts_as[e["batch"]]
            and e["place"] not in ("outbound", "no_venue")
            and venues[e["place"]]["professional"]
            and e["area"] >= large[y]
        )

    def counted(e, y):
        return eligible(e, y) and e["status"] != "cancelled"

    def city_of(e):
        return venues[e["place"]]["city"] if e["place"] in venues else e["city"]

    def measure(rows, statuses):
        rows = [e for e in rows if e["status"] in statuses]
        return {"exhibitions": len(rows), "gross_area_m2": sum(e["area"] for e in rows)}

    def three(rows):
        return {
            "achieved": measure(rows, {"held"}),
            "committed": measure(rows, {"held", "confirmed"}),
            "pipeline": measure(rows, {"held", "confirmed", "planned"}),
        }

    def pct(a, g):
        return None if g == 0 else half_up(Fraction(a * 1000, g)) / 10

    this = [e for e in events if counted(e, YEAR)]
    prev_eligible = [e for e in events if eligible(e, YEAR - 1)]
    prev = [e for e in prev_eligible if e["status"] != "cancelled"]
    held = sum(e["status"] == "held" for e in prev_eligible)
    cancelled = sum(e["status"] == "cancelled" for e in prev_eligible)
    rate = Fraction(held, held + cancelled) if held + cancelled else Fraction(1)
    prev_pipeline = [e for e in prev if e["status"] in ("held", "confirmed", "planned")]
    days_year = 366 if calendar.isleap(YEAR) else 365

    def share(day, weight):
        if day < D(YEAR, 1, 1):
            return Fraction(0)
        day = min(day, D(YEAR, 12, 31))
        if not prev_pipeline:
            return Fraction(day.timetuple().tm_yday, days_year)
        total = sum(weight(e) for e in prev_pipeline)
        if total == 0:
            return Fraction(day.timetuple().tm_yday, days_year)
        w = [Fraction(sum(weight(e) for e in prev_pipeline if e["start"].month == m), total) for m in range(1, 13)]
        return sum(w[: day.month - 1], Fraction(0)) + w[day.month - 1] * Fraction(
            day.day, calendar.monthrange(YEAR, day.month)[1]
        )

    weights = {"exhibitions": lambda e: 1, "gross_area_m2": lambda e: e["area"]}
    t = targets.get(YEAR)
    alloc = t["allocations"] if t else {}
    has_prev = bool(prev_eligible) or (YEAR - 1) in targets
    year_events = [e for e in events if e["start"].year == YEAR and e["status"] != "cancelled"]

    def scope(name, member):
        rows = [e for e in this if member(e)]
        if name == "province":
            goal = {"exhibitions": t["exhibitions"], "gross_area_m2": t["gross_area_m2"]} if t else None
        else:
            a = alloc.get(name)
            goal = {"exhibitions": a[0], "gross_area_m2": a[1]} if a else None
        goal = goal or {"exhibitions": 0, "gross_area_m2": 0}
        m3 = three(rows)
        ach = m3["achieved"]
        expected = {k: half_up(goal[k] * share(now, weights[k])) for k in goal}
        conf, plan = measure(rows, {"confirmed"}), measure(rows, {"planned"})
        others = [e for e in year_events if member(e)]
        share_of = [e for e in others if counts_as[e["batch"]] and e["place"] != "outbound"]

        def city_row(slug):
            a = alloc.get(slug)
            g = {"exhibitions": a[0], "gross_area_m2": a[1]} if a else {"exhibitions": 0, "gross_area_m2": 0}
            r = three([e for e in this if city_of(e) == slug])
            return {"city": slug, "goal": g, **r, "percent": {k: pct(r["achieved"][k], g[k]) for k in g}}

        return {
            "scope": name,
            "goal": goal,
            **m3,
            "expected_to_date": expected,
            "forecast": {k: ach[k] + conf[k] + half_up(plan[k] * rate) for k in goal},
            "gap": {k: goal[k] - ach[k] for k in goal},
            "ahead_of_plan": {k: ach[k] - expected[k] for k in goal},
            "percent": {k: pct(ach[k], goal[k]) for k in goal},
            "by_city": [city_row(c) for c in cities] if name == "province" else [city_row(name)],
            "by_batch": [{"batch": b, **three([e for e in rows if e["batch"] == b])} for b in batches],
            "by_month": [
                {
                    "month": m,
                    **three([e for e in rows if e["start"].month == m]),
                    "plan_cumulative": {
                        k: half_up(goal[k] * share(D(YEAR, m, calendar.monthrange(YEAR, m)[1]), weights[k]))
                        for k in goal
                    },
                }
                for m in range(1, 13)
            ],
            "other": {
                "conferences": sum(not counts_as[e["batch"]] for e in others),
                "outbound": sum(e["place"] == "outbound" for e in others),
                **{f: sum(e["flags"][f] for e in others) for f in ("international", "green", "digital", "flagship")},
            },
            "large_scale_share": round(sum(e["area"] >= large[YEAR] for e in share_of) / len(share_of), 4)
            if share_of
            else None,
            "previous_year": three([e for e in prev if member(e)]) if has_prev else None,
        }

    scopes = {"province": scope("province", lambda e: True)}
    for slug in cities:
        scopes[slug] = scope(slug, lambda e, slug=slug: city_of(e) == slug)
    utilisation = {}
    for place, v in venues.items():
        rows = [e for e in year_events if e["place"] == place]
        utilisation[v["id"]] = {
            "events": len(rows),
            "days_booked": sum(e["days"] + 1 for e in rows),
            "area_days": sum(e["area"] * (e["days"] + 1) for e in rows),
        }
    return {"rate": round(float(rate), 4), "scopes": scopes, "utilisation": utilisation}


@pytest.fixture
def places():
    Target.objects.filter(year__in=[YEAR - 1, YEAR]).delete()
    return {
        "pro_sy": VenueFactory(city=city("shenyang"), is_professional=True),
        "pro_dl": VenueFactory(city=city("dalian"), is_professional=True),
        "hotel_sy": VenueFactory(city=city("shenyang"), is_professional=False, kind=Venue.Kind.HOTEL),
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(event, max_size=14),
    this_target=st.none() | target | target,
    prev_target=st.none() | target,
    now=as_of,
)
@example(  # pinned: previous-year planned events move the weights; a cancelled one moves the rate
    events=[
        {"start": s, "days": 1, "place": p, "city": "anshan", "batch": "market", "status": st_, "area": a,
         "flags": {"international": False, "green": True, "digital": False, "flagship": False}}
        for s, p, st_, a in [
            (D(2029, 4, 30), "pro_sy", "planned", 30_000), (D(2029, 12, 31), "pro_dl", "held", 30_000),
            (D(2029, 7, 15), "pro_dl", "cancelled", 10_000), (D(2030, 2, 28), "pro_sy", "held", 30_000),
            (D(2030, 7, 15), "pro_dl", "planned", 10_000), (D(2030, 12, 31), "outbound", "held", 5_000),
        ]
    ],
    this_target={"exhibitions": 40, "gross_area_m2": 900_000, "large": 10_000,
                 "allocations": {"shenyang": (10, 300_000), "dalian": (7, 1)}},
    prev_target=None,
    now=D(2030, 4, 15),
)  # fmt: skip
def test_sql_engine_equals_the_python_reference(places, events, this_target, prev_target, now):
    batches = {b.code: b for b in Batch.objects.all()}
    cities = {c.slug: c for c in City.objects.all()}
    venues = {name: {"id": v.pk, "city": v.city.slug, "professional": v.is_professional} for name, v in places.items()}
    targets = {y: t for y, t in ((YEAR, this_target), (YEAR - 1, prev_target)) if t is not None}
    with transaction.atomic():  # every example's rows are rolled back
        for y, t in targets.items():
            row = Target.objects.create(
                year=y,
                exhibitions=t["exhibitions"],
                gross_area_m2=t["gross_area_m2"],
                large_min_gross_area_m2=t["large"],
            )
            for slug, (n, area) in t["allocations"].items():
                CityAllocation.objects.create(target=row, city=cities[slug], exhibitions=n, gross_area_m2=area)
        Exhibition.objects.bulk_create(
            Exhibition(
                name_zh=f"展{i}",
                batch=batches[e["batch"]],
                venue=places.get(e["place"]),
                city=places[e["place"]].city if e["place"] in places else cities[e["city"]],
                start_date=e["start"],
                end_date=e["start"] + dt.timedelta(days=e["days"]),
                gross_area_m2=e["area"],
                status=e["status"],
                is_outbound=e["place"] == "outbound",
                destination_country="日本" if e["place"] == "outbound" else "",
                is_international=e["flags"]["international"],
                is_green=e["flags"]["green"],
                is_digital=e["flags"]["digital"],
                is_flagship=e["flags"]["flagship"],
            )
            for i, e in enumerate(events)
        )
        payload, _ = compute_payload(year=YEAR, as_of=now)
        transaction.set_rollback(True)

    validate_payload(payload)
    expected = reference(events, targets, now, venues, list(batches), list(cities))
    assert payload["rules"]["forecast_conversion_rate"] == expected["rate"]
    for name, scope in expected["scopes"].items():
        assert payload["scopes"][name] == scope, name
    got = {row["venue"]: row for row in payload["venue_utilisation"]}
    for venue_id, row in expected["utilisation"].items():
        assert {k: got[venue_id][k] for k in row} == row
