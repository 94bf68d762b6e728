"""Reports: the index form and the monthly report as HTML, PDF and XLSX (SPEC §5: staff all reports,
city officials their own city's report, API clients none)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.audit import Action, record
from core.roles import VIEW, Role, city_of, role_of
from reports import selectors
from reports.monthly import monthly_report, report_title
from reports.views import DashboardAccessMixin, _parse_int

FORMATS = ("html", "pdf", "xlsx")


def check_report_access(user, city_slug: str | None) -> None:
    role = role_of(user)
    if role == Role.STAFF:
        return
    if role == Role.CITY_OFFICIAL:
        own = city_of(user)
        if own is not None and city_slug == own.slug:
            return
    raise PermissionDenied(_("You may not produce this report."))


class ReportIndexView(DashboardAccessMixin, View):
    allowed_roles = (Role.STAFF, Role.CITY_OFFICIAL)

    def get(self, request: HttpRequest) -> HttpResponse:
        from venues.models import City

        try:
            year = _parse_int(request, "year", selectors.current_year(), 2000, 2100)
        except ValueError as error:
            return HttpResponseBadRequest(str(error))
        own = city_of(request.user) if role_of(request.user) == Role.CITY_OFFICIAL else None
        cities = [own] if own else list(City.objects.for_user(request.user, VIEW).order_by("pk"))
        return render(
            request,
            "reports/index.html",
            {
                "year": year,
                "month": 12 if year < selectors.current_year() else timezone.localdate().month,
                "months": range(1, 13),
                "cities": cities,
                "own_city": own,
                "selected_city": request.GET.get("city", own.slug if own else ""),
            },
        )


class MonthlyReportView(DashboardAccessMixin, View):
    allowed_roles = (Role.STAFF, Role.CITY_OFFICIAL)

    def get(self, request: HttpRequest) -> HttpResponse:
        from targets.models import ProgressSnapshot
        from targets.selectors import UnknownScope

        city_slug = request.GET.get("city") or None
        check_report_access(request.user, city_slug)
        try:
            year = _parse_int(request, "year", selectors.current_year(), 2000, 2100)
            month = _parse_int(request, "month", 12, 1, 12)
            snapshot_id = _parse_int(request, "snapshot", None, 1, 2**62)
        except ValueError as error:
            return HttpResponseBadRequest(str(error))
        fmt = request.GET.get("format", "html")
        if fmt not in FORMATS:
            return HttpResponseBadRequest(_("format must be one of: html, pdf, xlsx."))
        try:
            report = monthly_report(
                user=request.user, year=year, month=month, city_slug=city_slug, snapshot_id=snapshot_id
            )
        except ProgressSnapshot.DoesNotExist:
            raise Http404(_("No snapshot %(id)s for %(year)s.") % {"id": snapshot_id, "year": year}) from None
        except UnknownScope:
            raise Http404(_("No such city.")) from None
        report["title"] = report_title(report)
        filename = f"expoplan-report-{year}-{month:02d}-{city_slug or 'province'}-s{report['snapshot'].pk}"
        if fmt in ("pdf", "xlsx"):
            record(
                Action.REPORT_DOWNLOAD,
                request=request,
                obj=report["snapshot"],
                detail={"format": fmt, "year": year, "month": month, "city": city_slug or "", "file": filename},
            )
        if fmt == "pdf":
            from reports.pdf import report_pdf

            response = HttpResponse(report_pdf(report), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
            return response
        if fmt == "xlsx":
            from reports.xlsx import report_xlsx

            response = HttpResponse(
                report_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
            return response
        query = request.GET.copy()
        query["snapshot"] = str(report["snapshot"].pk)
        links = {}
        for f in ("pdf", "xlsx"):
            query["format"] = f
            links[f] = f"?{query.urlencode()}"
        return render(request, "reports/monthly.html", {**report, "links": links})
