"""Drill-down links: every figure on a dashboard or report opens the exhibition list filtered to exactly
the rows behind it (SPEC §3 "every figure must be reproducible").

The query parameters are those of `exhibitions.filtersets.ExhibitionFilterSet`, so the list's total
equals the figure. One helper builds them all, so tests can follow each link and compare counts.

- achieved  → counts=true & status=held
- committed → counts=true & status=held & status=confirmed
- pipeline  → counts=true & status=held & status=confirmed & status=planned
- "other" counts (flagship, outbound, international, green, digital) → the flag filter with every
  status but cancelled; conferences → batch=conference with every status but cancelled
- a venue's utilisation → venue=<id>, not outbound, every status but cancelled
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse

MEASURE_STATUSES: dict[str, tuple[str, ...]] = {
    "achieved": ("held",),
    "committed": ("held", "confirmed"),
    "pipeline": ("held", "confirmed", "planned"),
}
NOT_CANCELLED: tuple[str, ...] = ("planned", "confirmed", "held")
OTHER_FLAGS: dict[str, str] = {
    "flagship": "is_flagship",
    "outbound": "is_outbound",
    "international": "is_international",
    "green": "is_green",
    "digital": "is_digital",
}
OTHER_KINDS: tuple[str, ...] = ("conferences", *OTHER_FLAGS)


def drilldown_params(
    *,
    year: int,
    city: str | None = None,
    measure: str | None = None,
    month: int | None = None,
    batch: str | None = None,
    other: str | None = None,
    venue: int | None = None,
) -> list[tuple[str, str]]:
    """The ExhibitionFilterSet query parameters behind one figure (ordered, repeatable keys)."""
    params: list[tuple[str, str]] = [("year", str(year))]
    if month is not None:
        params.append(("month", str(month)))
    if city and city != "province":
        params.append(("city", city))
    if batch:
        params.append(("batch", batch))
    if venue is not None:
        params.append(("venue", str(venue)))
        params.append(("is_outbound", "false"))
        params += [("status", s) for s in NOT_CANCELLED]
        return params
    if other is not None:
        if other == "conferences":
            params.append(("batch", "conference"))
        elif other in OTHER_FLAGS:
            params.append((OTHER_FLAGS[other], "true"))
        else:
            raise ValueError(f"unknown count: {other!r}")
        params += [("status", s) for s in NOT_CANCELLED]
        return params
    if measure is not None:
        if measure not in MEASURE_STATUSES:
            raise ValueError(f"unknown measure: {measure!r}")
        params.append(("counts", "true"))
        params += [("status", s) for s in MEASURE_STATUSES[measure]]
    return params


def drilldown_url(**kwargs) -> str:
    """`/exhibitions/?…` listing exactly the rows behind a figure (see drilldown_params)."""
    return f"{_list_path()}?{urlencode(drilldown_params(**kwargs))}"


@lru_cache(maxsize=1)
def _list_path() -> str:
    return reverse("exhibitions:list")
