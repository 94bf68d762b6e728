"""The monthly progress report (通报): figures from one snapshot, the counted list from live rows.

`monthly_report(...)` assembles the data once; the HTML page, the PDF and the XLSX render the same dict.
"""

from __future__ import annotations

from core.roles import VIEW
from reports import selectors
from reports.drilldown import drilldown_url
from targets.selectors import progress_get, snapshot_get


def monthly_report(*, user, year: int, month: int, city_slug: str | None, snapshot_id: int | None) -> dict:
    """Rankings, year-on-year, the month's figures and the counted list of a year up to a month."""
    from exhibitions.models import Batch
    from venues.models import City

    snapshot = snapshot_get(year=year, snapshot_id=snapshot_id)
    progress = progress_get(year=year, city_slug=city_slug, snapshot=snapshot)
    # Figures: aggregates of the snapshot; rows: through the scoping rule (counted_rows → for_user).
    cities = {c.slug: c for c in City.objects.for_user(user, VIEW)}
    batches = {b.code: b for b in Batch.objects.for_user(user, VIEW)}
    context = selectors.dashboard_context(progress=progress, payload=snapshot.payload, cities=cities, batches=batches)
    month_row = next(r for r in context["months"] if r["month"] == month)
    rows, params = selectors.counted_rows(user=user, year=year, month=month, city=city_slug)
    rows = list(rows)
    return {
        **context,
        "snapshot": snapshot,
        "progress": progress,
        "stale": progress["stale"],
        "month": month,
        "month_row": month_row,
        "city": cities.get(city_slug) if city_slug else None,
        "city_slug": city_slug,
        "rows": rows,
        "rows_url": drilldown_url(year=year, city=city_slug, month=month, measure="pipeline"),
        "rows_params": params,
    }


def report_title(report: dict, *, language_zh: bool = True) -> str:
    """The report's heading, e.g. "2024年5月 辽宁省展会工作进展通报" / "大连市 …"."""
    from django.utils.translation import gettext as _

    scope = str(report["city"]) if report["city"] else _("Province")
    return _("%(scope)s exhibition progress report, %(year)s-%(month)02d") % {
        "scope": scope,
        "year": report["year"],
        "month": report["month"],
    }
