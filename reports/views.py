"""Dashboards (province, city), the recompute trigger with its status fragment, and the reports.

Pages read the latest progress snapshot (reports.selectors), never aggregate exhibition rows per request.
Permissions (SPEC §5) are checked here, server-side, on every path.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from core.roles import VIEW, AdminRole, Role, admin_role_of, city_of, role_of
from reports import selectors
from targets.selectors import progress_get, snapshot_get, snapshot_head

logger = logging.getLogger("expoplan.reports")

DASHBOARD_ROLES = (Role.STAFF, Role.CITY_OFFICIAL, Role.API_CLIENT)


def _parse_int(request: HttpRequest, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(_("%(field)s must be a whole number.") % {"field": name}) from None
    if not low <= value <= high:
        raise ValueError(
            _("%(field)s must be between %(low)s and %(high)s.") % {"field": name, "low": low, "high": high}
        )
    return value


class DashboardAccessMixin:
    allowed_roles: tuple = DASHBOARD_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DashboardFigures:
    """Everything below a dashboard's "as of" line, rendered from one snapshot scope when first asked
    for: the page caches that part by snapshot, scope and language ({% cache %} in the template), so a
    cached view never loads the snapshot's payload."""

    def __init__(self, *, year: int, city_slug: str | None, snapshot_id: int):
        self.year, self.city_slug, self.snapshot_id = year, city_slug, snapshot_id

    @cached_property
    def html(self) -> str:
        from exhibitions.models import Batch
        from venues.models import City

        # Aggregates only (one snapshot scope; per-venue counts), the same for every reader and cached as
        # such: no exhibition row is read here, so nothing to scope; cities and batches name the figures.
        year, city_slug = self.year, self.city_slug
        snapshot = snapshot_get(year=year, snapshot_id=self.snapshot_id)
        progress = progress_get(year=year, city_slug=city_slug, snapshot=snapshot)
        cities = {c.slug: c for c in City.objects.all()}
        batches = {b.code: b for b in Batch.objects.all()}
        context = selectors.dashboard_context(
            progress=progress, payload=snapshot.payload, cities=cities, batches=batches
        )
        charts = selectors.chart_payload(
            progress=progress,
            as_of=progress["rules"].get("as_of", ""),
            labels={
                "achieved": _("Achieved (cumulative)"),
                "committed": _("Committed (cumulative)"),
                "plan": _("Plan (cumulative)"),
                "forecast": _("Year-end forecast"),
                # xgettext:no-python-format
                "percent": _("% of allocation"),
                "month": _("Month"),
            },
        )
        for row in charts["cities"]:
            row["name"] = str(cities[row["city"]]) if row["city"] in cities else row["city"]
        context.update(
            city=cities.get(city_slug) if city_slug else None,
            charts=charts,
            venues=[
                {**v, "city_name": str(cities[v["city"]]) if v["city"] in cities else v["city"]}
                for v in selectors.venue_rows(snapshot_payload=snapshot.payload, year=year, city=city_slug)
            ],
        )
        return render_to_string("reports/_dashboard_body.html", context)


class DashboardView(DashboardAccessMixin, View):
    template_name = "reports/dashboard.html"

    def get(self, request: HttpRequest, city_slug: str | None = None) -> HttpResponse:
        from venues.models import City

        # Dashboards are aggregates: every business role reads the province's and every city's (SPEC §5),
        # read-only except staff's recompute; a city official lands on their own (HomeView).
        try:
            year = _parse_int(request, "year", selectors.current_year(), 2000, 2100)
        except ValueError as error:
            return HttpResponseBadRequest(str(error))
        city = None
        if city_slug is not None:
            city = City.objects.for_user(request.user, VIEW).filter(slug=city_slug).first()
            if city is None:
                raise Http404(_("No such city."))
        head = snapshot_head(year=year)
        if head is None:  # the year has no snapshot yet: compute one now (once)
            snapshot_get(year=year)
            head = snapshot_head(year=year)
        role = role_of(request.user)
        own_city = city_of(request.user) if role == Role.CITY_OFFICIAL else None
        context = {
            "figures": DashboardFigures(year=year, city_slug=city_slug, snapshot_id=head["id"]),
            "year": year,
            "scope": city_slug or "province",
            "city": city,
            "snapshot": head,
            "stale": head["stale"],
            "can_recompute": role == Role.STAFF,
            # The monthly report of this scope (reports.report_views.check_report_access): staff any,
            # a city official their own city's.
            "can_report": role == Role.STAFF or (own_city is not None and city == own_city),
            "own_city": own_city,
            "years": range(year - 2, year + 2),
        }
        return render(request, self.template_name, context)


# Where each administrator (三员) lands: their own pages, never the workspace (URL names).
ADMIN_HOMES = {AdminRole.SYSADMIN: "admin:index", AdminRole.SECADMIN: "security", AdminRole.AUDITOR: "audit"}


class HomeView(DashboardView):
    """`/`: city officials land on their own city's dashboard; everyone else on the province's; the three
    administrators on their own pages."""

    def dispatch(self, request, *args, **kwargs):
        admin_role = admin_role_of(request.user)
        if admin_role is not None:
            try:
                return redirect(reverse(ADMIN_HOMES[admin_role]))
            except NoReverseMatch:  # that administrator's pages are not installed
                raise PermissionDenied from None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, city_slug: str | None = None) -> HttpResponse:
        if role_of(request.user) == Role.CITY_OFFICIAL:
            own = city_of(request.user)
            if own is not None:
                query = f"?{request.GET.urlencode()}" if request.GET else ""
                return redirect(f"/dashboard/{own.slug}/{query}")
        return super().get(request, None)


def _publish_recompute(year: int) -> None:
    """Publish the recompute task now (no debounce: a person is waiting); a broker outage is logged only."""
    from targets.tasks import recompute_progress

    try:
        recompute_progress.apply_async(args=[year])
    except Exception:
        logger.warning("progress %s: could not publish the requested recompute", year, exc_info=True)


class RecomputeView(DashboardAccessMixin, View):
    """POST: staff ask for a fresh snapshot; answers with the status fragment, which polls until it exists."""

    allowed_roles = (Role.STAFF,)

    def post(self, request: HttpRequest) -> HttpResponse:
        from targets.selectors import snapshot_latest

        try:
            year = int(request.POST.get("year", ""))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            return HttpResponseBadRequest(_("year must be a whole number between 2000 and 2100."))
        latest = snapshot_latest(year=year)
        since = latest.pk if latest else 0
        _publish_recompute(year)
        if not request.headers.get("HX-Request"):
            return redirect(request.POST.get("next") or f"/dashboard/?year={year}")
        return render(request, "reports/_status.html", {"year": year, "since": since, "pending": True, "scope_url": ""})


class StatusView(DashboardAccessMixin, View):
    """GET: the small status fragment; done when a snapshot newer than `since` exists."""

    allowed_roles = (Role.STAFF,)

    def get(self, request: HttpRequest) -> HttpResponse:
        from targets.selectors import snapshot_is_stale, snapshot_latest

        try:
            year = _parse_int(request, "year", None, 2000, 2100)
            since = _parse_int(request, "since", 0, 0, 2**62)
        except ValueError as error:
            return HttpResponseBadRequest(str(error))
        if year is None:
            return HttpResponseBadRequest(_("year is required."))
        latest = snapshot_latest(year=year)
        # Done when a newer snapshot exists, or when the latest already saw every change (a recompute of
        # unchanged data keeps the existing snapshot).
        done = latest is not None and (latest.pk > since or not snapshot_is_stale(latest))
        # The page to reload the figures from: the path of the dashboard the fragment sits on (same origin).
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        refresh_url = (
            f"{current.path}?{current.query}"
            if current.path.startswith("/dashboard/") or current.path == "/"
            else f"/dashboard/?year={year}"
        )
        return render(
            request,
            "reports/_status.html",
            {
                "year": year,
                "since": since,
                "pending": not done,
                "done": done,
                "latest": latest,
                "refresh_url": refresh_url,
            },
        )
