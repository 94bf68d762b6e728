"""The audit log's pages (SPEC §12): `/audit/` lists and filters the events, `/audit/export.csv` exports
the filtered rows. Only the audit administrator (AdminRole.AUDITOR) reads them; anybody else signed in
gets 403 (itself audited, core.views.permission_denied), anonymous visitors the sign-in page.

Rows and filters come from core.audit_filters.AuditEventFilterSet, as in the API. The export streams
UTF-8 CSV with a BOM (Excel), cells neutralised against formula injection (core.spreadsheets, as every export), and is
itself recorded as an `audit_exported` event naming the filters and the number of rows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views import View

from core import spreadsheets
from core.audit import Action, record
from core.audit_filters import ROLE_CHOICES, AuditEventFilterSet
from core.models import AuditEvent
from core.roles import AdminRole, admin_role_of

PER_PAGE = 50
CHUNK_SIZE = 2000  # rows fetched from the database at a time
ROWS_PER_CHUNK = 500  # CSV rows per streamed chunk of bytes
ROLE_LABELS = dict(ROLE_CHOICES)


class AuditorMixin(LoginRequiredMixin):
    """Signed in as the audit administrator; anonymous → sign in, anybody else → 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if admin_role_of(request.user) != AdminRole.AUDITOR:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def detail_text(event: AuditEvent) -> str:
    return json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else ""


def role_text(event: AuditEvent) -> str:
    return str(ROLE_LABELS.get(event.role, event.role))


class AuditListView(AuditorMixin, View):
    def get(self, request):
        filterset = AuditEventFilterSet(request.GET or None, queryset=AuditEvent.objects.all())
        valid = filterset.is_valid() if filterset.is_bound else True
        rows = filterset.qs if valid else AuditEvent.objects.none()
        paginator = Paginator(rows, PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filter": filterset,
            "page_obj": page,
            "rows": [(event, role_text(event), detail_text(event)) for event in page.object_list],
            "total": paginator.count,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "ellipsis": Paginator.ELLIPSIS,
            "export_query": query.urlencode(),
        }
        return render(request, "audit/list.html", context)


# The export's columns: translated header, value of one event.
COLUMNS = (
    (_("ID"), lambda e: e.pk),
    (_("Time"), lambda e: timezone.localtime(e.at).isoformat(timespec="seconds")),
    (_("User"), lambda e: e.username),
    (_("User ID"), lambda e: "" if e.user_id is None else e.user_id),
    (_("Role"), role_text),
    (_("Address"), lambda e: e.address or ""),
    (_("User agent"), lambda e: e.user_agent),
    (_("Action"), lambda e: e.get_action_display()),
    (_("Object type"), lambda e: e.object_type),
    (_("Object ID"), lambda e: e.object_id),
    (_("Object"), lambda e: e.object_repr),
    (_("Outcome"), lambda e: e.get_outcome_display()),
    (_("Detail"), detail_text),
)


def iter_csv(events: Iterable[AuditEvent]) -> Iterator[bytes]:
    """The CSV file as byte chunks: UTF-8 with BOM, the header row, then ROWS_PER_CHUNK rows a chunk."""
    buffer = io.StringIO()
    writer = spreadsheets.csv_writer(buffer)  # formula text neutralised
    buffer.write("\ufeff")
    writer.writerow([capfirst(str(header)) for header, _value in COLUMNS])
    done = 0
    for event in events:
        writer.writerow([value(event) for _header, value in COLUMNS])
        done += 1
        if done % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


class AuditExportView(AuditorMixin, View):
    def get(self, request):
        filterset = AuditEventFilterSet(request.GET or None, queryset=AuditEvent.objects.all())
        if filterset.is_bound and not filterset.is_valid():
            # Back to the list, which names the invalid filters; nothing is exported.
            return HttpResponseRedirect(f"{reverse('audit')}?{request.GET.urlencode()}")
        # The file holds the rows stored before the export's own event (recorded first: an export that
        # fails half-way is still on record), so its row count is the one recorded.
        last = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        rows = filterset.qs.filter(pk__lte=last)
        event = record(
            Action.AUDIT_EXPORTED,
            request=request,
            detail={"format": "csv", "filters": filterset.applied(), "rows": rows.count()},
        )
        stamp = timezone.localtime(event.at).strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(
            iter_csv(rows.iterator(chunk_size=CHUNK_SIZE)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response
