"""Dashboard and report reads: the latest progress snapshot shaped for pages, charts and reports.

Nothing here aggregates exhibition rows: figures come from `targets.selectors` (the snapshot), with the
drill-down links of `reports.drilldown`. The one exception is the counted list of a report, read from
live rows through the one scoping rule and the shared ExhibitionFilterSet.
"""

from __future__ import annotations

from datetime import date

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.drilldown import OTHER_KINDS, drilldown_params, drilldown_url

MEASURES = ("exhibitions", "gross_area_m2")
AMBER_FLOOR = 0.85

# Red/amber/green (documented in README "Dashboards and reports"):
#   green: achieved ≥ expected to date; amber: achieved ≥ 85 % of expected; red: below that.
RAG_LABELS = {
    "green": _("On track (achieved ≥ expected to date)"),
    # xgettext:no-python-format
    "amber": _("Slightly behind (achieved ≥ 85 % of expected to date)"),
    # xgettext:no-python-format
    "red": _("Behind (achieved < 85 % of expected to date)"),
    "none": _("No allocation"),
}


def current_year() -> int:
    return timezone.localdate().year


def rag_status(*, achieved: int, expected: int) -> str:
    """green / amber / red by the documented rule (an expected of 0 is green: nothing was due yet)."""
    if achieved >= expected:
        return "green"
    if achieved >= expected * AMBER_FLOOR:
        return "amber"
    return "red"


def growth_percent(*, current: int, previous: int | None) -> float | None:
    """Year-on-year growth in percent, 1 decimal; None without a previous figure."""
    if not previous:
        return None
    return round((current - previous) / previous * 100, 1)


def _measure_block(progress: dict, measure: str, *, year: int, city: str | None) -> dict:
    prev = progress.get("previous_year")
    achieved = progress["achieved"][measure]
    prev_achieved = prev["achieved"][measure] if prev else None
    return {
        "measure": measure,
        "goal": progress["goal"][measure],
        "achieved": achieved,
        "committed": progress["committed"][measure],
        "pipeline": progress["pipeline"][measure],
        "expected": progress["expected_to_date"][measure],
        "forecast": progress["forecast"][measure],
        "gap": progress["gap"][measure],
        "ahead": progress["ahead_of_plan"][measure],
        "percent": progress["percent"][measure],
        "previous_achieved": prev_achieved,
        "growth": growth_percent(current=achieved, previous=prev_achieved),
        "rag": rag_status(achieved=achieved, expected=progress["expected_to_date"][measure])
        if progress["goal"][measure]
        else "none",
        "urls": {m: drilldown_url(year=year, city=city, measure=m) for m in ("achieved", "committed", "pipeline")}
        | {"previous": drilldown_url(year=year - 1, city=city, measure="achieved")},
    }


def monthly_series(progress: dict) -> dict:
    """Cumulative achieved / committed per month against plan_cumulative, plus the year-end forecast."""
    series: dict = {"months": [], "forecast": {}}
    for measure in MEASURES:
        achieved = committed = 0
        rows = []
        for row in sorted(progress["by_month"], key=lambda r: r["month"]):
            achieved += row["achieved"][measure]
            committed += row["committed"][measure]
            rows.append(
                {
                    "month": row["month"],
                    "achieved": row["achieved"][measure],
                    "achieved_cumulative": achieved,
                    "committed_cumulative": committed,
                    "plan_cumulative": row["plan_cumulative"][measure],
                }
            )
        series[measure] = rows
        series["forecast"][measure] = progress["forecast"][measure]
    series["months"] = [r["month"] for r in series["exhibitions"]]
    return series


def chart_payload(*, progress: dict, as_of: str, labels: dict) -> dict:
    """The JSON a dashboard embeds with json_script for ECharts (static/js/dashboard.js)."""
    series = monthly_series(progress)
    as_of_month = date.fromisoformat(as_of).month if as_of else 12
    if as_of and date.fromisoformat(as_of).year != progress["year"]:
        as_of_month = 12 if date.fromisoformat(as_of).year > progress["year"] else 0
    out = {"labels": labels, "months": series["months"], "as_of_month": as_of_month, "measures": {}}
    for measure in MEASURES:
        rows = series[measure]
        out["measures"][measure] = {
            "achieved": [r["achieved_cumulative"] if r["month"] <= max(as_of_month, 1) else None for r in rows],
            "committed": [r["committed_cumulative"] for r in rows],
            "plan": [r["plan_cumulative"] for r in rows],
            "forecast": series["forecast"][measure],
        }
    out["cities"] = [
        {"city": row["city"], "percent": row["percent"]["exhibitions"] or 0} for row in progress.get("by_city", [])
    ]
    return out


def dashboard_context(*, progress: dict, payload: dict, cities: dict, batches: dict) -> dict:
    """Everything a dashboard template shows, from one scope of the snapshot.

    `payload` is the whole snapshot payload (each city's own expected to date); `cities` maps
    slug → City and `batches` code → Batch (names; read once per request).
    """
    year = progress["year"]
    scope = progress["scope"]
    city = None if scope == "province" else scope
    kpis = {m: _measure_block(progress, m, year=year, city=city) for m in MEASURES}

    city_rows = []
    for row in progress.get("by_city", []):
        expected = payload["scopes"].get(row["city"], {}).get("expected_to_date", {}).get("exhibitions", 0)
        city_rows.append(
            {
                "slug": row["city"],
                "city": cities.get(row["city"]),
                "goal": row["goal"],
                "achieved": row["achieved"],
                "committed": row["committed"],
                "pipeline": row["pipeline"],
                "percent": row["percent"],
                "expected": expected,
                # No allocation: nothing to be on or off track against.
                "rag": rag_status(achieved=row["achieved"]["exhibitions"], expected=expected)
                if row["goal"]["exhibitions"]
                else "none",
                "url": drilldown_url(year=year, city=row["city"], measure="achieved"),
                "dashboard": f"/dashboard/{row['city']}/?year={year}",
            }
        )
    city_rows.sort(key=lambda r: (r["percent"]["exhibitions"] is None, -(r["percent"]["exhibitions"] or 0), r["slug"]))
    for rank, row in enumerate(city_rows, start=1):
        row["rank"] = rank

    batch_rows = [
        {
            "code": row["batch"],
            "batch": batches.get(row["batch"]),
            **{m: row[m] for m in ("achieved", "committed", "pipeline")},
            "urls": {
                m: drilldown_url(year=year, city=city, batch=row["batch"], measure=m)
                for m in ("achieved", "committed", "pipeline")
            },
            "conference_url": drilldown_url(year=year, city=city, other="conferences")
            if row["batch"] == "conference"
            else None,
        }
        for row in progress.get("by_batch", [])
    ]

    series = monthly_series(progress)
    month_rows = [
        {
            **row,
            "area": area_row,
            "url": drilldown_url(year=year, city=city, month=row["month"], measure="achieved"),
            "committed_url": drilldown_url(year=year, city=city, month=row["month"], measure="committed"),
        }
        for row, area_row in zip(series["exhibitions"], series["gross_area_m2"], strict=True)
    ]

    other = [
        {"kind": kind, "count": progress["other"][kind], "url": drilldown_url(year=year, city=city, other=kind)}
        for kind in OTHER_KINDS
    ]
    large_share = progress.get("large_scale_share")
    return {
        "year": year,
        "scope": scope,
        "kpis": kpis,
        "cities": city_rows,
        "batches": batch_rows,
        "months": month_rows,
        "other": other,
        "large_scale_share": None if large_share is None else round(large_share * 100, 1),
        "rules": progress["rules"],
        "rag_labels": RAG_LABELS,
    }


def venue_rows(*, snapshot_payload: dict, year: int, city: str | None) -> list[dict]:
    rows = [
        {**row, "url": drilldown_url(year=year, venue=row["venue"])}
        for row in snapshot_payload.get("venue_utilisation", [])
        if city is None or row["city"] == city
    ]
    rows.sort(key=lambda r: (-r["area_days"], r["slug"]))
    return rows


def counted_rows(*, user, year: int, month: int | None, city: str | None):
    """The counted exhibitions behind a report (live rows, scoped, same filters as the list)."""
    from exhibitions.filtersets import ExhibitionFilterSet
    from exhibitions.models import Exhibition

    params = drilldown_params(year=year, city=city, month=month, measure="pipeline")
    data = QueryDict(mutable=True)
    for key, value in params:
        data.appendlist(key, value)
    queryset = Exhibition.objects.for_user(user, "view").select_related("city", "venue", "batch")
    filterset = ExhibitionFilterSet(data=data, queryset=queryset)
    return filterset.qs.order_by("start_date", "id"), params
